package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.cli.BitswitchCliTest.Run;
import io.bitswitch.testing.RequiredPackages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sensitivity → supernet → search → switch/evaluate through the command line on a tiny real
 * Fashion-MNIST run, and the bad inputs of the mixed-precision commands: clear errors, nothing
 * written.
 */
class MixedPrecisionCommandsTest {
  @TempDir static Path dir;
  static Path runs;
  static String supernetBundle;
  static Path sensitivity;

  private static final String[] TINY = {"--master", "local[2]", "--set", "data.max-train-examples=256", "--set",
      "data.max-test-examples=200", "--set", "pretrain.batch-size=64", "--set", "train.batch-size=64", "--set",
      "train.bits=[4,2]", "--set", "evaluate.batch-size=100", "--set", "pretrain.epochs=1", "--set",
      "sensitivity.samples=64", "--set", "sensitivity.max-iterations=2", "--set", "search.random-draws=1", "--set",
      "search.bn-recalibration-batches=1"};

  /** The command with the tiny settings, then {@code args}' own options (which win over them). */
  static Run cli(String... args) {
    String[] all = new String[args.length + TINY.length];
    all[0] = args[0];
    System.arraycopy(TINY, 0, all, 1, TINY.length);
    System.arraycopy(args, 1, all, 1 + TINY.length, args.length - 1);
    return BitswitchCliTest.run(all);
  }

  static void ok(Run r) {
    assertEquals(0, r.code(), () -> "exit " + r.code() + "\nstdout: " + r.out() + "\nstderr: " + r.err());
  }

  static void refused(Run r, String... parts) {
    assertEquals(2, r.code(), () -> "expected an input error\nstdout: " + r.out() + "\nstderr: " + r.err());
    for (String p : parts) {
      assertTrue(r.err().contains(p), () -> "stderr lacks '" + p + "': " + r.err());
    }
  }

  @BeforeAll
  static void pipeline() {
    RequiredPackages.require("dataset-fashion-mnist");
    runs = dir.resolve("runs");
    ok(cli("pretrain", "--out", runs.toString(), "--run-id", "fp32"));
    ok(cli("train", "--init", runs.resolve("fp32/bundle").toString(), "--out", runs.toString(), "--run-id", "mp"));
    ok(cli("sensitivity", "--bundle", runs.resolve("fp32/bundle").toString(), "--out", runs.resolve("fp32").toString()));
    sensitivity = runs.resolve("fp32/sensitivity.json");
    Run sn = cli("supernet", "--bundle", runs.resolve("mp/bundle").toString(), "--sensitivity", sensitivity.toString(),
        "--out", runs.toString(), "--run-id", "sn");
    ok(sn);
    assertTrue(sn.out().strip().endsWith(runs.resolve("sn").toString()), sn.out());
    supernetBundle = runs.resolve("sn/bundle").toString();
  }

  @Test
  void searchWritesTheFrontAndItsConfigurationsDeployAndEvaluate() throws IOException {
    Path out = dir.resolve("search");
    // The traces come from the SuperNet bundle's manifest when --sensitivity is not given.
    Run search = cli("search", "--bundle", supernetBundle, "--out", out.toString(), "--set", "search.budgets=[3]");
    ok(search);
    Map<?, ?> pareto = new ObjectMapper().readValue(out.resolve("pareto.json").toFile(), Map.class);
    assertEquals(1, ((List<?>) pareto.get("members")).size());
    assertTrue(Files.exists(out.resolve("report.html")) && Files.exists(out.resolve("layer-bits-3.0.json")));
    Map<?, ?> report = new ObjectMapper().readValue(out.resolve("report.json").toFile(), Map.class);
    assertEquals("search", report.get("stage"));
    long written = Files.getLastModifiedTime(out.resolve("pareto.json")).toMillis();
    refused(cli("search", "--bundle", supernetBundle, "--out", out.toString(), "--set", "search.budgets=[3]"),
        "already holds a finished search");
    assertEquals(written, Files.getLastModifiedTime(out.resolve("pareto.json")).toMillis());

    Run mixed = BitswitchCliTest.run("switch", "--bundle", supernetBundle, "--layer-bits", out.resolve("layer-bits-3.0.json").toString(),
        "--out", dir.resolve("mixed").toString());
    ok(mixed);
    assertTrue(mixed.out().contains("mixed-precision"), mixed.out());
    Path json = dir.resolve("eval.json");
    Run eval = cli("evaluate", "--bundle", supernetBundle, "--layer-bits", out.resolve("layer-bits-3.0.json").toString(),
        "--json", json.toString());
    ok(eval);
    Map<?, ?> result = new ObjectMapper().readValue(json.toFile(), Map.class);
    Map<?, ?> perConfig = (Map<?, ?>) result.get("layer_bits_accuracy");
    double acc = ((Number) perConfig.values().iterator().next()).doubleValue();
    assertTrue(acc > 0.2 && acc <= 1, "accuracy " + acc);
  }

  @Test
  void budgetsOutsideTheBundlesBitsAreRefused() {
    Path out = dir.resolve("below");
    refused(cli("search", "--bundle", supernetBundle, "--out", out.toString(), "--set", "search.budgets=[3,1.5]"),
        "1.5", "below");
    refused(cli("search", "--bundle", supernetBundle, "--out", out.toString(), "--set", "search.budgets=[5]"),
        "5", "above");
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void tracesOfAnotherArchitectureAreRefused() throws IOException {
    Path foreign = dir.resolve("foreign.json");
    Files.writeString(foreign, Files.readString(sensitivity).replace("\"fmnist-cnn\"", "\"resnet20\""));
    Path out = dir.resolve("foreign-search");
    refused(cli("search", "--bundle", supernetBundle, "--sensitivity", foreign.toString(), "--out", out.toString()),
        "'resnet20'", "'fmnist-cnn'");
    refused(cli("supernet", "--bundle", runs.resolve("mp/bundle").toString(), "--sensitivity", foreign.toString(),
        "--out", runs.toString(), "--run-id", "foreign"), "'resnet20'");
    assertFalse(Files.exists(out) || Files.exists(runs.resolve("foreign/bundle")), "nothing written");
    Path notJson = Files.writeString(dir.resolve("broken.json"), "{\"layers\": ");
    refused(cli("search", "--bundle", supernetBundle, "--sensitivity", notJson.toString(), "--out", out.toString()),
        "not valid JSON");
  }

  @Test
  void unknownLayersInLayerBitsAreRefused() throws IOException {
    Path bad = Files.writeString(dir.resolve("bad.json"), "{\"conv2\": 4, \"conv3\": 2, \"conv4\": 2, \"fc1\": 2, "
        + "\"fc9\": 4}");
    refused(BitswitchCliTest.run("switch", "--bundle", supernetBundle, "--layer-bits", bad.toString(), "--out",
        dir.resolve("bad-switch").toString()), "unknown layer(s) [fc9]");
    refused(cli("evaluate", "--bundle", supernetBundle, "--layer-bits", bad.toString()), "unknown layer(s) [fc9]");
    assertFalse(Files.exists(dir.resolve("bad-switch")));
  }

  @Test
  void singlePrecisionRunsBecomeTheReportsBaselines() throws IOException {
    ok(cli("train", "--init", runs.resolve("fp32/bundle").toString(), "--out", runs.toString(), "--run-id", "single2",
        "--set", "train.bits=[2]"));
    ok(cli("train", "--init", runs.resolve("fp32/bundle").toString(), "--out", runs.toString(), "--run-id", "joint",
        "--baseline", runs.resolve("single2").toString()));
    ObjectMapper json = new ObjectMapper();
    Map<?, ?> single = (Map<?, ?>) json.readValue(runs.resolve("single2/report.json").toFile(), Map.class)
        .get("accuracy");
    Map<?, ?> report = json.readValue(runs.resolve("joint/report.json").toFile(), Map.class);
    Map<?, ?> baselines = (Map<?, ?>) ((Map<?, ?>) report.get("baselines")).get("single-precision");
    assertEquals(single.get("2"), baselines.get("2"));
    assertTrue(Files.readString(runs.resolve("joint/report.html")).contains("<th>single-precision</th>"));
    refused(cli("train", "--init", runs.resolve("fp32/bundle").toString(), "--out", runs.toString(), "--run-id",
        "refused", "--baseline", runs.resolve("mp").toString()), "one bit-width");
    assertFalse(Files.exists(runs.resolve("refused/bundle")));
  }
}
