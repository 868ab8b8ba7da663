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
    assertEquals(new Conventions(42L, false, "sequential", true, "log", "none", "fan-in-uniform"),
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

  @Test
  void fp32SizesAndDriftKeepTheirShape() throws IOException {
    assertEquals("{\"bundle_bytes\":10,\"fp32_model_bytes\":10}", new ObjectMapper().writeValueAsString(
        new Sizes(10, 10, null)));
    assertEquals("{}", new ObjectMapper().writeValueAsString(ScaleDrift.of(Map.of())));
    assertEquals("{}", new ObjectMapper().writeValueAsString(new RunReport.Fields().onnx(null).values().get("onnx")));
  }
}
