package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bitswitch.store.Pointer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which run directories {@code train --keep-runs N} deletes ({@link OldRuns}). */
class OldRunsTest {
  @TempDir Path out;

  /** A finished run whose report.json is {@code daysAgo} days old. */
  private void finished(String runId, int daysAgo) throws IOException {
    Path report = Files.writeString(Files.createDirectories(out.resolve(runId)).resolve(Runs.REPORT_FILE), "{}\n");
    Files.setLastModifiedTime(report, FileTime.from(Instant.now().minus(Duration.ofDays(daysAgo))));
  }

  /** An unfinished run (state/ only) whose directory is {@code daysAgo} days old. */
  private Path unfinished(String runId, int daysAgo) throws IOException {
    Path run = Files.createDirectories(out.resolve(runId));
    Files.createDirectories(run.resolve(Runs.STATE_DIR));
    Files.setLastModifiedTime(run, FileTime.from(Instant.now().minus(Duration.ofDays(daysAgo))));
    return run;
  }

  private List<String> remaining() throws IOException {
    try (Stream<Path> s = Files.list(out)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void keepsTheNewestLatestLockedAndWhatIsNotARun() throws IOException {
    finished("r1", 9);
    finished("r2", 8);
    finished("r3", 7);
    finished("r4", 6);
    Path locked = unfinished("r5", 5);
    Files.writeString(locked.resolve(".lock"), "{\"host\":\"h\",\"pid\":1,\"token\":\"t\",\"heartbeat\":\""
        + Instant.now() + "\"}\n");
    // Old but for its live lock (the lock file made the directory new again).
    Files.setLastModifiedTime(locked, FileTime.from(Instant.now().minus(Duration.ofDays(5))));
    unfinished("r6", 4);
    finished("r7", 1);
    finished("r8", 0);
    Files.createDirectories(out.resolve("notes")); // no report.json, no state/: not a run
    Files.setLastModifiedTime(out.resolve("notes"), FileTime.from(Instant.now().minus(Duration.ofDays(30))));
    Pointer.writeLatest(out.toString(), "r2", new Configuration());

    StringWriter log = new StringWriter();
    List<String> deleted = OldRuns.prune(out.toString(), 2, "r8", Duration.ofMinutes(10), new Configuration(),
        new PrintWriter(log, true));

    assertEquals(List.of("r1", "r3", "r4", "r6"),
        deleted.stream().map(d -> d.substring(d.lastIndexOf('/') + 1)).toList(), log.toString());
    assertEquals(List.of("latest", "notes", "r2", "r5", "r7", "r8"), remaining());
  }

  @Test
  void keepingMoreThanThereAreDeletesNothing() throws IOException {
    finished("r1", 2);
    finished("r2", 1);
    assertEquals(List.of(), OldRuns.prune(out.toString(), 5, "r2", Duration.ofMinutes(10), new Configuration(),
        new PrintWriter(new StringWriter())));
    assertEquals(List.of("r1", "r2"), remaining());
  }
}
