package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.cli.BitswitchCliTest.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --warm-start latest} as a scheduled job runs it: {@code latest} moves only after a
 * successful run whose quality gates pass; a failed gate keeps the old pointer; a rerun of the
 * same run id does nothing.
 */
class ScheduledRetrainingTest {
  @TempDir Path dir;

  private Run train(String... args) {
    return SmallTrainRuns.train(dir, args);
  }

  private String latest() throws IOException {
    return Files.readString(dir.resolve("latest")).trim();
  }

  private JsonNode report(String runId) throws IOException {
    return new ObjectMapper().readTree(Files.readString(dir.resolve(runId).resolve(Runs.REPORT_FILE)));
  }

  @Test
  void latestMovesOnlyAfterPassingGates() throws IOException {
    Run none = train("--run-id", "r0", "--warm-start", "latest");
    assertEquals(2, none.code(), none.err());
    assertTrue(none.err().contains("no 'latest' pointer"), none.err());

    Run first = train("--run-id", "r1");
    assertEquals(0, first.code(), first.err());
    assertEquals("r1", latest());

    Run strict = train("--run-id", "r2", "--warm-start", "latest", "--set", "gates.min-accuracy.8=0.999");
    assertEquals(ExitCodes.GATES_FAILED, strict.code(), strict.err());
    assertTrue(strict.err().contains("accuracy at 8 bits needs ≥ 0.999, got "), strict.err());
    assertEquals("r1", latest(), "a failed gate leaves latest as it was");
    JsonNode r2 = report("r2");
    assertFalse(r2.get("gates").get("passed").asBoolean());
    assertEquals("r1", r2.get("previous_latest").asText());
    assertTrue(r2.get("init").asText().contains("r1"), r2.toString());

    long before = Files.getLastModifiedTime(dir.resolve("r2").resolve(Runs.REPORT_FILE)).toMillis();
    Run again = train("--run-id", "r2", "--warm-start", "latest", "--set", "gates.min-accuracy.8=0.999");
    assertEquals(ExitCodes.GATES_FAILED, again.code(), again.err());
    assertTrue(again.err().contains("complete already"), again.err());
    assertEquals(before, Files.getLastModifiedTime(dir.resolve("r2").resolve(Runs.REPORT_FILE)).toMillis());

    Run next = train("--run-id", "r3", "--warm-start", "latest", "--set", "gates.min-accuracy.8=0.05");
    assertEquals(0, next.code(), next.err());
    assertEquals("r3", latest());
    assertTrue(report("r3").get("gates").get("passed").asBoolean());
  }
}
