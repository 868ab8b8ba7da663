package io.bitswitch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.BitswitchException;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The job registry as its live endpoint serves it: every docs/design/architecture.md §6 name, with the values of a step. */
class JobMetricsTest {
  /** docs/design/architecture.md §6, as the series a query selects. */
  static final List<String> ARCHITECTURE_SERIES = List.of("bitswitch_train_loss", "bitswitch_eval_accuracy_ratio",
      "bitswitch_scale_learning_rate", "bitswitch_train_samples_total", "bitswitch_train_step_duration_seconds_bucket",
      "bitswitch_train_step_duration_seconds_count", "bitswitch_train_step_duration_seconds_sum",
      "bitswitch_hasb_layer_bits_total", "bitswitch_checkpoint_write_duration_seconds_count",
      "bitswitch_checkpoint_size_bytes", "bitswitch_job_last_success_timestamp_seconds",
      "bitswitch_job_duration_seconds", "bitswitch_build_info", "bitswitch_task_retries_total");
  /** Resources: JVM heap and GC, ND4J off-heap. */
  static final List<String> PROCESS_SERIES = List.of("jvm_memory_used_bytes", "jvm_gc_collection_seconds_count",
      "bitswitch_offheap_bytes");

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static JobMetrics.Settings loopback(String job, Optional<String> pushgateway) {
    return new JobMetrics.Settings(job, "train", "test", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        pushgateway);
  }

  static String scrape(int port) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r::body);
    return r.body();
  }

  /** Series names of a text exposition. */
  static Set<String> seriesNames(String exposition) {
    Set<String> names = new TreeSet<>();
    exposition.lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
        .forEach(l -> names.add(l.split("[{ ]", 2)[0]));
    return names;
  }

  static TrainingStep step(int step) {
    return new TrainingStep(new int[] {32, 8, 4}, new double[] {0.25, 0.5, 0.75}, 1e-3,
        new double[] {Double.NaN, 2e-4, 3e-4}, 128.0, 0.5);
  }

  @Test
  void theLiveEndpointServesEveryArchitectureNameAndTheProcessMetrics() throws Exception {
    try (JobMetrics metrics = JobMetrics.start(loopback("unit", Optional.empty()))) {
      String running = scrape(metrics.httpPort());
      assertFalse(running.contains("bitswitch_job_last_success_timestamp_seconds"),
          "a running job has no success timestamp");

      metrics.step(step(1));
      metrics.step(step(2));
      metrics.checkpointWritten(2, 0.2, 4096);
      metrics.taskRetried();
      metrics.recordAccuracy(Map.of("32", 0.91, "8", 0.9, "4", 0.85));
      metrics.hasbDraw(8, 4, 4);
      metrics.succeeded();
      String text = scrape(metrics.httpPort());
      Set<String> served = seriesNames(text);
      for (String name : ARCHITECTURE_SERIES) {
        assertTrue(served.contains(name), () -> name + " is served:\n" + text);
      }
      for (String name : PROCESS_SERIES) {
        assertTrue(served.contains(name), () -> name + " is served:\n" + text);
      }
      Set<String> listed = MetricNames.exported();
      for (String name : served) {
        assertTrue(listed.contains(name), () -> name + " is served but not in MetricNames.exported() " + listed);
      }

      assertTrue(text.contains("bitswitch_train_loss{bits=\"8\"} 0.5\n"), text);
      assertTrue(text.contains("bitswitch_train_loss{bits=\"32\"} 0.25\n"), text);
      assertTrue(text.contains("bitswitch_scale_learning_rate{bits=\"4\"} 3.0E-4\n"), text);
      assertFalse(text.contains("bitswitch_scale_learning_rate{bits=\"32\"}"), "no ALRS rate for FP32");
      assertTrue(text.contains("bitswitch_train_samples_total 128.0\n"), "2 steps of 64 examples:\n" + text);
      assertTrue(text.contains("bitswitch_train_step_duration_seconds_count 2\n"), text);
      assertTrue(text.contains("bitswitch_checkpoint_size_bytes 4096.0\n"), text);
      assertTrue(text.contains("bitswitch_task_retries_total 1.0\n"), text);
      assertTrue(text.contains("bitswitch_eval_accuracy_ratio{bits=\"4\"} 0.85\n"), text);
      assertTrue(text.contains("bitswitch_hasb_layer_bits_total{bits=\"4\"} 2.0\n"), text);
      assertTrue(text.contains("bitswitch_build_info{version=\"test\"} 1\n"), text);
      double lastSuccess = value(text, "bitswitch_job_last_success_timestamp_seconds");
      assertTrue(Math.abs(lastSuccess - System.currentTimeMillis() / 1000.0) < 60, text);
      assertTrue(value(text, "bitswitch_job_duration_seconds") > 0, text);
    }
  }

  @Test
  void closingStopsTheEndpoint() {
    JobMetrics metrics = JobMetrics.start(loopback("unit", Optional.empty()));
    int port = metrics.httpPort();
    assertTrue(port > 0);
    metrics.close();
    assertThrows(IOException.class, () -> scrape(port));
  }

  @Test
  void noEndpointWhenNoAddressIsGiven() {
    try (JobMetrics metrics = JobMetrics.start(new JobMetrics.Settings("unit", "train", "test", null, Optional.empty()))) {
      assertEquals(0, metrics.httpPort());
    }
  }

  @Test
  void aBusyPortIsAnErrorThatNamesTheAddress() throws IOException {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), busy.getLocalPort());
      BitswitchException e = assertThrows(BitswitchException.class,
          () -> JobMetrics.start(new JobMetrics.Settings("unit", "train", "test", address, Optional.empty())));
      assertTrue(e.getMessage().contains(":" + busy.getLocalPort()), e.getMessage());
    }
  }

  @Test
  void metricNamesListTheArchitectureNamesAndFamilies() {
    Set<String> exported = MetricNames.exported();
    assertTrue(exported.containsAll(ARCHITECTURE_SERIES), exported::toString);
    assertTrue(exported.containsAll(PROCESS_SERIES), exported::toString);
    assertTrue(exported.contains("bitswitch_checkpoint_write_duration_seconds_bucket"), exported::toString);
    assertFalse(exported.contains("bitswitch_train_step_duration_seconds"), "a histogram is queried by its series");
    Set<String> families = MetricNames.families();
    assertTrue(families.contains("bitswitch_train_step_duration_seconds"), families::toString);
    assertTrue(families.contains("bitswitch_train_samples_total"), families::toString);
    assertTrue(families.contains("bitswitch_build_info"), families::toString);
  }

  @Test
  void theOutcomeSeriesAppearOnlyWithTheirOutcome() throws Exception {
    double before = System.currentTimeMillis() / 1000.0;
    JobMetrics metrics = JobMetrics.start(loopback("unit", Optional.empty()));
    String running = scrape(metrics.httpPort());
    assertTrue(value(running, "bitswitch_job_last_attempt_timestamp_seconds") >= Math.floor(before), running);
    for (String name : List.of("bitswitch_gates_passed", "bitswitch_job_last_failure_timestamp_seconds",
        "bitswitch_job_last_success_timestamp_seconds")) {
      assertFalse(running.contains(name), () -> "a running job has no " + name + ":\n" + running);
    }
    metrics.gatesChecked(false);
    assertEquals(0.0, value(scrape(metrics.httpPort()), "bitswitch_gates_passed"));
    metrics.gatesChecked(true);
    assertEquals(1.0, value(scrape(metrics.httpPort()), "bitswitch_gates_passed"));
    metrics.close();
    String closed = text(metrics);
    assertTrue(value(closed, "bitswitch_job_last_failure_timestamp_seconds") >= Math.floor(before),
        "closed without succeeded(): a failure\n" + closed);
    assertFalse(closed.contains("bitswitch_job_last_success_timestamp_seconds"), closed);
  }

  @Test
  void aSucceededJobHasNoFailureTimestamp() {
    JobMetrics metrics = JobMetrics.start(new JobMetrics.Settings("unit", "evaluate", "test", null, Optional.empty()));
    metrics.succeeded();
    metrics.close();
    String closed = text(metrics);
    assertTrue(closed.contains("bitswitch_job_last_success_timestamp_seconds"), closed);
    assertFalse(closed.contains("bitswitch_job_last_failure_timestamp_seconds"), closed);
    assertFalse(closed.contains("bitswitch_gates_passed"), "no gates were checked:\n" + closed);
  }

  @Test
  void anUnreachablePushgatewayCostsBoundedTimeAndNoException() throws IOException {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    PushRetry retry = new PushRetry(3, Duration.ofMillis(10), Duration.ofSeconds(5));
    JobMetrics metrics = new JobMetrics(new JobMetrics.Settings("unit", "train", "test", null,
        Optional.of("127.0.0.1:" + closedPort)), retry);
    long start = System.nanoTime();
    metrics.close();
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos(), "bounded");
  }

  @Test
  void aBlankCommandIsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> new JobMetrics.Settings("unit", " ", "test", null, Optional.empty()));
  }

  /** The text exposition of what the live endpoint serves, read from the registry directly. */
  static String text(JobMetrics metrics) {
    return PrometheusTextFormatWriter.create().toDebugString(metrics.registry().scrape());
  }

  /** The value of the unlabelled series {@code name}. */
  static double value(String exposition, String name) {
    return exposition.lines().filter(l -> l.startsWith(name + " ")).findFirst()
        .map(l -> Double.parseDouble(l.substring(name.length() + 1).trim().split(" ")[0]))
        .orElseThrow(() -> new AssertionError(name + " is not in\n" + exposition));
  }
}
