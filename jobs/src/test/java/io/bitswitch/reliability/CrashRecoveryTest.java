package io.bitswitch.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.reliability.TrainRuns.Outputs;
import io.bitswitch.reliability.TrainRuns.Result;
import io.bitswitch.store.FaultPoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A {@code train} killed at any point is finished by a retry with the same run id ({@code --resume}
 * when it has committed checkpoints), which ends with the bundle, report accuracies and
 * {@code latest} of an uninterrupted run (docs/design/architecture.md §5, "Finishing a run";
 * docs/RELIABILITY.md). The crashing run is a child JVM halted at a {@link FaultPoints} point, as
 * SIGKILL would, or really killed at a random time; the retries and the one uninterrupted reference
 * run run in this JVM.
 */
@Tag("slow")
class CrashRecoveryTest {
  @TempDir static Path dir;
  private static Outputs reference;

  @BeforeAll
  static void uninterruptedRun() throws IOException {
    Path out = dir.resolve("reference");
    Result run = TrainRuns.inProcess(out.toString());
    assertEquals(0, run.code(), run.err());
    reference = Outputs.of(out);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = ';', value = {
      "train.step-done@3; after step 3 (checkpoint of step 2 committed)",
      "checkpoint.before-commit@2; checkpoint of step 4 written but not committed",
      "bundle.before-rename; bundle files in the temporary directory, not renamed in",
      "bundle.after-rename; bundle published, no run files yet",
      "run-file.report.json.before-rename; report.json in its temporary file, not renamed in",
      "pointer.before-write; report.json written, latest not moved",
      "pointer.after-write; latest moved, the process not yet exited"})
  void haltAtAPointThenRetry(String point, String state) throws Exception {
    Path out = dir.resolve(point.replaceAll("[^a-z0-9]+", "-"));
    Path logs = dir.resolve("logs").resolve(out.getFileName());
    Process crashed = TrainRuns.child(logs, point, out.toString());
    assertTrue(crashed.waitFor(10, TimeUnit.MINUTES), "the child run ended");
    String crashErr = TrainRuns.childErr(logs);
    assertEquals(FaultPoints.HALT_STATUS, crashed.exitValue(), "halted at " + point + "; stderr:\n" + crashErr);
    assertTrue(crashErr.contains("halting at " + point), "the point was reached: " + crashErr);

    String retried = retry(out);
    TrainRuns.Outputs.of(out).assertSameAs(reference, "retry after a halt at " + point);
    ReliabilityLog.record(CrashRecoveryTest.class, "halt at " + point,
        "train killed (JVM halt, no shutdown hooks) when " + state + "; then the same train run id again",
        retried, "bundle tensors SHA-256, manifest, report accuracies and latest equal to an uninterrupted run's");
  }

  @Test
  void sigkillAtARandomTimeDuringTrainingThenRetry() throws Exception {
    long seed = Long.getLong("bitswitch.fault.seed", System.currentTimeMillis());
    // A random moment while training still runs: after step 1, 2 or 3 of 4 is printed (a fixed delay
    // after step 1 often came after a fast machine had finished), then up to half a second more.
    Random random = new Random(seed);
    int afterStep = 1 + random.nextInt(3);
    long delayMillis = random.nextInt(500);
    System.out.println("CrashRecoveryTest: SIGKILL seed " + seed + " (-Dbitswitch.fault.seed=" + seed
        + " repeats it): " + delayMillis + " ms after training step " + afterStep + " is printed");
    Path out = dir.resolve("sigkill");
    Path logs = dir.resolve("logs").resolve("sigkill");
    Process child = TrainRuns.child(logs, null, out.toString());
    while (child.isAlive() && !TrainRuns.childErr(logs).contains(" step " + afterStep + "/")) {
      Thread.sleep(20);
    }
    Thread.sleep(delayMillis);
    boolean killedAlive = child.isAlive();
    child.destroyForcibly(); // SIGKILL on POSIX
    assertTrue(child.waitFor(1, TimeUnit.MINUTES));
    String crashErr = TrainRuns.childErr(logs);
    String lastStep = crashErr.lines().filter(l -> l.contains(" step ")).reduce((a, b) -> b).orElse("(none)");
    System.out.println("CrashRecoveryTest: killed " + (killedAlive ? "at: " + lastStep : "after it had exited"));

    String retried = retry(out);
    TrainRuns.Outputs.of(out).assertSameAs(reference, "retry after SIGKILL (seed " + seed + ")");
    ReliabilityLog.record(CrashRecoveryTest.class, "SIGKILL during training",
        "train killed with SIGKILL (Process.destroyForcibly) a seeded random 0-0.5 s after its step 1, 2 or 3"
            + " of 4 is printed; then the same train run id again", retried,
        "bundle tensors SHA-256, manifest, report accuracies and latest equal to an uninterrupted run's");
  }

  /**
   * Retries the crashed run as a scheduler would: the same run id, {@code --resume} when it has
   * committed checkpoints, once the crashed run's lock is stale.
   *
   * @return what the retry did, for the document
   */
  private static String retry(Path out) throws IOException, InterruptedException {
    Thread.sleep(TrainRuns.LOCK_STALE_MILLIS);
    boolean resume = TrainRuns.hasCommittedCheckpoint(out);
    Result retry = resume ? TrainRuns.inProcess(out.toString(), "--resume") : TrainRuns.inProcess(out.toString());
    assertEquals(0, retry.code(), retry.err());
    List<String> left = TrainRuns.leftTemporaries(out);
    String how = retry.err().contains("finishing from the published bundle") ? "finished from the published bundle"
        : retry.err().contains("was complete but for the 'latest' pointer") ? "moved the latest pointer only"
        : retry.err().contains("complete already") ? "nothing to do (complete already)"
        : resume ? "resumed from the newest committed checkpoint and finished" : "trained again and finished";
    return "retry" + (resume ? " with --resume" : "") + ": exit 0, " + how
        + (left.isEmpty() ? "" : "; the crash's temporaries stay behind (" + String.join(", ", left) + ")");
  }
}
