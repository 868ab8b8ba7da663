package io.bitswitch.store;

import io.bitswitch.progress.StepRecord;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;

/**
 * A run's {@code history.csv} (docs/design/architecture.md §5): one row per training step, one
 * loss and one scale-rate column per precision.
 */
public final class HistoryCsv {
  private HistoryCsv() {}

  /** The CSV text of {@code history}, header first. */
  public static String format(List<StepRecord> history) {
    StringBuilder sb = new StringBuilder("step,epoch,learning_rate,images_per_second,seconds");
    if (!history.isEmpty()) {
      for (int p : history.get(0).precisions()) {
        sb.append(",loss_").append(p);
      }
      for (int p : history.get(0).precisions()) {
        sb.append(",scale_lr_").append(p);
      }
    }
    sb.append('\n');
    for (StepRecord r : history) {
      sb.append(String.format(Locale.ROOT, "%d,%d,%.8g,%.2f,%.4f", r.step(), r.epoch(), r.learningRate(),
          r.imagesPerSecond(), r.seconds()));
      for (double l : r.loss()) {
        sb.append(String.format(Locale.ROOT, ",%.6f", l));
      }
      for (double l : r.scaleLearningRate()) {
        sb.append(Double.isNaN(l) ? "," : String.format(Locale.ROOT, ",%.8g", l));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** Writes {@code history} to {@code uri} ({@link RunFiles#writeText}). */
  public static void write(List<StepRecord> history, String uri, Configuration conf) {
    RunFiles.writeText(uri, format(history), conf);
  }
}
