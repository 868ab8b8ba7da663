package io.bitswitch.train;

import io.bitswitch.bundle.Bundle;
import io.bitswitch.progress.StepRecord;
import java.util.List;
import java.util.Map;

/**
 * What a training stage produced.
 *
 * @param bundle the published bundle
 * @param accuracy test accuracy per precision ({@code "32"} for FP32)
 * @param history one record per training step
 * @param seconds wall time of the stage
 * @param trainExamples training examples used
 * @param scaleDrift how the quantization scales moved ({@link ScaleDrift}); empty for FP32
 */
public record StageOutcome(Bundle bundle, Map<String, Double> accuracy, List<StepRecord> history, double seconds,
    int trainExamples, Map<String, Object> scaleDrift) {
  /** An outcome without quantization scales (FP32). */
  public StageOutcome(Bundle bundle, Map<String, Double> accuracy, List<StepRecord> history, double seconds,
      int trainExamples) {
    this(bundle, accuracy, history, seconds, trainExamples, Map.of());
  }
}
