package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.cli.BitswitchCliTest.Run;
import io.bitswitch.testing.RequiredPackages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pretrain → train → evaluate → switch → inspect, and demo, through the command line on a small
 * sample of the real Fashion-MNIST (the Debian package dataset-fashion-mnist).
 */
class PipelineCommandsTest {
  /** Small enough for the default test run: a few hundred images, one epoch, two precisions. */
  private static final String[] SMALL = {"--master", "local[2]", "--set", "data.max-train-examples=384", "--set",
      "data.max-test-examples=200", "--set", "pretrain.batch-size=64", "--set", "train.batch-size=64", "--set",
      "train.bits=[4,2]", "--set", "evaluate.batch-size=100"};

  @TempDir Path dir;

  private static Run run(List<String> args) {
    Run run = BitswitchCliTest.run(args.toArray(String[]::new));
    assertEquals(0, run.code(), () -> "bitswitch " + args + "\nstderr: " + run.err());
    return run;
  }

  private static List<String> command(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.addAll(List.of(SMALL));
    return all;
  }

  private static String lastLine(String text) {
    List<String> lines = text.lines().toList();
    return lines.get(lines.size() - 1);
  }

  private static JsonNode json(Path file) throws IOException {
    return new ObjectMapper().readTree(Files.readString(file));
  }

  @Test
  void pretrainTrainEvaluateSwitchInspect() throws IOException {
    RequiredPackages.require("dataset-fashion-mnist");
    String runs = dir.toString();

    Run pretrain = run(command("pretrain", "--out", runs, "--run-id", "fp32"));
    Path fp32Run = dir.resolve("fp32");
    assertEquals(fp32Run.toString(), lastLine(pretrain.out()));
    JsonNode fp32Report = json(fp32Run.resolve(Runs.REPORT_FILE));
    assertTrue(fp32Report.get("accuracy").get("32").asDouble() > 0.3, fp32Report.toString());
    assertTrue(Files.exists(fp32Run.resolve(Runs.HISTORY_FILE)) && Files.exists(fp32Run.resolve(Runs.CONFIG_FILE)));

    Run train = run(command("train", "--init", fp32Run.resolve("bundle").toString(), "--out", runs, "--run-id", "mp"));
    Path mpRun = dir.resolve("mp");
    assertEquals(mpRun.toString(), lastLine(train.out()));
    JsonNode report = json(mpRun.resolve(Runs.REPORT_FILE));
    assertEquals(2, report.get("accuracy").size(), report.toString());
    // Every precision's activation scales and the shared weight scales report where they started and ended.
    JsonNode drift = report.get("scale_drift");
    for (JsonNode layers : List.of(drift.get("activation").get("4"), drift.get("activation").get("2"))) {
      assertTrue(layers.size() > 0 && layers.elements().next().get("first").asDouble() > 0, drift.toString());
      assertTrue(layers.elements().next().has("last"), drift.toString());
    }
    assertTrue(drift.get("weight").elements().next().get("mean_ratio").asDouble() > 0, drift.toString());
    assertTrue(Files.readString(mpRun.resolve(io.bitswitch.report.RunReportPage.FILE)).contains("ALRS scale learning rate"));

    Path evalJson = dir.resolve("eval.json");
    Run evaluate = run(List.of("evaluate", "--master", "local[2]", "--bundle", mpRun.resolve("bundle").toString(),
        "--set", "data.max-test-examples=200", "--json", evalJson.toString()));
    assertTrue(evaluate.out().startsWith("bits  accuracy"), evaluate.out());
    JsonNode evaluated = json(evalJson).get("accuracy");
    // Evaluated from the published codes on the same test examples: what training measured.
    assertEquals(report.get("accuracy"), evaluated);

    run(List.of("switch", "--bundle", mpRun.resolve("bundle").toString(), "--bits", "2", "--out",
        dir.resolve("int2").toString()));
    Run inspect = run(List.of("inspect", "--bundle", dir.resolve("int2").toString()));
    assertTrue(inspect.out().contains("[2]"), inspect.out());
  }

  @Test
  void demoWritesARunDirectoryAndPrintsItLast() throws IOException {
    RequiredPackages.require("dataset-fashion-mnist");
    // The default budgets (7..3 bits) do not fit the bits [4,2] of these runs: refused before any work.
    Run refused = BitswitchCliTest.run(command("demo", "--out", dir.toString(), "--run-id", "refused").toArray(String[]::new));
    assertEquals(2, refused.code(), refused.err());
    assertTrue(refused.err().contains("search.budgets") && refused.err().contains("[2, 4]"), refused.err());
    assertTrue(!Files.exists(dir.resolve("refused")), "nothing written");
    // The mixed-precision stages at their smallest; RunReportPageTest checks their outputs.
    Run demo = run(command("demo", "--out", dir.toString(), "--run-id", "demo", "--set", "pretrain.epochs=1", "--set",
        "sensitivity.samples=64", "--set", "sensitivity.max-iterations=2", "--set", "search.budgets=[3]", "--set",
        "search.random-draws=0", "--set", "search.bn-recalibration-batches=1"));
    Path runDir = dir.resolve("demo");
    assertEquals(runDir.toString(), lastLine(demo.out()));
    assertTrue(demo.out().contains("ILP front") && demo.out().contains("conv2="),
        demo.out());
    JsonNode report = json(runDir.resolve(Runs.REPORT_FILE));
    assertEquals(List.of("32", "4", "2"), iterable(report.get("accuracy").fieldNames()));
    assertEquals("quick", report.get("profile").asText());
    assertTrue(Files.exists(runDir.resolve("pretrain").resolve("bundle").resolve("manifest.json")));
    // Sizes: the 2-bit model derived from the INT-4 bundle is smaller than the 4-bit one, both below FP32.
    JsonNode sizes = report.get("sizes");
    long fp32 = sizes.get("fp32_model_bytes").asLong();
    long b4 = sizes.get("deployed_bytes").get("4").asLong();
    long b2 = sizes.get("deployed_bytes").get("2").asLong();
    assertTrue(b2 < b4 && b4 < fp32, sizes.toString());
    // The deployable 4-bit model as ONNX, its path and size printed before the run directory.
    Path onnx = runDir.resolve("model-4bit.onnx");
    assertTrue(Files.isRegularFile(onnx), "the demo exports the 4-bit model");
    assertTrue(demo.out().contains("4-bit ONNX model: " + onnx + " (" + String.format(java.util.Locale.ROOT, "%,d",
        Files.size(onnx)) + " bytes"), demo.out());
    assertEquals(Files.size(onnx), report.get("onnx").get("bytes").asLong());
    String md = Files.readString(runDir.resolve(Runs.REPORT_MD_FILE));
    assertTrue(md.contains("| FP32 |") && md.contains("| 2 |") && md.contains("evaluate_seconds"), md);
  }

  private static List<String> iterable(java.util.Iterator<String> names) {
    List<String> list = new java.util.ArrayList<>();
    names.forEachRemaining(list::add);
    return list;
  }
}
