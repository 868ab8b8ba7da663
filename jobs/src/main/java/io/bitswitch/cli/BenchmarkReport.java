package io.bitswitch.cli;

import io.bitswitch.train.InterleavedBenchmark.Row;
import io.bitswitch.train.InterleavedBenchmark.Series;
import io.bitswitch.train.ThroughputBenchmark;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The text {@code bitswitch benchmark} prints (and writes with {@code --write}): every measurement's
 * median and min-max over the interleaved rounds, the ratios round by round against the issue-11
 * targets, and what each row measured. The written file starts with a header saying under which
 * conditions (command, date, cores, load, commit) the figures were taken.
 */
final class BenchmarkReport {
  /**
   * What the run measured, for the report's lines.
   *
   * @param rounds interleaved rounds
   * @param cores Spark's default parallelism (partitions, DL4J and PyTorch threads)
   * @param batch global batch of the training measurements
   * @param bits bit-widths of train (and the PyTorch joint step and evaluation)
   * @param testImages images evaluated per bit-width and round
   * @param evalBatch inference batch of the evaluation
   * @param probeImages sample images of the Hutchinson probe
   * @param pytorch how the PyTorch rows were measured, or why they are missing
   */
  record Settings(int rounds, int cores, int batch, String bits, int steps, int warmup, long testImages,
      int evalBatch, long probeImages, String pytorch) {}

  private static final String FORMAT = "%-44s %10s %19s  %s%n";

  private BenchmarkReport() {}

  /** The report: a table of the rows in {@code results} order, the ratios, then the notes. */
  static String format(Map<String, Series> results, Settings s) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "bitswitch benchmark: %d interleaved round%s (round r of every "
        + "measurement before round r+1 of any) on %d cores, fmnist-cnn, global batch %d%n", s.rounds(),
        s.rounds() == 1 ? "" : "s", s.cores(), s.batch()));
    out.append(String.format(Locale.ROOT, FORMAT, "", "median", "min-max", "unit"));
    for (Series series : results.values()) {
      out.append(line(series, "%.0f", series.row().unit()));
    }
    out.append(String.format(Locale.ROOT, "%nratios, round by round:%n"));
    out.append(String.format(Locale.ROOT, FORMAT, "", "median", "min-max", "target"));
    Series train = results.get(ThroughputBenchmark.TRAIN);
    Series plain = results.get(ThroughputBenchmark.PLAIN);
    Series plainLayers = results.get(ThroughputBenchmark.PLAIN_LAYERS);
    Series torchJoint = results.get(PyTorchReference.JOINT);
    Series torchFp32 = results.get(PyTorchReference.FP32);
    Series evaluate = results.get(ThroughputBenchmark.EVALUATE);
    Series torchEval = results.get(PyTorchReference.EVAL);
    if (train != null && torchJoint != null) {
      out.append(line(train.over(torchJoint, ratio("train / PyTorch joint (image-passes/s)")), "%.2f", ">= 1.0"));
    }
    if (train != null && plain != null) {
      out.append(line(train.over(plain, ratio("train / DL4J FP32 per image-pass")), "%.2f", ">= 0.85"));
    }
    if (train != null && plainLayers != null) {
      out.append(line(train.over(plainLayers, ratio("train / DL4J FP32 with bitswitch layers")), "%.2f", ""));
    }
    if (plainLayers != null && plain != null) {
      out.append(line(plainLayers.over(plain, ratio("bitswitch layer code / DL4J's (FP32)")), "%.2f", ""));
    }
    if (plain != null && torchFp32 != null) {
      out.append(line(plain.over(torchFp32, ratio("DL4J FP32 / PyTorch FP32 (fwd+bwd)")), "%.2f", ""));
    }
    if (evaluate != null && torchEval != null) {
      out.append(line(evaluate.over(torchEval, ratio("evaluate / PyTorch inference (img/s)")), "%.2f", ">= 1.0"));
    }
    if (torchJoint == null) {
      out.append("(no ratios against PyTorch: its rows were not measured)\n");
    }
    out.append('\n');
    for (String note : notes(s)) {
      out.append(note).append('\n');
    }
    return out.toString();
  }

  private static Row ratio(String label) {
    return new Row(label, label, "");
  }

  private static String line(Series series, String number, String last) {
    String range = String.format(Locale.ROOT, number + "-" + number, series.min(), series.max());
    return String.format(Locale.ROOT, FORMAT, series.row().label(), String.format(Locale.ROOT, number,
        series.median()), range, last);
  }

  private static List<String> notes(Settings s) {
    List<String> notes = new ArrayList<>();
    notes.add(String.format(Locale.ROOT, "per round: %d warm-up + %d timed steps of DL4J FP32, train and PyTorch "
        + "(%d threads or partitions, batch %d each); evaluation and the probe: one call each, with one unmeasured "
        + "call (evaluation: on one batch per partition) before the first round%s.", s.warmup(), s.steps(), s.cores(),
        s.batch() / s.cores(), s.warmup() > 0 ? "" : " (skipped: --warmup 0)"));
    notes.add("DL4J FP32 with bitswitch layer code: the same passes with io.bitswitch.model.LayerHelpers installed "
        + "(BatchNorm's training pass, max pooling and ReLU's backward in Java), as train runs its layers; train / it "
        + "is train's quantisation overhead (docs/PERFORMANCE.md, optimisation 4).");
    notes.add("train: update modes: only `sequential` exists (conf/bitswitch.conf train.update-mode); the one-round "
        + "modes were removed (docs/design/method.md §4), so no other mode is measured. One image-pass = one image "
        + "at one of bits " + s.bits() + "; train's own step times (Spark rounds, driver Adam included).");
    notes.add(String.format(Locale.ROOT, "evaluate: the Evaluator path (Spark, as `evaluate` runs it) at every one "
        + "of bits %s in one call; img/s per bit-width = %d test images x %d bit-widths / wall time; batch %d.",
        s.bits(), s.testImages(), s.bits().split(",").length, s.evalBatch()));
    notes.add(String.format(Locale.ROOT, "probe: one Hutchinson probe of the sensitivity stage (io.bitswitch."
        + "sensitivity) on a fresh FP32 fmnist-cnn, %d training images, 2 gradients per image.", s.probeImages()));
    notes.add("PyTorch: " + s.pytorch());
    return notes;
  }

  /**
   * The header of the written file: how to repeat the run and under which conditions it ran.
   *
   * @param command the command line as typed, without the program name
   * @param started when the measurements started
   * @param loadBefore {@link #load()} then (the run itself adds about one per core)
   * @param home the repository (for its commit), or null for the working directory
   */
  static String header(List<String> command, Instant started, String loadBefore, int cores, String home) {
    Instant now = Instant.now();
    return "$ bin/bitswitch " + shellWords(command) + "\n"
        + "# date:   " + started.truncatedTo(ChronoUnit.SECONDS) + " to " + now.truncatedTo(ChronoUnit.SECONDS)
        + " (" + Duration.between(started, now).toSeconds() + " s)\n"
        + "# cores:  " + cores + " (Spark default parallelism); " + Runtime.getRuntime().availableProcessors()
        + " processors visible to the JVM\n"
        + "# load:   before: " + loadBefore + "\n"
        + "#         after:  " + load() + "\n"
        + "# commit: " + commit(home) + "\n\n";
  }

  /** The arguments as a shell would need them typed: those with special characters in single quotes. */
  static String shellWords(List<String> args) {
    StringBuilder s = new StringBuilder();
    for (String a : args) {
      s.append(s.length() == 0 ? "" : " ");
      s.append(a.matches("[A-Za-z0-9_./=:,@%+-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return s.toString();
  }

  /** Writes {@code header + report} to {@code file}, creating its directory. */
  static void write(Path file, String header, String report) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, header + report, StandardCharsets.UTF_8);
  }

  /** {@code uptime}'s line (load averages of the last 1, 5, 15 minutes), or /proc/loadavg. */
  static String load() {
    String uptime = run(null, "uptime");
    if (uptime != null) {
      return uptime;
    }
    try {
      return "/proc/loadavg " + Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** The checked-out commit, and whether the tree has changes beyond it. */
  private static String commit(String home) {
    String dir = home == null ? "." : home;
    String sha = run(dir, "git", "rev-parse", "HEAD");
    if (sha == null) {
      return "unknown (not a git checkout)";
    }
    String status = run(dir, "git", "status", "--porcelain", "--untracked-files=no");
    return sha + (status == null || status.isEmpty() ? "" : " with uncommitted changes");
  }

  /** The trimmed output of a short command, or null when it cannot run or fails. */
  private static String run(String dir, String... command) {
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
      if (dir != null) {
        pb.directory(Path.of(dir).toFile());
      }
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
