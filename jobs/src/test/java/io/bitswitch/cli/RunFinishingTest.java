package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.cli.BitswitchCliTest.Run;
import io.bitswitch.reliability.ReliabilityLog;
import io.bitswitch.report.RunReportMarkdown;
import io.bitswitch.report.RunReportPage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A retry of a {@code train} run id that was killed while finishing (docs/design/architecture.md
 * §5, "Finishing a run") completes the missing steps, without training again, as the
 * uninterrupted run would have. The kill is simulated by deleting what the run had not written
 * yet.
 */
class RunFinishingTest {
  @TempDir Path dir;

  private Run train(String... args) {
    return SmallTrainRuns.train(dir, args);
  }

  private JsonNode report(String runId) throws IOException {
    return new ObjectMapper().readTree(Files.readString(dir.resolve(runId).resolve(Runs.REPORT_FILE)));
  }

  /** Deletes the run files and the pointer: the state of a job killed right after publishing. */
  private void killAfterPublishing(String runId) throws IOException {
    SmallTrainRuns.deleteRunFiles(dir, runId);
    Files.deleteIfExists(dir.resolve("latest"));
  }

  /** Each file of the run's state and bundle with its modification time: what training would rewrite. */
  private Map<String, Long> trainingOutputs(String runId) throws IOException {
    Map<String, Long> times = new TreeMap<>();
    for (String sub : List.of(Runs.STATE_DIR, Runs.BUNDLE_DIR)) {
      try (Stream<Path> files = Files.walk(dir.resolve(runId).resolve(sub))) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          times.put(dir.relativize(f).toString(), Files.getLastModifiedTime(f).toMillis());
        }
      }
    }
    return times;
  }

  @Test
  void retryAfterKillBetweenBundleAndReportFinishesFromTheBundle() throws IOException {
    Run first = train("--run-id", "r1");
    assertEquals(0, first.code(), first.err());
    JsonNode original = report("r1");
    Map<String, Long> outputs = trainingOutputs("r1");

    for (boolean resume : new boolean[] {false, true}) {
      killAfterPublishing("r1");
      Run retry = resume ? train("--run-id", "r1", "--resume") : train("--run-id", "r1");
      assertEquals(0, retry.code(), retry.err());
      assertTrue(retry.err().contains("finishing from the published bundle"), retry.err());
      assertEquals(outputs, trainingOutputs("r1"), "no training: state and bundle untouched");
      assertEquals("r1", Files.readString(dir.resolve("latest")).trim());
      JsonNode recovered = report("r1");
      assertEquals(original.get("accuracy"), recovered.get("accuracy"), "the evaluation train ends with");
      assertEquals(original.get("gates"), recovered.get("gates"));
      assertTrue(recovered.get("latest_moved").asBoolean());
      assertEquals(original.get("sizes"), recovered.get("sizes"));
      assertEquals("published bundle", recovered.get(TrainCommand.RECOVERED).get("from").asText(),
          recovered.toString());
      for (String file : List.of(Runs.REPORT_MD_FILE, Runs.CONFIG_FILE, RunReportPage.FILE)) {
        assertTrue(Files.exists(dir.resolve("r1").resolve(file)), file);
      }
      assertTrue(Files.readString(dir.resolve("r1").resolve(RunReportMarkdown.FILE)).contains("recovered"));
    }
    ReliabilityLog.record(RunFinishingTest.class, "killed between bundle and report (simulated)",
        "run files and latest deleted after a finished run (the state of a kill right after publishing); the same run id again, with and without --resume",
        "finishes from the published bundle without training: evaluates it again, writes the run files (report marked recovered), moves latest, exit 0",
        "state and bundle file times unchanged, report accuracies, gates and sizes equal the original, latest");
  }

  @Test
  void retryAfterKillBeforeThePointerMovesIt() throws IOException {
    Run first = train("--run-id", "r1");
    assertEquals(0, first.code(), first.err());
    Files.delete(dir.resolve("latest"));
    long reportTime = Files.getLastModifiedTime(dir.resolve("r1").resolve(Runs.REPORT_FILE)).toMillis();

    Run retry = train("--run-id", "r1");
    assertEquals(0, retry.code(), retry.err());
    assertEquals("r1", Files.readString(dir.resolve("latest")).trim());
    assertEquals(reportTime, Files.getLastModifiedTime(dir.resolve("r1").resolve(Runs.REPORT_FILE)).toMillis());

    // A pointer a later run moved stays where it is.
    Files.writeString(dir.resolve("latest"), "r9\n");
    Run again = train("--run-id", "r1");
    assertEquals(0, again.code(), again.err());
    assertTrue(again.err().contains("complete already"), again.err());
    assertEquals("r9", Files.readString(dir.resolve("latest")).trim());
    assertFalse(Files.exists(dir.resolve("r9")));
    ReliabilityLog.record(RunFinishingTest.class, "killed before the pointer (simulated)",
        "latest deleted after a finished run; the same run id again; then again after a later run moved latest",
        "moves latest only (report untouched), exit 0; a latest that a later run moved stays",
        "latest content, report.json modification time");
  }
}
