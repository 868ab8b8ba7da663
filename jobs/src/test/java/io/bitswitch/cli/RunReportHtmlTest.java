package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.cli.BitswitchCliTest.Run;
import io.bitswitch.train.StepRecord;
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
 * {@code .ci/run} installs): the page of a small real {@code demo} run loads without errors and
 * every embedded chart decodes; its screenshot stays at {@code target/report-screenshot.png}.
 *
 * <p>The demo run is left at {@value #RUN_DIR} (relative to the jobs module), where the notebooks
 * find it by default.
 */
class RunReportHtmlTest {
  static final String CHROMIUM = "/usr/bin/chromium";
  /** The small run the suite leaves for the notebooks. */
  static final String RUN_DIR = "target/report-run/demo";

  @TempDir Path tmp;

  @Test
  void demoRunReportRendersInChromium() throws Exception {
    assertTrue(Files.isDirectory(Path.of(CommonOptions.DEFAULT_DATASET_DIR)),
        "dataset-fashion-mnist must be installed (.ci/run does)");
    Path out = Path.of(RUN_DIR).getParent().toAbsolutePath();
    deleteRecursively(out);
    Run demo = BitswitchCliTest.run("demo", "--out", out.toString(), "--run-id", "demo", "--master", "local[2]",
        "--set", "data.max-train-examples=384", "--set", "data.max-test-examples=200", "--set",
        "pretrain.batch-size=64", "--set", "train.batch-size=64", "--set", "train.bits=[4,2]", "--set",
        "evaluate.batch-size=100", "--set", "pretrain.epochs=1");
    assertEquals(0, demo.code(), () -> "demo failed\nstderr: " + demo.err());
    Path runDir = out.resolve("demo");
    Path html = runDir.resolve(RunReportHtml.FILE);
    assertTrue(Files.exists(html), "demo must write " + html);
    String page = Files.readString(html);
    assertTrue(page.contains("<td>FP32</td>") && page.contains("<td>4</td>") && page.contains("<td>2</td>"), page);
    assertTrue(page.contains("deployed size (bytes)"), "the demo report has sizes");
    assertTrue(!page.contains("src=\"http") && !page.contains("href=\"http"), "self-contained: no network");
    // The pretrain stage's run directory gets its page too (FP32 only: no ALRS chart).
    assertTrue(Files.exists(runDir.resolve("pretrain").resolve(RunReportHtml.FILE)));

    Map<String, String> body = openInChromium(html, 4);
    assertEquals("true", body.get("data-images-loaded"), body.toString());
    assertEquals("0", body.get("data-errors"), body.toString());
    screenshot(html, Path.of("target", "report-screenshot.png"));
    executeNotebooks(runDir);
  }

  /**
   * The notebooks under {@code notebooks/} execute without error against this run (Debian's
   * {@code jupyter nbconvert}, which {@code .ci/run} installs), and git keeps them without outputs.
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
        throw new AssertionError("jupyter is not installed (apt-get install jupyter-nbconvert python3-ipykernel "
            + "python3-pandas python3-matplotlib; .ci/run does)", e);
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
    String page = RunReportHtml.render(report, List.of());
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
    String page = RunReportHtml.render(report, history);
    assertEquals(4, count(page, "src=\"data:image/png;base64,"), "accuracy, loss, ALRS, images/s");
    assertTrue(page.contains("ALRS scale learning rate"), page);
    report.put("alrs", false);
    assertTrue(RunReportHtml.render(report, history).contains("ALRS off: the base rate"));
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
    assertTrue(Files.isExecutable(Path.of(CHROMIUM)),
        CHROMIUM + " is missing: install Debian's chromium (apt-get install chromium; .ci/run does)");
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
