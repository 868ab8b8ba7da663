package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.cli.BitswitchCliTest.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Output-side failures (docs/design/architecture.md §5): one line, exit 4, no temporaries left,
 * results already computed printed before the failing write, and a retry that finishes the run.
 * A full disk is {@link FullDiskFileSystem} under {@code --out fulldisk:...}.
 */
class OutputFailuresTest {
  @TempDir static Path dir;
  static String bundle;

  @BeforeAll
  static void trainABundle() {
    Run run = SmallTrainRuns.train(dir.resolve("runs"), "--run-id", "r0");
    assertEquals(0, run.code(), run.err());
    bundle = dir.resolve("runs/r0/bundle").toString();
  }

  @AfterEach
  void diskIsNoLongerFull() {
    System.clearProperty("spark.hadoop.fs.fulldisk.impl");
    System.clearProperty("spark.hadoop.fs.fulldisk.impl.disable.cache");
    System.clearProperty("spark.hadoop." + FullDiskFileSystem.FAIL_NAME);
  }

  /** Makes writes of files whose name contains {@code name} fail under {@code fulldisk:}, as on a full disk. */
  private static void diskFullFor(String name) {
    System.setProperty("spark.hadoop.fs.fulldisk.impl", FullDiskFileSystem.class.getName());
    System.setProperty("spark.hadoop.fs.fulldisk.impl.disable.cache", "true");
    System.setProperty("spark.hadoop." + FullDiskFileSystem.FAIL_NAME, name);
  }

  /** One error line, the last one (a retry says first what it does), and no stack trace. */
  private static void assertOneLine(Run run, int code, String... parts) {
    assertEquals(code, run.code(), run.err());
    List<String> lines = run.err().strip().lines().toList();
    assertTrue(lines.get(lines.size() - 1).startsWith("bitswitch: error: "), run.err());
    assertEquals(1, lines.stream().filter(l -> l.startsWith("bitswitch: error: ")).count(), run.err());
    assertFalse(run.err().contains("\tat ") || run.err().contains("Exception"), () -> "no stack trace: " + run.err());
    for (String part : parts) {
      assertTrue(run.err().contains(part), () -> "expected '" + part + "' in: " + run.err());
    }
  }

  private static List<String> temporaries(Path under) throws IOException {
    try (Stream<Path> files = Files.walk(under)) {
      return files.map(p -> under.relativize(p).toString())
          .filter(p -> p.contains(".tmp-") || p.contains(".old-")).toList();
    }
  }

  @Test
  void evaluatePrintsItsTableBeforeTheJsonWriteFails() throws IOException {
    Path notADirectory = Files.writeString(dir.resolve("a-file"), "x");
    Run run = BitswitchCliTest.run("evaluate", "--bundle", bundle, "--bits", "8,4", "--master", "local[2]",
        "--set", "data.max-test-examples=200", "--set", "evaluate.batch-size=100",
        "--json", notADirectory.resolve("eval.json").toString());
    assertOneLine(run, ExitCodes.IO_FAILURE, "eval.json");
    assertTrue(run.out().startsWith("bits  accuracy"), run.out());
    assertTrue(run.out().lines().anyMatch(l -> l.strip().startsWith("8 ")), run.out());
    assertTrue(run.out().lines().anyMatch(l -> l.strip().startsWith("4 ")), run.out());
    assertEquals(List.of(), temporaries(dir));
  }

  @Test
  void evaluateRefusesAnArchitectureTheBundleIsNot() {
    Run run = BitswitchCliTest.run("evaluate", "--bundle", bundle, "--master", "local[2]", "--set",
        "model.architecture=resnet20");
    assertOneLine(run, ExitCodes.BAD_INPUT, "resnet20", "fmnist-cnn");
  }

  @Test
  void aFullDiskWhilePublishingAndReportingLeavesNothingHalfWrittenAndTheRetryFinishes() throws IOException {
    Path out = Files.createDirectories(dir.resolve("disk"));
    String fullDisk = "fulldisk:" + out;
    String[] retry = {"--run-id", "d1", "--set", "train.checkpoint-every=2", "--resume-if-unfinished"};

    diskFullFor("model.safetensors");
    assertOneLine(SmallTrainRuns.train(fullDisk, retry), ExitCodes.IO_FAILURE, "bundle",
        "No space left on device");
    assertEquals(List.of(), temporaries(out));
    assertFalse(Files.exists(out.resolve("d1/bundle")));

    // The retry resumes from the last checkpoint; now the report finds the disk full.
    diskFullFor(Runs.REPORT_FILE);
    Run second = SmallTrainRuns.train(fullDisk, retry);
    assertOneLine(second, ExitCodes.IO_FAILURE, Runs.REPORT_FILE, "No space left on device");
    assertEquals(List.of(), temporaries(out));
    assertTrue(Files.exists(out.resolve("d1/bundle/manifest.json")));
    assertFalse(Files.exists(out.resolve("d1").resolve(Runs.REPORT_FILE)));
    assertFalse(Files.exists(out.resolve("latest")));

    diskIsNoLongerFull();
    Run third = SmallTrainRuns.train(out, retry);
    assertEquals(0, third.code(), third.err());
    assertEquals("d1", Files.readString(out.resolve("latest")).strip());
    assertTrue(Files.exists(out.resolve("d1").resolve(Runs.REPORT_FILE)));
    assertEquals(List.of(), temporaries(out));
  }
}
