package io.bitswitch.cli.config;

/**
 * FP32 training ({@code bitswitch.pretrain}).
 *
 * @param epochs passes over the training data, at least 1
 * @param batchSize global mini-batch size, at least 1
 * @param learningRate Adam base learning rate, positive
 * @param weightDecay L2 weight decay of convolution and dense weights (added to their gradient, not decoupled as
 *     in AdamW; docs/design/method.md §4), at least 0
 */
public record PretrainOptions(int epochs, int batchSize, double learningRate, double weightDecay) {}
