package io.bitswitch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.spark.SparkSessions;
import io.bitswitch.testing.RequiredPackages;
import io.bitswitch.train.Checkpointing;
import io.bitswitch.train.MetricsListener;
import io.bitswitch.train.StageContext;
import io.bitswitch.train.StageOutcome;
import io.bitswitch.train.StageSetup;
import io.bitswitch.train.TrainOptions;
import io.bitswitch.train.TrainStage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics of a short {@code train} with the real Debian servers on loopback ports: Prometheus
 * scrapes the job's live endpoint while it runs, and after the job the series it pushed are in the
 * Pushgateway and answer a Prometheus query (Prometheus scrapes the Pushgateway with
 * {@code honor_labels}, as in production).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class PrometheusIntegrationTest {
  static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  static final Path PUSHGATEWAY = Path.of("/usr/bin/prometheus-pushgateway");
  static final String DATA = "/usr/share/datasets/fashion-mnist";
  /** Prometheus's scrape job for the live endpoint. */
  static final String LIVE_JOB = "bitswitch-live";
  static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static int livePort;
  static ServerProcess pushgateway;
  static ServerProcess prometheus;
  static String pushgatewayAddress;
  static URI prometheusUri;

  @BeforeAll
  static void startServers() throws Exception {
    RequiredPackages.require("prometheus", "prometheus-pushgateway", "dataset-fashion-mnist");
    int pushgatewayPort = ServerProcess.freeLoopbackPort();
    pushgatewayAddress = "127.0.0.1:" + pushgatewayPort;
    pushgateway = ServerProcess.start("pushgateway", PUSHGATEWAY, "prometheus-pushgateway",
        // Debian's build persists to /var/lib/prometheus by default: this instance keeps its own file.
        List.of("--web.listen-address=" + pushgatewayAddress,
            "--persistence.file=" + dir.resolve("pushgateway.data")),
        URI.create("http://" + pushgatewayAddress + "/-/ready"), dir.resolve("pushgateway.log"));

    livePort = ServerProcess.freeLoopbackPort();
    int prometheusPort = ServerProcess.freeLoopbackPort();
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, String.join("\n",
        "global:",
        "  scrape_interval: 1s",
        "  scrape_timeout: 1s",
        "  evaluation_interval: 1s",
        "scrape_configs:",
        "  - job_name: " + LIVE_JOB,
        "    static_configs:",
        "      - targets: ['127.0.0.1:" + livePort + "']",
        "  - job_name: pushgateway",
        "    honor_labels: true",
        "    static_configs:",
        "      - targets: ['" + pushgatewayAddress + "']",
        ""));
    Files.createDirectories(dir.resolve("tsdb"));
    prometheusUri = URI.create("http://127.0.0.1:" + prometheusPort);
    prometheus = ServerProcess.start("prometheus", PROMETHEUS, "prometheus",
        List.of("--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("tsdb"),
            "--web.listen-address=127.0.0.1:" + prometheusPort),
        prometheusUri.resolve("/-/ready"), dir.resolve("prometheus.log"));
  }

  @AfterAll
  static void stopServers() throws InterruptedException {
    if (prometheus != null) {
      prometheus.close();
    }
    if (pushgateway != null) {
      pushgateway.close();
    }
  }

  @Test
  void aTrainingJobIsScrapedWhileItRunsAndItsPushedSeriesAnswerQueries() throws Exception {
    String job = "bitswitch-it";
    InetSocketAddress live = new InetSocketAddress(InetAddress.getLoopbackAddress(), livePort);
    StageSetup setup = new StageSetup("fmnist-cnn", "", 3, DATA, 2, 1024, 200, 100);
    TrainOptions options = new TrainOptions(1, 64, 2e-3, 5e-5, true,
        io.bitswitch.train.ScaleParameterisation.LOG, io.bitswitch.train.Distillation.NONE, 0.1, 3, 1000);
    Checkpointing checkpointing = new Checkpointing(dir.resolve("state").toUri().toString(), 8, false);
    long trainedExamples;
    SparkSession spark = SparkSessions.create("local[2]", "bitswitch-metrics-test", Map.of());
    try (JobMetrics metrics = JobMetrics.start(new JobMetrics.Settings(job, "train", "test", live,
        Optional.of(pushgatewayAddress)))) {
      StageOutcome outcome = TrainStage.run(new StageContext(spark, setup,
          new PrintStream(OutputStream.nullOutputStream()), MetricsListener.of(metrics)), options, BitWidthSet.of(8, 4), null,
          dir.resolve("bundle").toUri().toString(), checkpointing);
      trainedExamples = outcome.history().size() * 64L;
      metrics.recordAccuracy(outcome.accuracy());
      // The endpoint is up until close(): wait for a scrape that saw the whole training.
      // The live series have no command label: that tells them from pushed copies (k8s/ queries).
      JsonNode scraped = awaitQuery("bitswitch_train_samples_total{job=\"" + LIVE_JOB + "\", command=\"\"}",
          r -> r.size() == 1 && value(r.get(0)) == trainedExamples);
      assertEquals("127.0.0.1:" + livePort, scraped.get(0).get("metric").get("instance").asText());
      awaitQuery("up{job=\"" + LIVE_JOB + "\"} == 1", r -> r.size() == 1);
      metrics.gatesChecked(true);
      metrics.succeeded();
    } finally {
      spark.stop();
    }

    String pushed = ServerProcess.get(URI.create("http://" + pushgatewayAddress + "/metrics")).body();
    double lastSuccess = series(pushed, "bitswitch_job_last_success_timestamp_seconds", job)
        .orElseGet(() -> fail("no success timestamp of job " + job + " in the Pushgateway:\n" + pushed));
    assertTrue(Math.abs(lastSuccess - System.currentTimeMillis() / 1000.0) < 600, pushed);
    assertEquals(Optional.of((double) trainedExamples), series(pushed, "bitswitch_train_samples_total", job), pushed);
    assertEquals(Optional.of(2.0), series(pushed, "bitswitch_checkpoint_write_duration_seconds_count", job),
        "checkpoints at steps 8 and 16:\n" + pushed);
    assertTrue(series(pushed, "bitswitch_checkpoint_size_bytes", job).orElse(0.0) > 1000, pushed);
    assertTrue(series(pushed, "bitswitch_job_duration_seconds", job).orElse(0.0) > 0, pushed);
    assertTrue(pushed.contains("bitswitch_eval_accuracy_ratio{bits=\"4\",command=\"train\",instance=\"\",job=\""
        + job + "\"}"), pushed);
    assertTrue(pushed.contains("bitswitch_build_info{command=\"train\",instance=\"\",job=\"" + job
        + "\",version=\"test\"} 1"), pushed);
    assertEquals(Optional.of(1.0), series(pushed, "bitswitch_gates_passed", job), pushed);
    assertTrue(series(pushed, "bitswitch_job_last_attempt_timestamp_seconds", job).orElse(0.0) <= lastSuccess,
        pushed);
    assertEquals(Optional.empty(), series(pushed, "bitswitch_job_last_failure_timestamp_seconds", job), pushed);
    assertFalse(pushed.contains("jvm_memory_used_bytes"), "process metrics stay on the live endpoint:\n" + pushed);

    // Selected by the pushed job and command labels (honor_labels keeps them rather than the scrape job's), with
    // the pushed value; the queries of k8s/ select the nightly train this way.
    awaitQuery("bitswitch_job_last_success_timestamp_seconds{job=\"" + job + "\", command=\"train\"}",
        r -> r.size() == 1 && value(r.get(0)) == lastSuccess);
    awaitQuery("bitswitch_gates_passed{job=\"" + job + "\", command=\"train\"} == 1", r -> r.size() == 1);
    awaitQuery("bitswitch_job_last_attempt_timestamp_seconds{job=\"" + job + "\", command=\"train\"}",
        r -> r.size() == 1);
  }

  @Test
  void aFailedJobPushesNoSuccessTimestampAndLeavesThePreviousOne() throws Exception {
    String job = "bitswitch-it-failure";
    try (JobMetrics succeeded = JobMetrics.start(new JobMetrics.Settings(job, "train", "test", null,
        Optional.of(pushgatewayAddress)))) {
      succeeded.succeeded();
    }
    String afterSuccess = ServerProcess.get(URI.create("http://" + pushgatewayAddress + "/metrics")).body();
    double lastSuccess = series(afterSuccess, "bitswitch_job_last_success_timestamp_seconds", job)
        .orElseGet(() -> fail("no success timestamp of job " + job + ":\n" + afterSuccess));

    Thread.sleep(20);
    try (JobMetrics failed = JobMetrics.start(new JobMetrics.Settings(job, "train", "test", null,
        Optional.of(pushgatewayAddress)))) {
      failed.step(JobMetricsTest.step(1));
      failed.gatesChecked(false);
      // no succeeded(): the job failed
    }
    String afterFailure = ServerProcess.get(URI.create("http://" + pushgatewayAddress + "/metrics")).body();
    assertEquals(Optional.of(lastSuccess), series(afterFailure, "bitswitch_job_last_success_timestamp_seconds", job),
        afterFailure);
    assertEquals(Optional.of(64.0), series(afterFailure, "bitswitch_train_samples_total", job),
        "the failed run's series replaced the earlier ones:\n" + afterFailure);
    assertEquals(Optional.of(0.0), series(afterFailure, "bitswitch_gates_passed", job), afterFailure);
    double lastFailure = series(afterFailure, "bitswitch_job_last_failure_timestamp_seconds", job)
        .orElseGet(() -> fail("no failure timestamp of job " + job + ":\n" + afterFailure));
    assertTrue(lastFailure >= lastSuccess, afterFailure);
    awaitQuery("bitswitch_job_last_failure_timestamp_seconds{job=\"" + job + "\", command=\"train\"}",
        r -> r.size() == 1 && value(r.get(0)) == lastFailure);
    awaitQuery("bitswitch_gates_passed{job=\"" + job + "\", command=\"train\"} == 0", r -> r.size() == 1);
  }

  @Test
  void anAdHocEvaluateUnderTheSameJobLeavesTheNightlyTrainsSeriesAlone() throws Exception {
    String job = "bitswitch-it-commands";
    try (JobMetrics train = JobMetrics.start(new JobMetrics.Settings(job, "train", "test", null,
        Optional.of(pushgatewayAddress)))) {
      train.step(JobMetricsTest.step(1));
      train.succeeded();
    }
    String afterTrain = ServerProcess.get(URI.create("http://" + pushgatewayAddress + "/metrics")).body();
    double trainSuccess = series(afterTrain, "bitswitch_job_last_success_timestamp_seconds", job)
        .orElseGet(() -> fail("no success timestamp of train:\n" + afterTrain));

    Thread.sleep(20);
    try (JobMetrics evaluate = JobMetrics.start(new JobMetrics.Settings(job, "evaluate", "test", null,
        Optional.of(pushgatewayAddress)))) {
      evaluate.recordAccuracy(Map.of("8", 0.5));
      // no succeeded(): the ad-hoc evaluate failed
    }
    String afterEvaluate = ServerProcess.get(URI.create("http://" + pushgatewayAddress + "/metrics")).body();
    assertEquals(Optional.of(trainSuccess), series(afterEvaluate, "bitswitch_job_last_success_timestamp_seconds",
        job), afterEvaluate);
    assertEquals(Optional.empty(), series(afterEvaluate, "bitswitch_job_last_failure_timestamp_seconds", job),
        "the evaluate's failure is its own:\n" + afterEvaluate);
    assertEquals(Optional.of(64.0), series(afterEvaluate, "bitswitch_train_samples_total", job), afterEvaluate);
    assertTrue(series(afterEvaluate, "bitswitch_job_last_failure_timestamp_seconds", job, "evaluate").isPresent(),
        afterEvaluate);
    // What the alert on the nightly run selects: the train's success only.
    awaitQuery("bitswitch_job_last_success_timestamp_seconds{job=\"" + job + "\", command=\"train\"}",
        r -> r.size() == 1 && value(r.get(0)) == trainSuccess);
    awaitQuery("bitswitch_job_last_failure_timestamp_seconds{job=\"" + job + "\"}",
        r -> r.size() == 1 && "evaluate".equals(r.get(0).get("metric").path("command").asText()));
  }

  /** The value of the {@code train} push's series {@code name} of {@code job} without labels of its own. */
  static Optional<Double> series(String exposition, String name, String job) {
    return series(exposition, name, job, "train");
  }

  /**
   * The value of the unlabelled-but-for-the-grouping-keys series {@code name} in a Pushgateway's
   * exposition, pushed by {@code command} of {@code job}.
   */
  static Optional<Double> series(String exposition, String name, String job, String command) {
    String prefix = name + "{command=\"" + command + "\",instance=\"\",job=\"" + job + "\"} ";
    return exposition.lines().filter(l -> l.startsWith(prefix)).findFirst()
        .map(l -> Double.parseDouble(l.substring(prefix.length()).trim()));
  }

  static double value(JsonNode sample) {
    return Double.parseDouble(sample.get("value").get(1).asText());
  }

  /** Polls a Prometheus instant query until its result vector satisfies {@code done}, for at most {@link #WAIT}. */
  static JsonNode awaitQuery(String query, Predicate<JsonNode> done) throws IOException, InterruptedException {
    URI uri = prometheusUri.resolve("/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + WAIT.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      HttpResponse<String> response = ServerProcess.get(uri);
      last = response.body();
      JsonNode body = JSON.readTree(last);
      if (response.statusCode() == 200 && "success".equals(body.path("status").asText())) {
        JsonNode result = body.get("data").get("result");
        if (done.test(result)) {
          return result;
        }
      }
      Thread.sleep(250);
    }
    return fail("Prometheus query " + query + " did not give the expected answer within " + WAIT + "; last: " + last
        + "\n" + prometheus.logTail());
  }
}
