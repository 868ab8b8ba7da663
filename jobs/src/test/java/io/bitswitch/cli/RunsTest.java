package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.InvalidInputException;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.metrics.JobMetrics;
import io.bitswitch.report.RunReport;
import io.bitswitch.train.StageSetup;
import io.bitswitch.train.TrainOptions;
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
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunsTest {
  @TempDir Path dir;

  private static BitswitchConfig config(String... sets) {
    return BitswitchConfig.load(Optional.empty(), List.of(sets));
  }

  @Test
  void setupCarriesModelDataAndEvaluationSettings() {
    StageSetup setup = Runs.setup(config("seed=7", "data.partitions=3", "data.max-train-examples=100",
        "data.max-test-examples=50", "evaluate.batch-size=25", "model.architecture=resnet20"), "hdfs:///d");
    assertEquals(new StageSetup("resnet20", "", 7, "hdfs:///d", 3, 100, 50, 25), setup);
  }

  @Test
  void customArchitectureReadsItsConfigurationFile() throws IOException {
    Path json = Files.writeString(dir.resolve("net.json"), "{\"confs\": []}");
    assertEquals("{\"confs\": []}",
        Runs.setup(config("model.architecture=custom", "model.config=\"" + json + "\""), "d").userConfigJson());
    String message = assertThrows(InvalidInputException.class, () -> Runs.setup(
        config("model.architecture=custom", "model.config=\"" + dir.resolve("none.json") + "\""), "d")).getMessage();
    assertTrue(message.startsWith("bitswitch.model.config: cannot read"), message);
  }

  @Test
  void optionsOfEachStageComeFromTheirSections() {
    BitswitchConfig c = config("seed=9", "pretrain.epochs=3", "pretrain.batch-size=32", "pretrain.lr=0.01",
        "pretrain.weight-decay=0", "train.epochs=4", "train.batch-size=64", "train.lr=0.002", "train.warmup-steps=7", "train.alrs=false",
        "train.update-mode=sequential", "train.scale-param=log", "train.distill=none", "train.distill-weight=0.3",
        "train.distill-temperature=2", "train.bn-momentum=0.2", "train.log-every=5");
    assertEquals(TrainOptions.floatingPoint(3, 32, 0.01, 0, 0.2, 9, 5), Runs.pretrainOptions(c));
    assertEquals(new TrainOptions(4, 64, 0.002, 7, 5e-5, false, io.bitswitch.train.ScaleParameterisation.LOG,
        io.bitswitch.train.Distillation.NONE, 0.2, 9, 5, io.bitswitch.data.Augmentation.NONE),
        Runs.trainOptions(c));
    assertEquals(new io.bitswitch.train.Distillation(0.5, 1), Runs.trainOptions(config()).distillation());
    assertTrue(Runs.trainOptions(config()).alrs());
  }

  @Test
  void metricsServeOnTheConfiguredPortAndCarryTheVersion() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    try (JobMetrics metrics = Runs.startMetrics(config("metrics.port=" + port), "train")) {
      assertEquals(port, metrics.httpPort());
      HttpResponse<String> scraped = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(scraped.body().contains("bitswitch_build_info{version=\"" + BitswitchCli.version() + "\"} 1"),
          scraped.body());
    }
    try (JobMetrics metrics = Runs.startMetrics(config(), "train")) {
      assertEquals(0, metrics.httpPort(), "port 0 disables the endpoint");
    }
  }

  @Test
  void runDirectoriesWorkForUrisAndPaths() {
    assertEquals("runs/r1", Runs.runDir("runs", "r1"));
    assertEquals("hdfs://nn:8020/bitswitch/runs/r1/bundle",
        Runs.child(Runs.runDir("hdfs://nn:8020/bitswitch/runs/", "r1"), Runs.BUNDLE_DIR));
  }

  @Test
  void reportStartsWithAccuracyAndNamesTheConventions() {
    Map<String, Object> report = Runs.report(Map.of("8", 0.9), new RunReport.Fields().stage("train"), config())
        .toJson();
    assertEquals(List.of("accuracy", "stage", "seed", "quantize_first_last", "update_mode", "warmup_steps", "alrs",
        "scale_param", "distill", "weight_init"), List.copyOf(report.keySet()));
  }

  @Test
  void pretrainReportNamesOnlyTheConventionsOfFloatingPointTraining() {
    Map<String, Object> report = Runs.pretrainReport(Map.of("32", 0.9), new RunReport.Fields().stage("pretrain"),
        config()).toJson();
    assertEquals(List.of("accuracy", "stage", "seed", "weight_init"), List.copyOf(report.keySet()));
  }
}
