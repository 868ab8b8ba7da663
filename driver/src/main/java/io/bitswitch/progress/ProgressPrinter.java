package io.bitswitch.progress;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Shows training progress: a live line on a terminal, a log line every {@code logEvery} steps
 * otherwise. Each shows step/total, epoch, loss per precision, images/s and the ETA.
 */
public final class ProgressPrinter implements Consumer<StepRecord> {
  private final String stage;
  private final int totalSteps;
  private final int epochs;
  private final int logEvery;
  private final boolean terminal;
  private final PrintStream out;
  private final long started = System.nanoTime();
  private int firstStep;

  public ProgressPrinter(String stage, int totalSteps, int epochs, int logEvery, PrintStream out) {
    this.stage = stage;
    this.totalSteps = totalSteps;
    this.epochs = epochs;
    this.logEvery = Math.max(1, logEvery);
    this.terminal = System.console() != null;
    this.out = out;
  }

  /**
   * The steps a resumed run completed before this process started: the ETA counts the time per
   * step from them, not from step 0.
   */
  public ProgressPrinter resumedAt(int stepsDone) {
    this.firstStep = stepsDone;
    return this;
  }

  @Override
  public void accept(StepRecord r) {
    boolean last = r.step() == totalSteps;
    if (!terminal && r.step() % logEvery != 0 && !last && r.step() != 1) {
      return;
    }
    double elapsed = (System.nanoTime() - started) / 1e9;
    // The time per step this process has taken: a resumed run did not take the steps before it.
    double eta = elapsed / Math.max(1, r.step() - firstStep) * (totalSteps - r.step());
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%s step %d/%d epoch %d/%d loss", stage, r.step(), totalSteps,
        r.epoch() + 1, epochs));
    for (int k = 0; k < r.precisions().length; k++) {
      String name = r.precisions()[k] == 32 ? "fp32" : "w" + r.precisions()[k];
      sb.append(String.format(Locale.ROOT, " %s=%.4f", name, r.loss()[k]));
    }
    sb.append(String.format(Locale.ROOT, " | %.0f img/s | ETA %s", r.imagesPerSecond(), duration(eta)));
    if (terminal) {
      out.print("\r" + sb + "   ");
      if (last) {
        out.println();
      }
    } else {
      out.println(sb);
    }
    out.flush();
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
        : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }
}
