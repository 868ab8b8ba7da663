package io.bitswitch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code report.md}: every part of the report as a Markdown table, no value dumped on one line. */
class RunReportMarkdownTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Markdown lines that are neither table rows, headings, JSON blocks nor short sentences. */
  private static void assertReadable(String md) {
    assertFalse(md.contains("[I@") || md.contains("[D@") || md.contains("[J@"), "a Java array's toString: " + md);
    boolean inJson = false;
    for (String line : md.split("\n")) {
      if (line.startsWith("```")) {
        inJson = !inJson;
        continue;
      }
      if (!inJson) {
        assertFalse(line.matches(".*\\w=\\{.*") || line.startsWith("- "), "a map on one line: " + line);
      }
    }
  }

  @Test
  void trainReportHasAccuracySizesRunConventionsGatesAndDriftTables() throws IOException {
    RunReport report = RunReport.fromJson(JSON.readTree(RunReportTest.trainReportJson()));
    String md = RunReportMarkdown.render(report);
    assertReadable(md);
    assertTrue(md.startsWith("# bitswitch run report\n"), md);
    assertTrue(md.contains("| bits | test accuracy | deployed size (bytes) | vs FP32 |\n|---|---|---|---|\n"
        + "| 8 | 92.20 % | 471544 | 25.4 % |\n"), md);
    assertTrue(md.contains("| 2 | 91.75 % | 125560 | 6.8 % |\n"), md);
    assertTrue(md.contains("Stored bundle: 482856 bytes of tensors."), md);
    assertTrue(md.contains("| bits | 8, 6, 4, 2 |\n"), md);
    assertTrue(md.contains("| previous_latest | (none) |\n"), md);
    assertTrue(md.contains("## Conventions\n\n| convention | value |\n|---|---|\n| seed | 42 |\n"), md);
    assertTrue(md.contains("## Quality gates: passed\n\n| check | passed | detail |\n|---|---|---|\n"
        + "| min-accuracy[8] | yes | 0.9220 >= 0.9000 |\n"), md);
    assertTrue(md.contains("| layer | 8-bit | 6-bit | 4-bit | 2-bit |\n"), md);
    assertTrue(md.contains("| conv2 | 0.04688 → 0.04564 |"), md);
    assertTrue(md.contains("| conv2 | 0.9994 |\n"), md);
  }

  @Test
  void mixedPrecisionSectionsAreTables() throws IOException {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("stage", "demo");
    fields.put("bits", new int[] {8, 4});
    fields.put("sampling", "hasb");
    fields.put("baselines", Map.of("single-precision", Map.of("8", 0.915)));
    fields.put("layer_traces", List.of(Map.of("name", "conv2", "params", 18432, "trace", 1.2, "tracePerParam", 6.5e-5,
        "stdError", 0.01, "probes", 30, "samples", 512, "class", "sensitive")));
    fields.put("hasb_draws", Map.of("conv2", Map.of("8", 30, "4", 10)));
    fields.put("pareto", Map.of("budgetKind", "size", "layers", List.of(Map.of("name", "conv2")),
        "members", List.of(Map.of("budget", 6.0, "layerBits", Map.of("conv2", 8), "sizeBytes", 61440,
            "bitOps", 1234000, "averageBits", 8.0, "accuracy", 0.905)),
        "uniform", List.of(Map.of("bits", 4, "sizeBytes", 30720, "accuracy", 0.9)),
        "random", List.of(Map.of("budget", 6.0, "draws", 5, "sizeBytes", 50000, "accuracy", 0.9,
            "accuracyStd", 0.01))));
    fields.put("onnx", new Onnx(4, "runs/d/model-4bit.onnx", 246784, "INT4/FLOAT"));
    fields.put("unknown", Map.of("a", Map.of("b", 1)));
    Map<String, Double> accuracy = new LinkedHashMap<>();
    accuracy.put("32", 0.92);
    accuracy.put("8", 0.91);
    accuracy.put("4", 0.9);
    String md = RunReportMarkdown.render(new RunReport(accuracy, fields,
        new Conventions(1L, false, "sequential", 30, true, "log", "none", "fan-in-uniform")));
    assertReadable(md);
    assertTrue(md.contains("| bits | test accuracy | single-precision (trained alone) |\n|---|---|---|\n"
        + "| FP32 | 92.00 % |  |\n| 8 | 91.00 % | 91.50 % |\n"), md);
    assertTrue(md.contains("| bits | 8, 4 |\n"), md);
    assertTrue(md.contains("| conv2 | sensitive | 18432 | 1.200 | 6.500e-05 | 1.00e-02 | 30 | 512 |\n"), md);
    assertTrue(md.contains("(sampling: hasb)") && md.contains("| conv2 | 40 | 75.0 % | 25.0 % |\n"), md);
    assertTrue(md.contains("| ILP front | 6.0 | conv2:8 | 60.0 | 1.2 M | 8.00 | 90.50 % |\n"), md);
    assertTrue(md.contains("| uniform 4-bit |  | all 4 | 30.0 |  |  | 90.00 % |\n"), md);
    assertTrue(md.contains("| random (5 draws) | 6.0 |  | 48.8 |  |  | 90.00 ± 1.00 % |\n"), md);
    assertTrue(md.contains("| 4 | `runs/d/model-4bit.onnx` | 246784 | INT4/FLOAT |\n"), md);
    assertTrue(md.contains("## unknown\n\n```json\n{\n  \"a\" : {\n    \"b\" : 1\n  }\n}\n```\n"), md);
  }

  @Test
  void malformedSectionsShowTheirDataAsJson() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("pareto", Map.of("uniform", "none"));
    fields.put("gates", "not checked");
    String md = RunReportMarkdown.render(new RunReport(Map.of("8", 0.9), fields,
        new Conventions(null, null, null, null, null, null, null, null)));
    assertTrue(md.contains("## pareto\n\n```json\n"), md);
    assertTrue(md.contains("## gates\n\n```json\n\"not checked\"\n```"), md);
    assertFalse(md.contains("## Conventions"), md);
  }
}
