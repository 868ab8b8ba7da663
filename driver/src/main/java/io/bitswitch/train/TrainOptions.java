package io.bitswitch.train;

import io.bitswitch.data.Augmentation;

/**
 * How a training stage runs (docs/design/method.md §4; defaults in conf/bitswitch.conf).
 *
 * @param epochs passes over the training split
 * @param batchSize global mini-batch, split evenly across partitions
 * @param learningRate base Adam rate λ, cosine-annealed to 0 over the stage
 * @param warmupSteps steps over which the rate rises linearly to the cosine schedule at the start of the stage
 *     (0: none); see {@link #rateAt(int, int)}
 * @param weightDecay L2 weight decay added to the gradient of convolution and dense weights (not decoupled as in
 *     AdamW; not on scales, biases or BatchNorm)
 * @param alrs scale learning rates by ALRS; false gives λ_b = λ (the ablation)
 * @param scales how the quantization scales are parameterised for the optimiser
 * @param distillation in-place distillation of the lower precisions, or {@link Distillation#NONE}
 * @param bnMomentum weight of the batch in the running BatchNorm statistics
 * @param seed data-order seed
 * @param logEvery steps between progress lines when not on a terminal
 * @param augmentation how training batches are augmented on the executors
 */
public record TrainOptions(int epochs, int batchSize, double learningRate, int warmupSteps, double weightDecay,
    boolean alrs, ScaleParameterisation scales, Distillation distillation, double bnMomentum, long seed,
    int logEvery, Augmentation augmentation) {

  /** Validates the warm-up. */
  public TrainOptions {
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("warmupSteps must be at least 0, got " + warmupSteps);
    }
  }

  /** Options without warm-up. */
  public TrainOptions(int epochs, int batchSize, double learningRate, double weightDecay, boolean alrs,
      ScaleParameterisation scales, Distillation distillation, double bnMomentum, long seed, int logEvery,
      Augmentation augmentation) {
    this(epochs, batchSize, learningRate, 0, weightDecay, alrs, scales, distillation, bnMomentum, seed, logEvery,
        augmentation);
  }

  /** Options without warm-up or augmentation. */
  public TrainOptions(int epochs, int batchSize, double learningRate, double weightDecay, boolean alrs,
      ScaleParameterisation scales, Distillation distillation, double bnMomentum, long seed, int logEvery) {
    this(epochs, batchSize, learningRate, weightDecay, alrs, scales, distillation, bnMomentum, seed, logEvery,
        Augmentation.NONE);
  }

  /**
   * The base rate of 0-based step {@code step} of a stage of {@code total} steps:
   * {@code λ·w_t·(1 + cos(π·t/T))/2} with the warm-up factor {@code w_t = min(1, (t + 1)/W)} for
   * {@code W = warmupSteps > 0}, else 1. The warm-up only scales the cosine's first W steps; it does
   * not shift the cosine (docs/design/method.md §4, "The start of QAT").
   */
  public double rateAt(int step, int total) {
    double warmup = warmupSteps == 0 ? 1 : Math.min(1.0, (step + 1.0) / warmupSteps);
    return learningRate * warmup * 0.5 * (1 + Math.cos(Math.PI * step / total));
  }

  /** FP32 training (pretrain): no quantization settings apply. */
  public static TrainOptions floatingPoint(int epochs, int batchSize, double learningRate, double weightDecay,
      double bnMomentum, long seed, int logEvery) {
    return new TrainOptions(epochs, batchSize, learningRate, weightDecay, false,
        ScaleParameterisation.LOG, Distillation.NONE, bnMomentum, seed, logEvery);
  }

  /** These options with {@code epochs} passes instead (the SuperNet's E with the joint stage's settings). */
  public TrainOptions withEpochs(int otherEpochs) {
    return new TrainOptions(otherEpochs, batchSize, learningRate, warmupSteps, weightDecay, alrs, scales,
        distillation, bnMomentum, seed, logEvery, augmentation);
  }

  /** These options with training batches augmented by {@code other}. */
  public TrainOptions withAugmentation(Augmentation other) {
    return new TrainOptions(epochs, batchSize, learningRate, warmupSteps, weightDecay, alrs, scales,
        distillation, bnMomentum, seed, logEvery, other);
  }
}
