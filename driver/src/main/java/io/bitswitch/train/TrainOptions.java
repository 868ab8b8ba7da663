package io.bitswitch.train;

/**
 * How a training stage runs (docs/design/method.md §4; defaults in conf/bitswitch.conf).
 *
 * @param epochs passes over the training split
 * @param batchSize global mini-batch, split evenly across partitions
 * @param learningRate base Adam rate λ, cosine-annealed to 0 over the stage, no warm-up
 * @param weightDecay L2 on weights (not on scales, biases or BatchNorm)
 * @param alrs scale learning rates by ALRS; false gives λ_b = λ (the ablation)
 * @param sequential the paper's exact loop (one distributed round and update per precision)
 *     instead of all precisions' gradients at θ_t in one round ("fused")
 * @param bnMomentum weight of the batch in the running BatchNorm statistics
 * @param seed data-order seed
 * @param logEvery steps between progress lines when not on a terminal
 */
public record TrainOptions(int epochs, int batchSize, double learningRate, double weightDecay, boolean alrs,
    boolean sequential, double bnMomentum, long seed, int logEvery) {}
