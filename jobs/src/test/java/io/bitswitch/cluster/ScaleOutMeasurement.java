package io.bitswitch.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.cli.CommonOptions;
import io.bitswitch.testing.RequiredPackages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The measurements behind docs/SCALE-OUT.md, not a test (its name keeps it out of the suite; it runs
 * only with {@code -Dbitswitch.measure=true}): short {@code train} runs under {@code spark-submit}, each
 * writing Spark's event log, on {@code local[1]}, {@code local[2]} and a real standalone cluster of
 * two one-core workers on 127.0.0.1 (one or both executors), for {@code fmnist-cnn} and
 * {@code resnet20} at global batches 32 and 128, plus {@code local[2]} at 4, 8 and 16 partitions (the
 * aggregation tree's shuffle level). {@code experiments/scale-out-model.py} reads the event logs, fits
 * the step-time model and writes the document; {@code experiments/scale-out} runs both.
 *
 * <pre>
 * mvn -B verify -pl jobs -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=ScaleOutMeasurement -Dbitswitch.measure=true [-Dbitswitch.measure.out=DIR] \
 *     [-Dbitswitch.measure.models=fmnist-cnn,resnet20] [-Dbitswitch.measure.steps=12]
 * </pre>
 */
class ScaleOutMeasurement {
  /** Training steps per run; the model script drops the first two as warm-up. */
  private static final int STEPS = Integer.getInteger("bitswitch.measure.steps", 12);
  /** Two precisions: two rounds per step, enough rounds without the four-round default's time. */
  private static final String BITS = "[8,4]";

  /** One run: where it runs and what it trains. */
  private record Run(String model, String master, int executors, int partitions, int batch) {
    String label() {
      String where = master.startsWith("local") ? "local" + executors : "cluster" + executors;
      return String.format(Locale.ROOT, "%s-%s-p%d-b%d", model, where, partitions, batch);
    }
  }

  @Test
  @EnabledIfSystemProperty(named = "bitswitch.measure", matches = "true")
  void trainRunsWithEventLogs() throws Exception {
    RequiredPackages.require("dataset-fashion-mnist");
    Path out = Path.of(System.getProperty("bitswitch.measure.out", "target/scale-out")).toAbsolutePath();
    Files.createDirectories(out);
    Path sparkJar = Path.of(StandaloneClusterIT.required("bitswitch.it.spark-jar"));
    assertTrue(Files.isRegularFile(sparkJar), sparkJar + " exists (built by the package phase)");
    List<Path> classpath = LocalSparkCluster.readClasspathFile(
        Path.of(StandaloneClusterIT.required("bitswitch.it.classpath-file")));
    List<String> javaOptions = Arrays.stream(StandaloneClusterIT.required("bitswitch.it.java-options").trim()
        .split("\\s+")).toList();
    StringBuilder index = new StringBuilder("label\tmodel\tmaster\texecutors\tpartitions\tbatch\tsteps\tbits\n");
    try (LocalSparkCluster cluster = new LocalSparkCluster(out.resolve("cluster"), classpath, javaOptions)) {
      cluster.start(2, 1, "3g", Duration.ofSeconds(60));
      for (String model : System.getProperty("bitswitch.measure.models", "fmnist-cnn,resnet20").split(",")) {
        List<Run> runs = new ArrayList<>();
        for (int batch : new int[] {32, 128}) {
          runs.add(new Run(model, "local[1]", 1, 1, batch));
          runs.add(new Run(model, "local[2]", 2, 2, batch));
          runs.add(new Run(model, cluster.masterUrl(), 1, 1, batch));
          runs.add(new Run(model, cluster.masterUrl(), 2, 2, batch));
        }
        for (int partitions : new int[] {4, 8, 16}) {
          runs.add(new Run(model, "local[2]", 2, partitions, 128));
        }
        for (Run run : runs) {
          Path events = Files.createDirectories(out.resolve("events").resolve(run.label()));
          LocalSparkCluster.Result result = cluster.submit(run.label(), submitArgs(run, sparkJar, javaOptions, events,
              "train", "--data", CommonOptions.DEFAULT_DATASET_DIR, "--out", out.resolve("runs").toString(),
              "--run-id", run.label(), "--set", "model.architecture=" + run.model(),
              "--set", "data.partitions=" + run.partitions(), "--set", "train.batch-size=" + run.batch(),
              "--set", "data.max-train-examples=" + run.batch() * STEPS, "--set", "data.max-test-examples=256",
              "--set", "train.bits=" + BITS, "--set", "train.checkpoint-every=0"), "4g", Duration.ofMinutes(20));
          assertEquals(0, result.code(), () -> run.label() + ": " + result.describe());
          System.out.printf("%s: %d s%n", run.label(), result.seconds());
          index.append(String.join("\t", run.label(), run.model(), run.master().startsWith("local") ? run.master()
              : "standalone", Integer.toString(run.executors()), Integer.toString(run.partitions()),
              Integer.toString(run.batch()), Integer.toString(STEPS), BITS)).append('\n');
          Files.writeString(out.resolve("runs.tsv"), index);
        }
      }
    }
  }

  /**
   * spark-submit's arguments (client mode, one-core executors, OMP_NUM_THREADS=1 as on the cluster);
   * on the cluster the job waits until all its executors are registered, so every round uses them.
   */
  private static List<String> submitArgs(Run run, Path sparkJar, List<String> javaOptions, Path events,
      String... command) {
    List<String> args = new ArrayList<>(List.of("--master", run.master(), "--deploy-mode", "client",
        "--class", StandaloneClusterIT.MAIN_CLASS,
        "--conf", "spark.eventLog.enabled=true",
        "--conf", "spark.eventLog.dir=" + events.toUri(),
        "--conf", "spark.eventLog.compress=false",
        "--conf", "spark.driver.host=127.0.0.1",
        "--conf", "spark.driver.bindAddress=127.0.0.1",
        "--conf", "spark.ui.enabled=false"));
    if (!run.master().startsWith("local")) {
      args.addAll(List.of(
          "--conf", "spark.executor.instances=" + run.executors(),
          "--conf", "spark.cores.max=" + run.executors(),
          "--conf", "spark.executor.cores=1",
          "--conf", "spark.executor.memory=3g",
          "--conf", "spark.executor.extraJavaOptions=" + String.join(" ", javaOptions),
          "--conf", "spark.executorEnv.OMP_NUM_THREADS=1",
          "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
          "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=120s"));
    }
    args.add(sparkJar.toString());
    args.addAll(List.of(command));
    return args;
  }
}
