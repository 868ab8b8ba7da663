package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.cli.BitswitchCliTest.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --resume-if-unfinished}, the k8s CronJob's retry: start a run that does not exist,
 * resume one killed while training with its whole {@code history.csv}, do nothing for a complete
 * one; and {@code --keep-runs} after success. A kill is simulated by deleting what the run had not
 * written yet.
 */
class ResumeIfUnfinishedTest {
  @TempDir Path dir;

  private static final String[] RETRY = {"--set", "train.checkpoint-every=2", "--resume-if-unfinished"};

  private Run train(String runId, String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("--run-id", runId));
    all.addAll(List.of(args));
    return SmallTrainRuns.train(dir, all.toArray(String[]::new));
  }

  private static void deleteTree(Path p) throws IOException {
    if (Files.exists(p)) {
      try (Stream<Path> s = Files.walk(p)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private List<String> history(String runId) throws IOException {
    return Files.readAllLines(dir.resolve(runId).resolve(Runs.HISTORY_FILE));
  }

  @Test
  void startsResumesWithTheWholeHistoryAndThenHasNothingToDo() throws IOException {
    Run fresh = train("r1", RETRY);
    assertEquals(0, fresh.code(), fresh.err());
    assertTrue(fresh.err().contains("has no checkpoint; starting it"), fresh.err());
    List<String> uninterrupted = history("r1");
    assertEquals(1 + 4, uninterrupted.size(), "header and 4 steps: " + uninterrupted);

    // Killed after the checkpoint of step 2: no bundle, run files, pointer or later checkpoint.
    deleteTree(dir.resolve("r1").resolve(Runs.BUNDLE_DIR));
    SmallTrainRuns.deleteRunFiles(dir, "r1");
    Files.delete(dir.resolve("latest"));
    deleteTree(dir.resolve("r1/state/step-000004"));
    Run resumed = train("r1", RETRY);
    assertEquals(0, resumed.code(), resumed.err());
    assertTrue(resumed.err().contains("is unfinished (newest checkpoint: step 2); resuming it"), resumed.err());
    List<String> history = history("r1");
    assertEquals(uninterrupted.size(), history.size(), "every step, not only those after the resume: " + history);
    assertEquals(uninterrupted.subList(0, 3), history.subList(0, 3), "the steps before the resume as they were");
    assertEquals("r1", Files.readString(dir.resolve("latest")).strip());

    Run again = train("r1", RETRY);
    assertEquals(0, again.code(), again.err());
    assertTrue(again.err().contains("complete already; nothing to do"), again.err());
  }

  @Test
  void keepRunsDeletesOlderRunsAfterSuccess() throws IOException {
    assertEquals(0, train("a", RETRY).code());
    Path notARun = Files.createDirectories(dir.resolve("notes"));
    Run b = train("b", "--keep-runs", "1");
    assertEquals(0, b.code(), b.err());
    assertFalse(Files.exists(dir.resolve("a")), "older than the newest 1: deleted");
    assertTrue(b.err().contains("deleted old run"), b.err());
    assertTrue(Files.exists(dir.resolve("b").resolve(Runs.REPORT_FILE)));
    assertTrue(Files.exists(notARun), "not a bitswitch run: kept");
  }
}
