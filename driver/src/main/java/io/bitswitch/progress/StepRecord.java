package io.bitswitch.progress;

import java.io.Serializable;

/**
 * One training step's measurements, the rows of the run's {@code history.csv}.
 *
 * @param step 1-based global step
 * @param epoch 0-based epoch
 * @param precisions the precisions, descending (32 = FP32)
 * @param loss mean cross-entropy per precision
 * @param learningRate base rate λ_t
 * @param scaleLearningRate ALRS rate λ_b per precision (NaN for FP32)
 * @param imagesPerSecond global-batch images per second of this step
 * @param seconds wall time of this step
 */
public record StepRecord(int step, int epoch, int[] precisions, double[] loss, double learningRate,
    double[] scaleLearningRate, double imagesPerSecond, double seconds) implements Serializable {}
