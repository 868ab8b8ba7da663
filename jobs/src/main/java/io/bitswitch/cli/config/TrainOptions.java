package io.bitswitch.cli.config;

import io.bitswitch.quant.BitWidthSet;

/**
 * One-shot joint multi-precision quantization-aware training ({@code bitswitch.train}).
 *
 * @param bits the candidate bit-widths B; the largest is the stored precision h
 * @param epochs passes over the training data, at least 1
 * @param batchSize global mini-batch size, at least 1
 * @param learningRate Adam base learning rate of weights and BatchNorm parameters, positive
 * @param weightDecay decoupled weight decay of weights and BatchNorm parameters, at least 0
 * @param alrs whether the quantization scales' learning rates are scaled per bit-width (ALRS)
 * @param updateMode fused (one distributed round per step) or sequential (one per bit-width)
 * @param bnMomentum weight of the newest batch in the BatchNorm running statistics, in (0, 1]
 * @param checkpointEvery steps between resumable checkpoints; 0 disables periodic checkpoints
 * @param logEvery steps between progress log lines when the output is not a terminal, at least 1
 */
public record TrainOptions(
    BitWidthSet bits,
    int epochs,
    int batchSize,
    double learningRate,
    double weightDecay,
    boolean alrs,
    UpdateMode updateMode,
    double bnMomentum,
    int checkpointEvery,
    int logEvery) {}
