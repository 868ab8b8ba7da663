package io.bitswitch.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.cli.CommonOptions;
import io.bitswitch.testing.RequiredPackages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production path (docs/design/architecture.md §4, §7): the shaded {@code bitswitch-jobs-*-spark.jar} runs
 * {@code train} and then {@code evaluate} under {@code spark-submit} in client mode on a real
 * standalone cluster of one master and two one-core workers on 127.0.0.1, with one executor per
 * worker. The cluster's JVMs and the driver's have Spark's jars only; bitswitch and DL4J come from
 * the application jar. Runs in {@code mvn verify} (maven-failsafe-plugin), after the jar is built;
 * alone: {@code mvn -B verify -pl jobs -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=StandaloneClusterIT}, with {@code -Dbitswitch.it.keep-logs=DIR} to keep the master's,
 * workers', drivers' and executors' logs.
 */
@Tag("cluster")
class StandaloneClusterIT {
  static final String MAIN_CLASS = "io.bitswitch.cli.BitswitchCli";
  private static final Duration CLUSTER_START = Duration.ofSeconds(60);
  /** Generous: two cores, shared with whatever else the machine runs. */
  private static final Duration TRAIN_TIMEOUT = Duration.ofMinutes(15);
  private static final Duration EVALUATE_TIMEOUT = Duration.ofMinutes(8);

  @TempDir Path dir;

  @Test
  @Timeout(value = 35, unit = java.util.concurrent.TimeUnit.MINUTES)
  void trainAndEvaluateThroughSparkSubmitOnTwoWorkers() throws Exception {
    RequiredPackages.require("dataset-fashion-mnist");
    Path data = Path.of(CommonOptions.DEFAULT_DATASET_DIR);
    Path sparkJar = Path.of(required("bitswitch.it.spark-jar"));
    assertTrue(Files.isRegularFile(sparkJar), sparkJar + " exists (built by the package phase; not with "
        + "-Dbitswitch.shade.skip=true)");
    List<Path> classpath = LocalSparkCluster.readClasspathFile(Path.of(required("bitswitch.it.classpath-file")));
    List<String> javaOptions = Arrays.stream(required("bitswitch.it.java-options").trim().split("\\s+")).toList();

    Path runs = Files.createDirectories(dir.resolve("runs"));
    try (LocalSparkCluster cluster = new LocalSparkCluster(dir.resolve("cluster"), classpath, javaOptions)) {
      assertSparkHomeHoldsNoApplicationJar(cluster.sparkHome());
      cluster.start(2, 1, "3g", CLUSTER_START);

      LocalSparkCluster.Result train = cluster.submit("train", submitArgs(cluster, sparkJar, "train", "--data",
          data.toString(), "--out", runs.toString(), "--run-id", "cl", "--set", "data.max-train-examples=512",
          "--set", "data.max-test-examples=256", "--set", "train.batch-size=64", "--set", "train.bits=[8,4]"),
          "2g", TRAIN_TIMEOUT);
      assertEquals(0, train.code(), () -> "train under spark-submit: " + train.describe());
      Path runDir = runs.resolve("cl");
      List<String> trainOut = train.out().lines().filter(l -> !l.isBlank()).toList();
      assertFalse(trainOut.isEmpty(), train::describe);
      assertEquals(runDir.toString(), trainOut.get(trainOut.size() - 1), "train prints its run directory last");
      Path bundle = runDir.resolve("bundle");
      assertTrue(Files.isRegularFile(bundle.resolve(Bundle.MANIFEST_FILE)), "the bundle is published");
      JsonNode trained = json(runDir.resolve("report.json")).get("accuracy");

      Path evalJson = dir.resolve("eval.json");
      LocalSparkCluster.Result evaluate = cluster.submit("evaluate", submitArgs(cluster, sparkJar, "evaluate",
          "--bundle", bundle.toString(), "--bits", "8,4", "--data", data.toString(), "--set",
          "data.max-test-examples=256", "--json", evalJson.toString()), "2g", EVALUATE_TIMEOUT);
      assertEquals(0, evaluate.code(), () -> "evaluate under spark-submit: " + evaluate.describe());
      JsonNode evaluated = json(evalJson).get("accuracy");
      for (String bits : List.of("8", "4")) {
        assertTrue(evaluated.has(bits), () -> "accuracy at " + bits + " bits in " + evaluated);
        double accuracy = evaluated.get(bits).asDouble();
        assertTrue(accuracy >= 0 && accuracy <= 1, () -> bits + "-bit accuracy " + accuracy);
        // The published integer codes, evaluated on the same test examples, give what training measured.
        assertEquals(trained.get(bits).asDouble(), accuracy, 1e-9, () -> bits + "-bit accuracy: report " + trained
            + ", evaluate " + evaluated);
      }

      String trainApp = assertRanOnTheCluster(cluster, "bitswitch train");
      String evaluateApp = assertRanOnTheCluster(cluster, "bitswitch evaluate");

      // The same train again, with worker 0's executor killed mid-stage: Spark retries its tasks on
      // a new executor and the model is the same (docs/RELIABILITY.md).
      ExecutorKiller killer = new ExecutorKiller(cluster, 0);
      killer.start();
      LocalSparkCluster.Result retried = cluster.submit("train-executor-killed", submitArgs(cluster, sparkJar,
          "train", "--data", data.toString(), "--out", runs.toString(), "--run-id", "cl-killed", "--set",
          "data.max-train-examples=512", "--set", "data.max-test-examples=256", "--set", "train.batch-size=64",
          "--set", "train.bits=[8,4]"), "2g", TRAIN_TIMEOUT);
      killer.interrupt();
      killer.join();
      assertEquals(0, retried.code(), () -> "train with an executor killed: " + retried.describe());
      assertTrue(killer.killed != null, "an executor was killed mid-stage");
      for (String file : List.of(Bundle.TENSORS_FILE, Bundle.MANIFEST_FILE)) {
        assertArrayEquals(Files.readAllBytes(bundle.resolve(file)),
            Files.readAllBytes(runs.resolve("cl-killed").resolve("bundle").resolve(file)), file);
      }
      java.util.regex.Matcher retries = java.util.regex.Pattern.compile("failed task attempts so far: (\\d+)")
          .matcher(retried.err());
      long count = 0;
      while (retries.find()) {
        count = Long.parseLong(retries.group(1));
      }
      assertTrue(count > 0, () -> "the driver counted the failed task attempts (bitswitch_task_retries_total): "
          + retried.describe());
      System.out.printf("executor %s killed mid-stage: the job completed with the same bundle after %d failed task"
          + " attempts%n", killer.killed, count);
      io.bitswitch.reliability.ReliabilityLog.record(StandaloneClusterIT.class, "executor killed mid-stage",
          "train under spark-submit on a standalone cluster of two workers; worker 0's executor JVM killed (SIGKILL)"
              + " after it has run 12 tasks",
          "exit 0: Spark retried the lost tasks on a new executor; the driver logged and counted " + count
              + " failed task attempt(s) (bitswitch_task_retries_total)",
          "bundle files byte-identical to the uninterrupted run's; the count > 0 in the driver's log");
      System.out.printf("standalone cluster %s, 2 workers: train %s (%d s) accuracy %s; evaluate %s (%d s) "
          + "accuracy %s%n", cluster.masterUrl(), trainApp, train.seconds(), trained, evaluateApp,
          evaluate.seconds(), evaluated);
    }
  }

  /**
   * Kills worker {@code worker}'s executor (SIGKILL) once its log shows it has run 12 tasks of the
   * application, that is in the middle of training.
   */
  private static final class ExecutorKiller extends Thread {
    private final LocalSparkCluster cluster;
    private final int worker;
    volatile ProcessHandle killed;

    ExecutorKiller(LocalSparkCluster cluster, int worker) {
      super("executor-killer");
      this.cluster = cluster;
      this.worker = worker;
      setDaemon(true);
    }

    @Override
    public void run() {
      try {
        long before = tasksRun();
        while (!isInterrupted()) {
          java.util.Optional<ProcessHandle> executor = cluster.executorOf(worker);
          if (executor.isPresent() && tasksRun() - before >= 12) {
            executor.get().destroyForcibly();
            killed = executor.get();
            return;
          }
          Thread.sleep(200);
        }
      } catch (InterruptedException e) {
        // The submit ended first.
      } catch (IOException | RuntimeException e) {
        System.err.println("executor-killer: " + e);
      }
    }

    /** "Running task" lines in all executor logs of the worker so far. */
    private long tasksRun() throws IOException {
      try (Stream<Path> files = Files.walk(cluster.workerDirs().get(worker))) {
        return files.filter(f -> f.getFileName().toString().equals("stderr"))
            .mapToLong(f -> LocalSparkCluster.read(f).lines().filter(l -> l.contains("Running task")).count()).sum();
      } catch (java.io.UncheckedIOException e) {
        return 0; // a file went away while walking; the next poll counts again
      }
    }
  }

  /**
   * spark-submit's arguments: client mode on the cluster, one one-core executor per worker, and
   * the job waits for both executors before it starts, so both take part.
   */
  private static List<String> submitArgs(LocalSparkCluster cluster, Path sparkJar, String... command) {
    String executorOptions = String.join(" ", required("bitswitch.it.java-options").trim().split("\\s+"));
    List<String> args = new ArrayList<>(List.of("--master", cluster.masterUrl(), "--deploy-mode", "client",
        "--class", MAIN_CLASS,
        "--conf", "spark.executor.instances=2",
        "--conf", "spark.cores.max=2",
        "--conf", "spark.executor.cores=1",
        "--conf", "spark.executor.memory=2g",
        "--conf", "spark.executor.extraJavaOptions=" + executorOptions,
        "--conf", "spark.executorEnv.OMP_NUM_THREADS=1",
        "--conf", "spark.driver.host=127.0.0.1",
        "--conf", "spark.driver.bindAddress=127.0.0.1",
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
        "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=120s",
        sparkJar.toString()));
    args.addAll(List.of(command));
    return args;
  }

  /**
   * The master lists the application as finished, and each worker ran one of its executors, which
   * fetched the application jar and ran tasks.
   */
  private static String assertRanOnTheCluster(LocalSparkCluster cluster, String appName) throws Exception {
    JsonNode state = cluster.masterState();
    JsonNode app = null;
    for (JsonNode completed : state.path("completedapps")) {
      if (appName.equals(completed.path("name").asText())) {
        app = completed;
      }
    }
    assertTrue(app != null, () -> "the master lists a completed application \"" + appName + "\": " + state);
    assertEquals("FINISHED", app.path("state").asText(), app.toString());
    String appId = app.path("id").asText();
    for (Path workerDir : cluster.workerDirs()) {
      Path appDir = workerDir.resolve(appId);
      assertTrue(Files.isDirectory(appDir), () -> workerDir.getFileName() + " launched an executor of " + appId
          + "\n" + cluster.logTails());
      List<Path> stderrs;
      try (Stream<Path> executors = Files.list(appDir)) {
        stderrs = executors.map(e -> e.resolve("stderr")).filter(Files::isRegularFile).toList();
      }
      assertFalse(stderrs.isEmpty(), () -> "executor logs under " + appDir);
      String log = stderrs.stream().map(LocalSparkCluster::read).reduce("", String::concat);
      assertTrue(log.contains("Finished task"), () -> "an executor of " + appId + " on "
          + workerDir.getFileName() + " ran tasks:\n" + LocalSparkCluster.tail(log, 8_000));
      assertTrue(log.contains(Path.of(System.getProperty("bitswitch.it.spark-jar")).getFileName().toString()),
          () -> "an executor of " + appId + " fetched the application jar:\n" + LocalSparkCluster.tail(log, 8_000));
    }
    return appId;
  }

  private static void assertSparkHomeHoldsNoApplicationJar(Path sparkHome) throws IOException {
    List<String> jars;
    try (Stream<Path> files = Files.list(sparkHome.resolve("jars"))) {
      jars = files.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertTrue(jars.stream().anyMatch(j -> j.startsWith("spark-core_2.13-")), () -> "Spark in " + jars);
    assertTrue(jars.stream().noneMatch(j -> j.startsWith("bitswitch-") || j.startsWith("nd4j-")
        || j.startsWith("deeplearning4j-")), () -> "no bitswitch or DL4J jar among Spark's: " + jars);
  }

  /** A system property maven-failsafe-plugin sets (jobs/pom.xml); fails the test when it is missing. */
  static String required(String property) {
    String value = System.getProperty(property);
    assertTrue(value != null && !value.isBlank(), () -> "system property " + property
        + " (set by maven-failsafe-plugin in jobs/pom.xml; run with mvn verify)");
    return value;
  }

  private static JsonNode json(Path file) throws IOException {
    assertTrue(Files.isRegularFile(file), file + " exists");
    return new ObjectMapper().readTree(Files.readString(file));
  }
}
