package io.bitswitch.cli.config;

import io.bitswitch.quant.BitWidthSet;

/**
 * One-shot joint multi-precision quantization-aware training ({@code bitswitch.train}), as configured;
 * {@code Runs.trainOptions} turns it into the trainer's {@link io.bitswitch.train.TrainOptions}.
 *
 * @param bits the candidate bit-widths B; the largest is the stored precision h
 * @param epochs passes over the training data, at least 1
 * @param batchSize global mini-batch size, at least 1
 * @param learningRate Adam base learning rate of weights and BatchNorm parameters, positive
 * @param warmupSteps steps of linear learning-rate warm-up at the start of the stage, at least 0
 * @param weightDecay L2 weight decay of convolution and dense weights (added to their gradient, not
 *     decoupled as in AdamW), at least 0
 * @param alrs whether the quantization scales' learning rates are scaled per bit-width (ALRS)
 * @param updateMode sequential, the only mode: one distributed round and one update per bit-width
 * @param scaleParam how the quantization scales are parameterised for the optimiser
 * @param distill whether lower precisions also learn from the highest one's softmax
 * @param distillWeight share α of the distillation term, in (0, 1)
 * @param distillTemperature softmax temperature of the distillation term, positive
 * @param bnMomentum weight of the newest batch in the BatchNorm running statistics, in (0, 1]
 * @param checkpointEvery steps between resumable checkpoints; 0 disables periodic checkpoints
 * @param logEvery steps between progress log lines when the output is not a terminal, at least 1
 * @param lockTimeoutSeconds age of a run directory lock's heartbeat after which the lock counts as
 *     stale and another run may take it over (docs/design/architecture.md §5, "Lock"), at least 1
 */
public record JointTrainingOptions(
    BitWidthSet bits,
    int epochs,
    int batchSize,
    double learningRate,
    int warmupSteps,
    double weightDecay,
    boolean alrs,
    UpdateMode updateMode,
    ScaleParam scaleParam,
    DistillMode distill,
    double distillWeight,
    double distillTemperature,
    double bnMomentum,
    int checkpointEvery,
    int logEvery,
    int lockTimeoutSeconds) {}
