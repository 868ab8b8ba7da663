package io.bitswitch.cli.config;

/**
 * Accuracy evaluation ({@code bitswitch.evaluate}).
 *
 * @param batchSize examples per inference batch, at least 1
 */
public record EvaluateOptions(int batchSize) {}
