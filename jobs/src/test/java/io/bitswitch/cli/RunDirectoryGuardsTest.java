package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.cli.BitswitchCliTest.Run;
import io.bitswitch.testing.RequiredPackages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} holds a lock on its run directory (docs/design/architecture.md §5, "Lock"): a
 * second writer is refused with the owner named, a stale lock is taken over, and the lock is
 * released after success and after failure.
 */
class RunLockCommandTest {
  private static final String[] SMALL = {"--master", "local[2]", "--set", "data.max-train-examples=256", "--set",
      "data.max-test-examples=200", "--set", "train.batch-size=64", "--set", "train.bits=[8,4]", "--set",
      "evaluate.batch-size=100"};

  @TempDir Path dir;

  private Run train(String... args) {
    RequiredPackages.require("dataset-fashion-mnist");
    List<String> all = new ArrayList<>(List.of("train", "--out", dir.toString()));
    all.addAll(List.of(args));
    all.addAll(List.of(SMALL));
    return BitswitchCliTest.run(all.toArray(String[]::new));
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
  }

  @Test
  void staleLockIsTakenOverAndReleasedAfterSuccess() throws IOException {
    foreignLock("r1", Instant.now().minusSeconds(3600));
    Run run = train("--run-id", "r1", "--set", "train.lock-timeout-seconds=60");
    assertEquals(0, run.code(), run.err());
    assertFalse(Files.exists(lock("r1")), "released after success");
  }

  @Test
  void lockIsReleasedAfterFailure() {
    Run failed = train("--run-id", "r2", "--resume");
    assertEquals(2, failed.code(), failed.err());
    assertTrue(failed.err().contains("no committed checkpoint"), failed.err());
    assertFalse(Files.exists(lock("r2")), "released after failure");
  }
}
