package io.bitswitch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The typed run report against {@code report.json} as a {@code train} run wrote it before the
 * model existed ({@code src/test/resources/report/train-report.json}): read back, written again
 * byte for byte, and the same bytes from the typed parts a command sets.
 */
class RunReportTest {
  /** What the training stages write report.json with (pretty-printed Jackson). */
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  static String trainReportJson() throws IOException {
    try (InputStream in = RunReportTest.class.getResourceAsStream("/report/train-report.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void existingReportReadsBackIntoTypedParts() throws IOException {
    RunReport report = RunReport.fromJson(JSON.readTree(trainReportJson()));
    assertEquals(List.of("8", "6", "4", "2"), List.copyOf(report.accuracy().keySet()));
    assertEquals(0.9228, report.accuracy().get("4"));
    assertEquals("train", report.stage().orElseThrow());
    Sizes sizes = report.sizes().orElseThrow();
    assertEquals(482856, sizes.bundleBytes());
    assertEquals(1854312, sizes.fp32ModelBytes());
    assertEquals(240888L, sizes.bytesAt("4"));
    Gates gates = report.gates().orElseThrow();
    assertTrue(gates.passed());
    assertEquals(new Gates.Check("min-accuracy[8]", true, "0.9220 >= 0.9000"), gates.checks().get(0));
    ScaleDrift drift = report.scaleDrift().orElseThrow();
    assertEquals(0.9994324772813951, drift.weight().get("conv2").meanRatio());
    assertEquals(0.045644305646419525, drift.activation().get("8").get("conv2").last());
    assertEquals(new Conventions(42L, false, "sequential", 30, true, "log", "none", "fan-in-uniform"),
        report.conventions());
    assertFalse(report.alrsOff());
    assertTrue(report.pareto().isEmpty() && report.layerTraces().isEmpty() && report.hasbDraws().isEmpty());
  }

  @Test
  void existingReportIsWrittenBackUnchanged() throws IOException {
    String json = trainReportJson();
    assertEquals(json, JSON.writeValueAsString(RunReport.fromJson(JSON.readTree(json)).toJson()) + "\n");
  }

  /** A command sets typed parts; report.json keeps the shape it had as untyped maps. */
  @Test
  void typedFieldsWriteTheSameJson() throws IOException {
    String json = trainReportJson();
    RunReport read = RunReport.fromJson(JSON.readTree(json));
    Map<String, Long> deployed = new LinkedHashMap<>();
    deployed.put("8", 471544L);
    deployed.put("6", 356216L);
    deployed.put("4", 240888L);
    deployed.put("2", 125560L);
    RunReport.Fields fields = new RunReport.Fields().stage("train")
        .sizes(new Sizes(482856, 1854312, deployed)).bits(new int[] {8, 6, 4, 2}).init("runs/fp32-s42/bundle")
        .previousLatest("").gates(new Gates(true, List.of(new Gates.Check("min-accuracy[8]", true,
            "0.9220 >= 0.9000")))).latestMoved(true).trainExamples(60000).seconds(2812.356087491)
        .scaleDrift(ScaleDrift.of(read.fields().get("scale_drift")));
    RunReport typed = new RunReport(read.accuracy(), fields.values(), read.conventions());
    assertEquals(json, JSON.writeValueAsString(typed.toJson()) + "\n");
  }

  /** pareto and layer_traces as reports before the one snake_case key style wrote them (camelCase). */
  static final String OLD_STYLE_SECTIONS = """
      {"accuracy": {"8": 0.9},
       "layer_traces": [{"name": "conv2", "params": 18432, "trace": 1.2, "tracePerParam": 6.5e-5, "stdError": 0.2,
                         "probes": 30, "samples": 512, "class": "sensitive"}],
       "pareto": {"architecture": "fmnist-cnn", "bundle": "b", "budgetKind": "size", "tracesSource": "s.json",
                  "bnRecalibrationBatches": 10,
                  "layers": [{"name": "conv2", "params": 18432, "macs": 3612672, "tracePerParam": 6.5e-5}],
                  "members": [{"budget": 7.0, "layerBits": {"conv2": 8}, "sizeBytes": 352000, "weightBits": 147456,
                               "bitOps": 520000000, "averageBits": 8.0, "objective": 0.0, "accuracy": 0.91}],
                  "uniform": [{"bits": 8, "layerBits": {"conv2": 8}, "sizeBytes": 352000, "accuracy": 0.91}],
                  "random": [{"budget": 7.0, "draws": 5, "sizeBytes": 300000, "bitOps": 1, "averageBits": 6.0,
                              "accuracy": 0.9, "accuracyStd": 0.01}]}}
      """;

  /** The same sections in today's snake_case keys. */
  static final String SNAKE_CASE_SECTIONS = OLD_STYLE_SECTIONS.replace("tracePerParam", "trace_per_param")
      .replace("stdError", "std_error").replace("budgetKind", "budget_kind").replace("tracesSource", "traces_source")
      .replace("bnRecalibrationBatches", "bn_recalibration_batches").replace("layerBits", "layer_bits")
      .replace("sizeBytes", "size_bytes").replace("weightBits", "weight_bits").replace("bitOps", "bit_ops")
      .replace("averageBits", "average_bits").replace("accuracyStd", "accuracy_std");

  @Test
  void oldCamelCaseSectionsReadLikeSnakeCaseOnes() throws IOException {
    RunReport old = RunReport.fromJson(JSON.readTree(OLD_STYLE_SECTIONS));
    RunReport current = RunReport.fromJson(JSON.readTree(SNAKE_CASE_SECTIONS));
    assertFalse(SNAKE_CASE_SECTIONS.matches("(?s).*\"[a-z]+[A-Z]\\w*\".*"), "no camelCase key left");
    assertEquals(current.layerTraces(), old.layerTraces());
    assertEquals(current.pareto(), old.pareto());
    ParetoFront p = current.pareto().orElseThrow();
    assertEquals("size", p.budgetKind());
    assertEquals(Map.of("conv2", 8), p.members().get(0).layerBits());
    assertEquals(352000, p.members().get(0).sizeBytes());
    assertEquals(0.01, p.random().get(0).accuracyStd());
    LayerTrace t = current.layerTraces().get(0);
    assertEquals(6.5e-5, t.tracePerParam());
    assertEquals(0.2, t.stdError());
    assertEquals("sensitive", t.sensitivity());
  }

  @Test
  void layerTracesAreWrittenInSnakeCase() throws IOException {
    LayerTrace t = new LayerTrace("conv2", "sensitive", 18432, 1.2, 6.5e-5, 0.2, 30, 512);
    assertEquals("[{\"name\":\"conv2\",\"params\":18432,\"trace\":1.2,\"trace_per_param\":6.5E-5,"
        + "\"std_error\":0.2,\"probes\":30,\"samples\":512,\"class\":\"sensitive\"}]",
        new ObjectMapper().writeValueAsString(new RunReport.Fields().layerTraces(List.of(t)).values()
            .get("layer_traces")));
    // As a command sets them, the report reads them back for its page and tables.
    RunReport report = new RunReport(Map.of("8", 0.9), new RunReport.Fields().layerTraces(List.of(t)).values(),
        new Conventions(null, null, null, null, null, null, null, null));
    assertEquals(List.of(t), report.layerTraces());
  }

  @Test
  void fp32SizesAndDriftKeepTheirShape() throws IOException {
    assertEquals("{\"bundle_bytes\":10,\"fp32_model_bytes\":10}", new ObjectMapper().writeValueAsString(
        new Sizes(10, 10, null)));
    assertEquals("{}", new ObjectMapper().writeValueAsString(ScaleDrift.of(Map.of())));
    assertEquals("{}", new ObjectMapper().writeValueAsString(new RunReport.Fields().onnx(null).values().get("onnx")));
  }
}
