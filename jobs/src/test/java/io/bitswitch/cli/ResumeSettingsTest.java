package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.cli.BitswitchCliTest.Run;
import io.bitswitch.reliability.ReliabilityLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run records its settings in {@code state/config.conf} when training starts; {@code --resume}
 * and the retry of a run killed after publishing refuse settings that could change the result
 * (docs/design/architecture.md §5, "Training state").
 */
class ResumeSettingsTest {
  @TempDir Path dir;

  private Run train(String... args) {
    return SmallTrainRuns.train(dir, args);
  }

  /** Deletes what the run wrote after training, and the pointer to it, so
   * that {@code --resume} continues from the final checkpoint. */
  private void unpublish(String runId) throws IOException {
    Path run = dir.resolve(runId);
    try (Stream<Path> files = Files.walk(run.resolve(Runs.BUNDLE_DIR))) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
    SmallTrainRuns.deleteRunFiles(dir, runId);
    Files.deleteIfExists(dir.resolve("latest"));
  }

  /** Deletes the run files only: a job killed between publishing and report.json. */
  private void killAfterPublishing(String runId) throws IOException {
    SmallTrainRuns.deleteRunFiles(dir, runId);
  }

  @Test
  void resumeAndRetryRefuseChangedSettings() throws IOException {
    Run first = train("--run-id", "r1");
    assertEquals(0, first.code(), first.err());
    Path recorded = dir.resolve("r1").resolve(Runs.STATE_DIR).resolve(Runs.CONFIG_FILE);
    assertEquals(Files.readString(dir.resolve("r1").resolve(Runs.CONFIG_FILE)), Files.readString(recorded));

    unpublish("r1");
    Run changed = train("--run-id", "r1", "--resume", "--set", "seed=7", "--set", "train.lr=2e-3");
    assertEquals(2, changed.code(), changed.err());
    assertEquals(1, changed.err().strip().lines().count(), changed.err());
    assertTrue(changed.err().contains("bitswitch.seed 42 -> 7"), changed.err());
    assertTrue(changed.err().contains("bitswitch.train.lr "), changed.err());
    assertFalse(Files.exists(dir.resolve("r1").resolve(Runs.BUNDLE_DIR)), "nothing trained or published");

    Run harmless = train("--run-id", "r1", "--resume", "--set", "train.log-every=5", "--set", "metrics.job=other",
        "--set", "train.checkpoint-every=3");
    assertEquals(0, harmless.code(), harmless.err());

    killAfterPublishing("r1");
    Run retry = train("--run-id", "r1", "--set", "train.epochs=2");
    assertEquals(2, retry.code(), retry.err());
    assertTrue(retry.err().contains("bitswitch.train.epochs 1 -> 2"), retry.err());
    assertFalse(Files.exists(dir.resolve("r1").resolve(Runs.REPORT_FILE)));
    ReliabilityLog.record(ResumeSettingsTest.class, "resume with changed settings",
        "train --resume with seed and train.lr changed from the recorded state/config.conf; and the retry of a run killed after publishing with train.epochs changed",
        "refused before training: exit 2, one line naming each changed key with its recorded and new value; changes that cannot alter the result (log-every, metrics, checkpoint-every) are accepted",
        "exit code, stderr lines and keys named, nothing published");
  }
}
