package io.bitswitch.train;

import io.bitswitch.metrics.JobMetrics;
import io.bitswitch.metrics.TrainingStep;
import io.bitswitch.progress.StageListener;
import io.bitswitch.progress.StepRecord;

/**
 * The {@link StageListener} that reports a stage's steps, HASB draws and checkpoints to a job's
 * {@link JobMetrics}. It lives here, not in the metrics package, so that metrics depends on no
 * training type (docs/design/architecture.md §1).
 */
public final class MetricsListener implements StageListener {
  private final JobMetrics metrics;

  private MetricsListener(JobMetrics metrics) {
    this.metrics = metrics;
  }

  /** A listener that records into {@code metrics}. */
  public static StageListener of(JobMetrics metrics) {
    return new MetricsListener(metrics);
  }

  /** A step record as the metrics package takes it. */
  public static TrainingStep trainingStep(StepRecord r) {
    return new TrainingStep(r.precisions(), r.loss(), r.learningRate(), r.scaleLearningRate(), r.imagesPerSecond(),
        r.seconds());
  }

  @Override
  public void step(StepRecord record) {
    metrics.step(trainingStep(record));
  }

  @Override
  public void hasbDraw(int... layerBits) {
    metrics.hasbDraw(layerBits);
  }

  @Override
  public void checkpointWritten(int step, double seconds, long bytes) {
    metrics.checkpointWritten(step, seconds, bytes);
  }
}
