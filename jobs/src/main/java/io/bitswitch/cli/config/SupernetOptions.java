package io.bitswitch.cli.config;

/**
 * HASB mixed-precision SuperNet training ({@code bitswitch.supernet}); the other training settings
 * (batch size, learning rate, ALRS, update mode) are those of {@code bitswitch.train}.
 *
 * @param epochs passes over the training data, at least 1
 * @param sigmaMax the largest per-layer re-draw probability, reached in the last epoch, in (0, 1]
 * @param sampling HASB or the uniform baseline
 */
public record SupernetOptions(int epochs, double sigmaMax, SupernetSampling sampling) {}
