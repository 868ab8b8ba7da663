package io.bitswitch.cli;

import io.bitswitch.cli.BitswitchCliTest.Run;
import io.bitswitch.report.RunReportPage;
import io.bitswitch.testing.RequiredPackages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code train} runs small enough for the scheduling and recovery tests: 256 training and 200 test
 * images of Fashion-MNIST, bits {8, 4}, on {@code local[2]}. Public for the fault tests of
 * {@code io.bitswitch.reliability}, which run them in child JVMs too.
 */
public final class SmallTrainRuns {
  private static final String[] SMALL = {"--master", "local[2]", "--set", "data.max-train-examples=256", "--set",
      "data.max-test-examples=200", "--set", "train.batch-size=64", "--set", "train.bits=[8,4]", "--set",
      "evaluate.batch-size=100"};

  /** The files a run writes after publishing its bundle, in {@code Runs.writeRunFiles}. */
  public static final List<String> RUN_FILES = List.of(Runs.REPORT_FILE, Runs.REPORT_MD_FILE, Runs.CONFIG_FILE,
      Runs.HISTORY_FILE, RunReportPage.FILE);

  private SmallTrainRuns() {}

  /** {@code train --out out <args>} at the small size. */
  static Run train(Path out, String... args) {
    return BitswitchCliTest.run(arguments(out, args));
  }

  /** {@code train --out outUri <args>} at the small size, for an {@code --out} of any file system. */
  static Run train(String outUri, String... args) {
    return BitswitchCliTest.run(arguments(outUri, args));
  }

  /**
   * The command line of {@code train --out out <args>} at the small size, for {@link BitswitchCli};
   * skips the calling test when the Fashion-MNIST package is not installed.
   */
  public static String[] arguments(String out, String... args) {
    RequiredPackages.require("dataset-fashion-mnist");
    List<String> all = new ArrayList<>(List.of("train", "--out", out));
    all.addAll(List.of(args));
    all.addAll(List.of(SMALL));
    return all.toArray(String[]::new);
  }

  /** As {@link #arguments(String, String...)} with a local directory. */
  public static String[] arguments(Path out, String... args) {
    return arguments(out.toString(), args);
  }

  /** Deletes the run files of {@code <out>/<runId>}: the state of a job killed right after publishing. */
  public static void deleteRunFiles(Path out, String runId) throws IOException {
    for (String file : RUN_FILES) {
      Files.deleteIfExists(out.resolve(runId).resolve(file));
    }
  }
}
