package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.cli.BitswitchCliTest.Run;
import io.bitswitch.report.RunReport;
import io.bitswitch.report.RunReportPage;
import io.bitswitch.testing.RequiredPackages;
import io.bitswitch.progress.StepRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code report.html} opened in a real headless Chromium (Debian's {@code chromium}, which
 * {@code bin/test} installs): the page of a small real {@code demo} run loads without errors and
 * every embedded chart decodes; its screenshot stays at {@code target/report-screenshot.png}.
 *
 * <p>The demo run is left at {@value #RUN_DIR} (relative to the jobs module), where the notebooks
 * find it by default.
 */
class RunReportPageTest {
  static final String CHROMIUM = "/usr/bin/chromium";
  /** The small run the suite leaves for the notebooks. */
  static final String RUN_DIR = "target/report-run/demo";

  @TempDir Path tmp;

  @Test
  void demoRunReportRendersInChromium() throws Exception {
    // Everything the test uses, checked before the minutes the demo takes.
    RequiredPackages.require("dataset-fashion-mnist", "chromium", "jupyter-nbconvert", "python3-ipykernel",
        "python3-pandas", "python3-matplotlib");
    Path out = Path.of(RUN_DIR).getParent().toAbsolutePath();
    deleteRecursively(out);
    Run demo = BitswitchCliTest.run("demo", "--out", out.toString(), "--run-id", "demo", "--master", "local[2]",
        "--set", "data.max-train-examples=384", "--set", "data.max-test-examples=200", "--set",
        "pretrain.batch-size=64", "--set", "train.batch-size=64", "--set", "train.bits=[4,2]", "--set",
        "evaluate.batch-size=100", "--set", "pretrain.epochs=1", "--set", "sensitivity.samples=128", "--set",
        "sensitivity.max-iterations=3", "--set", "search.budgets=[3.5,2.5]", "--set", "search.random-draws=2", "--set",
        "search.bn-recalibration-batches=2");
    assertEquals(0, demo.code(), () -> "demo failed\nstderr: " + demo.err());
    Path runDir = out.resolve("demo");
    Path html = runDir.resolve(RunReportPage.FILE);
    assertTrue(Files.exists(html), "demo must write " + html);
    String page = Files.readString(html);
    assertTrue(page.contains("<td>FP32</td>") && page.contains("<td>4</td>") && page.contains("<td>2</td>"), page);
    assertTrue(page.contains("deployed size (bytes)"), "the demo report has sizes");
    assertTrue(!page.contains("src=\"http") && !page.contains("href=\"http"), "self-contained: no network");
    // The pretrain stage's run directory gets its page too (FP32 only: no ALRS chart).
    assertTrue(Files.exists(runDir.resolve("pretrain").resolve(RunReportPage.FILE)));

    // The mixed-precision stages' directories and files, which notebook 02 reads.
    for (String f : List.of("sensitivity.json", "supernet/report.html", "supernet/bundle/manifest.json",
        "search/pareto.json", "search/report.html", "search/layer-bits-3.5.json", "search/member-3.5/bundle/manifest.json")) {
      assertTrue(Files.exists(runDir.resolve(f)), "demo must write " + f);
    }
    assertTrue(page.contains("id=\"pareto\"") && page.contains("id=\"layer-traces\"")
        && page.contains("id=\"hasb-draws\""), "the demo page has the mixed-precision tables");

    // Accuracy, loss, ALRS, images/s; Hessian traces, HASB draws, Pareto front.
    Map<String, String> body = openInChromium(html, 7);
    assertEquals("true", body.get("data-images-loaded"), body.toString());
    assertEquals("0", body.get("data-errors"), body.toString());
    screenshot(html, Path.of("target", "report-screenshot.png"));
    executeNotebooks(runDir);
  }

  /**
   * The notebooks under {@code notebooks/} execute without error against this run (Debian's
   * {@code jupyter nbconvert}, which {@code bin/test} installs), and git keeps them without outputs.
   */
  private static void executeNotebooks(Path runDir) throws IOException, InterruptedException {
    Path notebooks = Path.of("..", "notebooks").toAbsolutePath().normalize();
    List<Path> files;
    try (var list = Files.list(notebooks)) {
      files = list.filter(f -> f.toString().endsWith(".ipynb")).sorted().toList();
    }
    assertTrue(!files.isEmpty(), "no notebooks under " + notebooks);
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    for (Path nb : files) {
      for (com.fasterxml.jackson.databind.JsonNode cell : json.readTree(nb.toFile()).path("cells")) {
        boolean hasOutput = cell.path("outputs").size() > 0 || !cell.path("execution_count").isNull()
            && !cell.path("execution_count").isMissingNode();
        assertTrue(!cell.path("cell_type").asText().equals("code") || !hasOutput,
            nb + ": strip its outputs before committing (jupyter nbconvert --clear-output --inplace)");
      }
      List<String> cmd = new java.util.ArrayList<>(List.of("jupyter", "nbconvert", "--to", "notebook", "--execute",
          "--ExecutePreprocessor.timeout=300", "--output-dir", Path.of("target", "notebooks").toAbsolutePath().toString(),
          nb.toString()));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().put("BITSWITCH_RUN", runDir.toAbsolutePath().toString());
      pb.environment().put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
      // Debian's jupyter runs on /usr/bin/python3, where python3-pandas/-matplotlib are installed.
      pb.environment().put("PATH", "/usr/bin:" + pb.environment().getOrDefault("PATH", ""));
      Process p;
      try {
        p = pb.start();
      } catch (IOException e) {
        throw new AssertionError("jupyter could not be started (" + e.getMessage() + "); "
            + RequiredPackages.REMEDY, e);
      }
      String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "nbconvert timed out on " + nb);
      assertEquals(0, p.exitValue(), () -> nb + " failed:\n" + output);
    }
  }

  @Test
  void syntheticReportWithoutTrainingOrSizesRenders() throws Exception {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("accuracy", Map.of("8", 0.91));
    report.put("note", "<b>escaped</b> & fine");
    String page = RunReportPage.render(RunReport.fromMap(report), List.of());
    assertTrue(page.contains("&lt;b&gt;escaped&lt;/b&gt; &amp; fine"), page);
    assertTrue(page.contains("No training steps"), page);
    assertTrue(!page.contains("deployed size"), page);
    Path html = tmp.resolve("report.html");
    Files.writeString(html, page);
    Map<String, String> body = openInChromium(html, 1);
    assertEquals("true", body.get("data-images-loaded"), body.toString());
    assertEquals("0", body.get("data-errors"), body.toString());
  }

  @Test
  void historyWithAlrsRatesGetsFourCharts() {
    List<StepRecord> history = new ArrayList<>();
    for (int s = 1; s <= 50; s++) {
      history.add(new StepRecord(s, 0, new int[] {8, 4}, new double[] {2.0 / s, 2.5 / s}, 1e-3,
          new double[] {1e-3 / s, 1e-4 / s}, 1000 + s, 0.1));
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("accuracy", new LinkedHashMap<>(Map.of("32", 0.92, "8", 0.91, "4", 0.89)));
    String page = RunReportPage.render(RunReport.fromMap(report), history);
    assertEquals(4, count(page, "src=\"data:image/png;base64,"), "accuracy, loss, ALRS, images/s");
    assertTrue(page.contains("ALRS scale learning rate"), page);
    report.put("alrs", false);
    assertTrue(RunReportPage.render(RunReport.fromMap(report), history).contains("ALRS off: the base rate"));
  }

  /**
   * A mixed-precision report as {@code report.json} holds it (what Jackson reads): per-layer
   * traces spanning almost three decades (log axis; one layer's error bar reaches below zero),
   * HASB draws, a Pareto front with uniform and random points, single-precision baselines.
   * Synthetic numbers: this checks the rendering, not results.
   */
  static final String MIXED_PRECISION_REPORT = """
      {"accuracy": {"32": 0.921, "8": 0.9131, "6": 0.9120, "4": 0.9102, "2": 0.8790},
       "sampling": "hasb",
       "baselines": {"single-precision": {"8": 0.9148, "4": 0.9117, "2": 0.8856}},
       "layer_traces": [
         {"name": "conv1", "params": 288, "trace": 0.8928, "tracePerParam": 3.1e-3, "stdError": 0.05,
          "probes": 30, "samples": 512, "class": "sensitive"},
         {"name": "conv2", "params": 18432, "trace": 1.198, "tracePerParam": 6.5e-5, "stdError": 0.2,
          "probes": 30, "samples": 512, "class": "insensitive"},
         {"name": "conv3", "params": 73728, "trace": 1.475, "tracePerParam": 2.0e-5, "stdError": 0.1,
          "probes": 30, "samples": 512, "class": "insensitive"},
         {"name": "dense1", "params": 401408, "trace": 1.606, "tracePerParam": 4.0e-6, "stdError": 2.0,
          "probes": 30, "samples": 512, "class": "insensitive"},
         {"name": "dense2", "params": 1280, "trace": 1.536, "tracePerParam": 1.2e-3, "stdError": 0.08,
          "probes": 30, "samples": 512, "class": "sensitive"}],
       "hasb_draws": {
         "conv2": {"8": 1234, "6": 1000, "4": 700, "2": 400},
         "conv3": {"8": 800, "6": 850, "4": 900, "2": 784},
         "dense1": {"8": 500, "6": 800, "4": 1000, "2": 1034}},
       "pareto": {"architecture": "fmnist-cnn", "bundle": "file:/tmp/run/bundle", "budgetKind": "size",
         "tracesSource": "file:/tmp/run/sensitivity.json",
         "layers": [{"name": "conv2", "params": 18432, "macs": 3612672, "tracePerParam": 6.5e-5},
                    {"name": "conv3", "params": 73728, "macs": 3612672, "tracePerParam": 2.0e-5},
                    {"name": "dense1", "params": 401408, "macs": 401408, "tracePerParam": 4.0e-6}],
         "members": [
           {"budget": 7.0, "layerBits": {"conv2": 8, "conv3": 8, "dense1": 6}, "sizeBytes": 352000,
            "bitOps": 520000000, "averageBits": 6.5, "objective": 0.0011, "accuracy": 0.9139,
            "file": "layer-bits-7.0.json"},
           {"budget": 3.0, "layerBits": {"conv2": 4, "conv3": 2, "dense1": 2}, "sizeBytes": 140000,
            "bitOps": 160000000, "averageBits": 2.3, "objective": 0.0423, "accuracy": 0.8931,
            "file": "layer-bits-3.0.json"},
           {"budget": 5.0, "layerBits": {"conv2": 6, "conv3": 4, "dense1": 4}, "sizeBytes": 250000,
            "bitOps": 310000000, "averageBits": 4.1, "objective": 0.0123, "accuracy": 0.9105,
            "file": "layer-bits-5.0.json"}],
         "uniform": [
           {"bits": 8, "sizeBytes": 495000, "bitOps": 640000000, "averageBits": 8.0, "accuracy": 0.9131},
           {"bits": 4, "sizeBytes": 250000, "bitOps": 160000000, "averageBits": 4.0, "accuracy": 0.9102},
           {"bits": 2, "sizeBytes": 127000, "bitOps": 40000000, "averageBits": 2.0, "accuracy": 0.8790}],
         "random": [
           {"budget": 3.0, "sizeBytes": 139000, "bitOps": 150000000, "averageBits": 2.3, "accuracy": 0.8812,
            "draws": 5, "accuracyStd": 0.006},
           {"budget": 5.0, "sizeBytes": 248000, "bitOps": 300000000, "averageBits": 4.1, "accuracy": 0.9040,
            "draws": 5, "accuracyStd": 0.01}]}}
      """;

  @Test
  void syntheticMixedPrecisionReportRendersInChromium() throws Exception {
    @SuppressWarnings("unchecked")
    Map<String, Object> report = new com.fasterxml.jackson.databind.ObjectMapper().readValue(MIXED_PRECISION_REPORT,
        Map.class);
    String page = RunReportPage.render(RunReport.fromMap(report), List.of());
    assertEquals(4, count(page, "src=\"data:image/png;base64,"), "accuracy, traces, HASB draws, Pareto front");
    assertTrue(page.contains("alt=\"Hessian trace per parameter per layer (log axis)\""), "span of 775: log axis");
    assertTrue(page.contains("<th>single-precision</th>") && page.contains("<td>91.48 %</td>"), "baseline column");
    // Tables: one row per layer, per HASB layer, per Pareto entry.
    assertEquals(5, count(section(page, "layer-traces"), "<tr><td"));
    assertTrue(page.contains("<td class=\"k\">dense2</td><td class=\"k\">sensitive</td><td>1280</td>"), page);
    assertEquals(3, count(section(page, "hasb-draws"), "<tr><td"));
    assertTrue(section(page, "hasb-draws").contains("<td class=\"k\">conv2</td><td>3334</td><td>37.0 %</td>"));
    assertTrue(page.contains("(sampling: hasb)"), page);
    String pareto = section(page, "pareto");
    assertEquals(3, count(pareto, "<td class=\"k\">ILP front</td>"));
    assertTrue(pareto.indexOf("<td>3.0</td>") < pareto.indexOf("<td>5.0</td>")
        && pareto.indexOf("<td>5.0</td>") < pareto.indexOf("<td>7.0</td>"), "front sorted by size: " + pareto);
    assertTrue(pareto.contains("<td class=\"k\">conv2:6 conv3:4 dense1:4</td><td>244.1</td><td>310.0 M</td>"
        + "<td>4.10</td><td>91.05 %</td>"), pareto);
    assertTrue(pareto.contains("<td class=\"k\">uniform 8-bit</td>") && pareto.contains("all 2"), pareto);
    assertTrue(pareto.contains("random (5 draws)") && pareto.contains("90.40 &plusmn; 1.00 %"), pareto);
    // The sections' fields are not repeated as JSON in the table of other fields; plain ones stay.
    String other = page.substring(page.indexOf("<h2>Other fields</h2>"));
    for (String field : List.of("layer_traces", "hasb_draws", "pareto", "baselines", "accuracy")) {
      assertTrue(!other.contains("<td class=\"k\">" + field + "</td>"), field + " in other fields: " + other);
    }
    assertTrue(other.contains("<td class=\"k\">sampling</td><td class=\"k\">hasb</td>"), other);

    // The page and its screenshot stay under target/ for a human look at the new sections.
    Path html = Path.of("target", "report-mixed-precision.html");
    Files.writeString(html, page);
    Map<String, String> body = openInChromium(html, 4);
    assertEquals("true", body.get("data-images-loaded"), body.toString());
    assertEquals("0", body.get("data-errors"), body.toString());
    screenshot(html, Path.of("target", "report-mixed-precision-screenshot.png"));
  }

  /**
   * The same sections from Java objects a stage puts into the report (Long, Integer and Float
   * values, immutable and unordered maps, Integer bit-width keys), with training history; traces
   * within one decade get a linear axis, no random allocations.
   */
  @Test
  void syntheticMixedPrecisionReportFromJavaObjectsRenders() {
    List<StepRecord> history = new ArrayList<>();
    for (int s = 1; s <= 20; s++) {
      history.add(new StepRecord(s, 0, new int[] {8, 4}, new double[] {2.0 / s, 2.5 / s}, 1e-3,
          new double[] {1e-3 / s, 1e-4 / s}, 1000 + s, 0.1));
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("accuracy", Map.of("8", 0.91f, "4", 0.90));
    report.put("baselines", Map.of("single-precision", Map.of(8, 0.915, 4, 0.905f)));
    List<Map<String, Object>> traces = new ArrayList<>();
    traces.add(new LinkedHashMap<>(Map.of("name", "conv2", "params", 18432L, "trace", 1.2, "tracePerParam", 6.5e-5f,
        "stdError", 1e-2, "probes", 30, "samples", 512L, "class", "sensitive")));
    traces.add(new LinkedHashMap<>(Map.of("name", "dense1", "params", 100000, "trace", 2.0, "tracePerParam", 2.0e-5,
        "stdError", 3e-2, "probes", 30, "samples", 512, "class", "insensitive")));
    report.put("layer_traces", traces);
    Map<String, Map<Integer, Long>> draws = new java.util.HashMap<>();
    draws.put("conv2", Map.of(8, 30L, 4, 10L));
    draws.put("dense1", Map.of(8, 20L, 4, 20L));
    report.put("hasb_draws", draws);
    Map<String, Integer> layerBits = new java.util.HashMap<>(Map.of("dense1", 4, "conv2", 8));
    report.put("pareto", Map.of("budgetKind", "size",
        "layers", List.of(Map.of("name", "conv2"), Map.of("name", "dense1")),
        "members", List.of(Map.of("budget", 6, "layerBits", layerBits, "sizeBytes", 60000L, "bitOps", 1234L,
            "averageBits", 4.2f, "accuracy", 0.905)),
        "uniform", List.of(Map.of("bits", 8, "sizeBytes", 100000, "accuracy", 0.91),
            Map.of("bits", 4, "sizeBytes", 55000L, "accuracy", 0.90f))));
    String page = RunReportPage.render(RunReport.fromMap(report), history);
    assertEquals(7, count(page, "src=\"data:image/png;base64,"),
        "accuracy, loss, ALRS, images/s, traces, HASB draws, Pareto front");
    assertTrue(page.contains("alt=\"Hessian trace per parameter per layer\""), "span of 3.25: linear axis");
    assertTrue(page.contains("<th>single-precision</th>"), page);
    assertEquals(2, count(section(page, "hasb-draws"), "<tr><td"));
    assertTrue(page.contains("<td class=\"k\">conv2</td><td>40</td><td>75.0 %</td><td>25.0 %</td>"), page);
    String pareto = section(page, "pareto");
    // Layer bits in the order of pareto.layers, whatever the map's order.
    assertTrue(pareto.contains("<td class=\"k\">conv2:8 dense1:4</td><td>58.6</td><td>1.2 k</td><td>4.20</td>"
        + "<td>90.50 %</td>"), pareto);
    assertTrue(!pareto.contains("random"), pareto);
    assertTrue(pareto.indexOf("uniform 4-bit") < pareto.indexOf("uniform 8-bit"), "uniform sorted by size");
  }

  /**
   * Malformed section fields are not drawn and stay visible as data in the table of other fields;
   * a layer whose trace estimate came out negative still gets its bar (linear axis).
   */
  @Test
  void syntheticMalformedMixedPrecisionFieldsStayInOtherFields() {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("accuracy", Map.of("8", 0.91));
    report.put("baselines", Map.of("single-precision", "not a map"));
    report.put("hasb_draws", Map.of("conv2", Map.of("8", 0, "four", 3)));
    report.put("pareto", Map.of("members", List.of(), "uniform", "none"));
    report.put("layer_traces", List.of(Map.of("name", "conv2", "params", 10, "tracePerParam", 1e-3),
        Map.of("name", "conv3", "params", 10, "tracePerParam", -2e-4), Map.of("name", "no-trace"), "junk"));
    String page = RunReportPage.render(RunReport.fromMap(report), List.of());
    assertEquals(2, count(page, "src=\"data:image/png;base64,"), "accuracy and traces only");
    assertTrue(page.contains("alt=\"Hessian trace per parameter per layer\""), "negative trace: linear axis");
    assertEquals(2, count(section(page, "layer-traces"), "<tr><td"));
    assertTrue(!page.contains("id=\"hasb-draws\"") && !page.contains("id=\"pareto\""), page);
    String other = page.substring(page.indexOf("<h2>Other fields</h2>"));
    for (String field : List.of("baselines", "hasb_draws", "pareto")) {
      assertTrue(other.contains("<td class=\"k\">" + field + "</td>"), field + " missing from other fields: " + other);
    }
    assertTrue(!other.contains("<td class=\"k\">layer_traces</td>"), other);
  }

  /** The {@code <table id="...">} element of the page. */
  private static String section(String page, String tableId) {
    int start = page.indexOf("<table id=\"" + tableId + "\">");
    assertTrue(start >= 0, () -> "no table " + tableId + " in the page");
    return page.substring(start, page.indexOf("</table>", start));
  }

  /**
   * Opens {@code html} in headless Chromium and returns the {@code data-*} attributes the page's
   * load handler put on {@code <body>}; asserts the page reports {@code images} images.
   */
  private Map<String, String> openInChromium(Path html, int images) throws IOException, InterruptedException {
    String dom = chromium(html, "--virtual-time-budget=10000", "--dump-dom");
    Matcher m = Pattern.compile("<body([^>]*)>").matcher(dom);
    assertTrue(m.find(), () -> "no <body> in the DOM Chromium dumped:\n" + dom);
    Map<String, String> attrs = new LinkedHashMap<>();
    Matcher a = Pattern.compile("(data-[a-z-]+)=\"([^\"]*)\"").matcher(m.group(1));
    while (a.find()) {
      attrs.put(a.group(1), a.group(2));
    }
    assertTrue(attrs.containsKey("data-images-loaded"), () -> "the page's load handler did not run: " + m.group(0));
    assertEquals(Integer.toString(images), attrs.get("data-image-count"), attrs.toString());
    return attrs;
  }

  private void screenshot(Path html, Path png) throws IOException, InterruptedException {
    Files.createDirectories(png.toAbsolutePath().getParent());
    Files.deleteIfExists(png);
    chromium(html, "--virtual-time-budget=10000", "--screenshot=" + png.toAbsolutePath(), "--window-size=1280,2400");
    assertTrue(Files.size(png) > 10_000, "screenshot " + png + " is too small to show the page");
  }

  private String chromium(Path html, String... command) throws IOException, InterruptedException {
    RequiredPackages.require("chromium");
    List<String> args = new ArrayList<>(List.of(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + Files.createTempDirectory(tmp, "chromium")));
    args.addAll(List.of(command));
    args.add(html.toAbsolutePath().toUri().toString());
    Path stdout = tmp.resolve("chromium.out");
    Path stderr = tmp.resolve("chromium.err");
    Process p = new ProcessBuilder(args).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 90 s: " + args);
    }
    String out = Files.readString(stdout, StandardCharsets.UTF_8);
    String err = Files.readString(stderr, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), () -> "chromium " + args + " failed:\n" + err);
    return out;
  }

  private static int count(String s, String part) {
    int n = 0;
    for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
