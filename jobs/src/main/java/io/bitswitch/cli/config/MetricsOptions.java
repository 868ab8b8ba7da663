package io.bitswitch.cli.config;

import java.util.Optional;

/**
 * Prometheus metrics ({@code bitswitch.metrics}).
 *
 * @param port port of the live HTTP endpoint on the driver; 0 means no endpoint
 * @param pushgateway {@code host:port} of the Pushgateway for the final push; empty means no push
 * @param job value of the Pushgateway grouping key {@code job}, not blank
 */
public record MetricsOptions(int port, Optional<String> pushgateway, String job) {
  /** Whether the live HTTP endpoint is enabled. */
  public boolean httpEnabled() {
    return port != 0;
  }
}
