package io.bitswitch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run directory lock (docs/design/architecture.md §5, "Lock"). */
class RunLockTest {
  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  @TempDir
  Path tmp;

  private final Configuration conf = new Configuration();

  private Path lockFile() {
    return tmp.resolve("run").resolve(RunLock.FILE);
  }

  private JsonNode lockContent() throws IOException {
    return new ObjectMapper().readTree(Files.readString(lockFile()));
  }

  private void writeForeignLock(Instant heartbeat) throws IOException {
    Files.createDirectories(tmp.resolve("run"));
    Files.writeString(lockFile(), "{\"host\":\"other-host\",\"pid\":4242,\"started\":\"" + heartbeat
        + "\",\"token\":\"foreign\",\"heartbeat\":\"" + heartbeat + "\"}\n");
  }

  @Test
  void secondWriterIsRefusedUntilTheFirstReleases() throws IOException {
    String run = tmp.resolve("run").toString();
    try (RunLock first = RunLock.acquire(run, TIMEOUT, conf)) {
      JsonNode owner = lockContent();
      assertEquals(ProcessHandle.current().pid(), owner.get("pid").asLong());
      assertTrue(owner.has("host") && owner.has("started") && owner.has("heartbeat"), owner.toString());
      InvalidInputException refused = assertThrows(InvalidInputException.class,
          () -> RunLock.acquire(run, TIMEOUT, conf));
      assertTrue(refused.getMessage().contains("locked by host " + owner.get("host").asText() + ", pid "
          + owner.get("pid").asText()), refused.getMessage());
      assertFalse(refused.getMessage().contains("\n"));
    }
    assertFalse(Files.exists(lockFile()), "released");
    RunLock.acquire(run, TIMEOUT, conf).close();
  }

  @Test
  void freshForeignLockRefusesStaleOneIsTakenOver() throws IOException {
    String run = tmp.resolve("run").toString();
    writeForeignLock(Instant.now().minusSeconds(60));
    assertTrue(assertThrows(InvalidInputException.class, () -> RunLock.acquire(run, TIMEOUT, conf))
        .getMessage().contains("other-host, pid 4242"));
    assertEquals("foreign", lockContent().get("token").asText(), "a refused writer leaves the lock alone");

    writeForeignLock(Instant.now().minus(TIMEOUT).minusSeconds(1));
    try (RunLock taken = RunLock.acquire(run, TIMEOUT, conf)) {
      assertNotEquals("foreign", lockContent().get("token").asText());
    }
    assertFalse(Files.exists(lockFile()));
    try (var files = Files.list(tmp.resolve("run"))) {
      assertEquals(0, files.count(), "no side files left");
    }
  }

  @Test
  void heartbeatIsRefreshed() throws Exception {
    String run = tmp.resolve("run").toString();
    try (RunLock lock = RunLock.acquire(run, TIMEOUT, conf, Clock.systemUTC(), Duration.ofMillis(20))) {
      Instant first = Instant.parse(lockContent().get("heartbeat").asText());
      Instant later = first;
      for (int i = 0; i < 100 && !later.isAfter(first); i++) {
        Thread.sleep(20);
        try {
          later = Instant.parse(lockContent().get("heartbeat").asText());
        } catch (IOException e) {
          // read between two renames: try again
        }
      }
      assertTrue(later.isAfter(first), "heartbeat " + first + " never refreshed");
    }
    assertFalse(Files.exists(lockFile()));
  }
}
