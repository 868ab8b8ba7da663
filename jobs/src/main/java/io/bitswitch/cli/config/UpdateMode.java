package io.bitswitch.cli.config;

/**
 * How a multi-precision training step applies the per-bit-width updates
 * ({@code bitswitch.train.update-mode}). One mode is left: the one-round modes {@code fused} and
 * {@code averaged} trained measurably worse and were removed (docs/design/method.md §4); the key
 * stays so that configurations written by earlier runs still load.
 */
public enum UpdateMode implements ConfigEnum {
  /**
   * The paper's loop: for each bit-width, high to low, a gradient round at the current parameters
   * and then its update (one distributed round per bit-width).
   */
  SEQUENTIAL("sequential");

  private final String configName;

  UpdateMode(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }
}
