package io.bitswitch.metrics;

/**
 * What {@link JobMetrics} records of one training step. The metrics package keeps its own input
 * type so that it depends on no other bitswitch package (docs/design/architecture.md §1, §6): the
 * training stages translate their step records into this.
 *
 * @param bits the precisions of the step, as bit-widths (32 = FP32)
 * @param loss mean cross-entropy per precision, in the order of {@code bits}
 * @param learningRate base learning rate of the step
 * @param scaleLearningRate ALRS learning rate of the quantization scales per precision (NaN for FP32)
 * @param imagesPerSecond global-batch examples per second of the step
 * @param seconds wall time of the step
 */
public record TrainingStep(int[] bits, double[] loss, double learningRate, double[] scaleLearningRate,
    double imagesPerSecond, double seconds) {}
