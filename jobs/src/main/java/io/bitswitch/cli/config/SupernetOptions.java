package io.bitswitch.cli.config;

/**
 * HASB mixed-precision SuperNet training ({@code bitswitch.supernet}).
 *
 * @param epochs passes over the training data, at least 1
 * @param sigmaMax the largest per-layer re-draw probability, reached in the last epoch, in (0, 1]
 */
public record SupernetOptions(int epochs, double sigmaMax) {}
