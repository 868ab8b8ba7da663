package io.bitswitch.cli.config;

import java.util.Optional;

/**
 * The network to train ({@code bitswitch.model}).
 *
 * @param architecture which network to build
 * @param customConfig the DL4J configuration JSON file; present exactly when {@code architecture}
 *     is {@link Architecture#CUSTOM}
 * @param quantizeFirstLast whether the first and last layers are quantized too (false keeps them
 *     in FP32, the paper's convention)
 * @param init how a fresh built-in architecture's weights are drawn (custom ones keep their own)
 */
public record ModelOptions(Architecture architecture, Optional<String> customConfig, boolean quantizeFirstLast,
    InitScheme init) {}
