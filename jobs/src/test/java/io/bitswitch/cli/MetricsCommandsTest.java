package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.bitswitch.cli.BitswitchCliTest.Run;
import io.bitswitch.testing.RequiredPackages;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands push their job's metrics to a real Pushgateway (Debian's
 * {@code prometheus-pushgateway} on a loopback port): a succeeded {@code pretrain} with its
 * success timestamp, training and accuracy series, a failed {@code evaluate} without one.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class MetricsCommandsTest {
  static final Path PUSHGATEWAY = Path.of("/usr/bin/prometheus-pushgateway");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** The {@code command} grouping key of each command's push, as the Pushgateway writes it before instance. */
  static final String PRETRAIN = "command=\"pretrain\",";
  static final String EVALUATE = "command=\"evaluate\",";

  @TempDir static Path dir;
  static Process pushgateway;
  static String address;

  @BeforeAll
  static void startPushgateway() throws Exception {
    RequiredPackages.require("prometheus-pushgateway", "dataset-fashion-mnist");
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      address = "127.0.0.1:" + probe.getLocalPort();
    }
    Path log = dir.resolve("pushgateway.log");
    // Debian's build persists to /var/lib/prometheus by default: this instance keeps its own file.
    pushgateway = new ProcessBuilder(PUSHGATEWAY.toString(), "--web.listen-address=" + address,
        "--persistence.file=" + dir.resolve("pushgateway.data"))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!pushgateway.isAlive()) {
        fail("the Pushgateway exited with " + pushgateway.exitValue() + ": " + Files.readString(log));
      }
      try {
        if (get("/-/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    fail("the Pushgateway was not ready within 60 s: " + Files.readString(log));
  }

  @AfterAll
  static void stopPushgateway() throws InterruptedException {
    if (pushgateway != null) {
      pushgateway.destroy();
      if (!pushgateway.waitFor(10, TimeUnit.SECONDS)) {
        pushgateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address + path)).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The line of series {@code name} of {@code job} in the Pushgateway's exposition, with extra labels first. */
  static boolean pushed(String exposition, String name, String labelsBeforeInstance, String job) {
    String prefix = name + "{" + labelsBeforeInstance + "instance=\"\",job=\"" + job + "\"";
    return exposition.lines().anyMatch(l -> l.startsWith(prefix));
  }

  @Test
  void aSucceededCommandPushesItsSeriesAndAFailedOneNoSuccessTimestamp() throws Exception {
    Run pretrain = BitswitchCliTest.run("pretrain", "--out", dir.toString(), "--run-id", "fp32", "--master",
        "local[2]", "--set", "data.max-train-examples=256", "--set", "data.max-test-examples=100", "--set",
        "pretrain.batch-size=64", "--set", "evaluate.batch-size=100", "--set", "metrics.job=wired",
        "--set", "metrics.pushgateway=" + address);
    assertEquals(0, pretrain.code(), pretrain::err);
    String metrics = get("/metrics").body();
    for (String name : List.of("bitswitch_job_last_success_timestamp_seconds", "bitswitch_job_duration_seconds",
        "bitswitch_train_step_duration_seconds_count")) {
      assertTrue(pushed(metrics, name, PRETRAIN, "wired"), () -> name + " of job wired:\n" + metrics);
    }
    long steps = Files.readAllLines(dir.resolve("fp32").resolve(Runs.HISTORY_FILE)).size() - 1;
    assertTrue(metrics.contains("bitswitch_train_samples_total{" + PRETRAIN + "instance=\"\",job=\"wired\"} "
        + steps * 64 + "\n"),
        () -> steps + " steps of 64:\n" + metrics);
    assertTrue(pushed(metrics, "bitswitch_eval_accuracy_ratio", "bits=\"32\"," + PRETRAIN, "wired"), metrics);
    assertTrue(pushed(metrics, "bitswitch_train_loss", "bits=\"32\"," + PRETRAIN, "wired"), metrics);
    assertTrue(metrics.contains("bitswitch_build_info{" + PRETRAIN + "instance=\"\",job=\"wired\",version=\""
        + BitswitchCli.version() + "\"} 1"), metrics);

    Run evaluate = BitswitchCliTest.run("evaluate", "--master", "local[2]", "--bundle",
        dir.resolve("absent").toString(), "--set", "metrics.job=wired-failed", "--set",
        "metrics.pushgateway=" + address);
    assertEquals(2, evaluate.code(), evaluate::err);
    String afterFailure = get("/metrics").body();
    assertTrue(pushed(afterFailure, "bitswitch_job_duration_seconds", EVALUATE, "wired-failed"), afterFailure);
    assertFalse(pushed(afterFailure, "bitswitch_job_last_success_timestamp_seconds", EVALUATE, "wired-failed"),
        afterFailure);
    assertTrue(pushed(afterFailure, "bitswitch_job_last_failure_timestamp_seconds", EVALUATE, "wired-failed"),
        afterFailure);
  }
}
