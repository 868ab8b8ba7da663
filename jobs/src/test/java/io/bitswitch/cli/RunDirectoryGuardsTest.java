package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.cli.BitswitchCliTest.Run;
import io.bitswitch.reliability.ReliabilityLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code train} checks of its run directory before it trains. It holds a lock on it
 * (docs/design/architecture.md §5, "Lock"): a second writer is refused with the owner named, a
 * stale lock is taken over, and the lock is released after success and after failure. A run id
 * with checkpoints is not started over without {@code --resume}, and an {@code --out} that cannot
 * be written is found before training.
 */
class RunDirectoryGuardsTest {
  @TempDir Path dir;

  private Run train(String... args) {
    return SmallTrainRuns.train(dir, args);
  }

  private Path lock(String runId) {
    return dir.resolve(runId).resolve(".lock");
  }

  /** A lock as another train process would hold it, with its last heartbeat at {@code heartbeat}. */
  private void foreignLock(String runId, Instant heartbeat) throws IOException {
    Files.createDirectories(dir.resolve(runId));
    Files.writeString(lock(runId), "{\"host\":\"other-host\",\"pid\":4242,\"started\":\"" + heartbeat
        + "\",\"token\":\"foreign\",\"heartbeat\":\"" + heartbeat + "\"}\n");
  }

  @Test
  void secondWriterIsRefusedNamingTheOwner() throws IOException {
    foreignLock("r1", Instant.now());
    Run second = train("--run-id", "r1");
    assertEquals(2, second.code(), second.err());
    assertEquals(1, second.err().strip().lines().count(), second.err());
    assertTrue(second.err().contains("locked by host other-host, pid 4242"), second.err());
    assertTrue(Files.readString(lock("r1")).contains("foreign"), "the owner's lock stays");
    assertFalse(Files.exists(dir.resolve("r1").resolve(Runs.STATE_DIR)), "nothing written");
    ReliabilityLog.record(RunDirectoryGuardsTest.class, "second writer on a run id",
        "train on a run id whose lock another live process holds",
        "refused at once: exit 2, one line naming the lock owner (host, pid); the owner's lock and run directory untouched",
        "exit code, stderr, lock file content, no state/ written");
  }

  @Test
  void staleLockIsTakenOverAndReleasedAfterSuccess() throws IOException {
    foreignLock("r1", Instant.now().minusSeconds(3600));
    Run run = train("--run-id", "r1", "--set", "train.lock-timeout-seconds=60");
    assertEquals(0, run.code(), run.err());
    assertFalse(Files.exists(lock("r1")), "released after success");
    ReliabilityLog.record(RunDirectoryGuardsTest.class, "stale lock",
        "train on a run id whose lock heartbeat is older than train.lock-timeout-seconds (its owner died)",
        "takes the lock over, trains, exits 0 and releases the lock",
        "exit code, lock file gone");
  }

  @Test
  void lockIsReleasedAfterFailure() {
    Run failed = train("--run-id", "r2", "--resume");
    assertEquals(2, failed.code(), failed.err());
    assertTrue(failed.err().contains("no committed checkpoint"), failed.err());
    assertFalse(Files.exists(lock("r2")), "released after failure");
    ReliabilityLog.record(RunDirectoryGuardsTest.class, "--resume without checkpoints",
        "train --resume on a run id with no committed checkpoint",
        "refused before anything is recorded: exit 2, one line (no committed checkpoint); lock released",
        "exit code, stderr, lock file gone");
  }

  @Test
  void rerunWithoutResumeOfARunWithCheckpointsIsRefused() throws IOException {
    Run first = train("--run-id", "r3");
    assertEquals(0, first.code(), first.err());
    SmallTrainRuns.deleteRunFiles(dir, "r3");
    Files.walk(dir.resolve("r3").resolve(Runs.BUNDLE_DIR)).sorted(java.util.Comparator.reverseOrder())
        .forEach(p -> p.toFile().delete());
    Files.delete(dir.resolve("latest")); // a run killed while training: nothing published, no pointer
    Run again = train("--run-id", "r3");
    assertEquals(2, again.code(), again.err());
    assertTrue(again.err().contains("has checkpoints") && again.err().contains("--resume"), again.err());
    assertFalse(Files.exists(dir.resolve("r3").resolve(Runs.BUNDLE_DIR)), "not trained again");
    assertFalse(Files.exists(lock("r3")));
    ReliabilityLog.record(RunDirectoryGuardsTest.class, "rerun without --resume over checkpoints",
        "train again without --resume on a run id killed while training (checkpoints, no bundle, no latest)",
        "refused: exit 2, one line saying the run has checkpoints and to use --resume; not trained again",
        "exit code, stderr, no bundle written, lock released");
  }

  @Test
  void unwritableOutIsFoundBeforeTraining() throws IOException {
    Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
    Run run = SmallTrainRuns.train(file.resolve("runs"), "--run-id", "r4");
    assertEquals(2, run.code(), run.err());
    assertTrue(run.err().contains("is --out writable?"), run.err());
    ReliabilityLog.record(RunDirectoryGuardsTest.class, "unwritable --out",
        "train --out under a path whose parent is a regular file",
        "refused before training: exit 2, one line asking whether --out is writable",
        "exit code, stderr");
  }
}
