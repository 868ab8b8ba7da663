package io.bitswitch.cli;

import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.spark.SparkSessions;
import io.bitswitch.train.ThroughputBenchmark;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitswitch benchmark}: train throughput against plain DL4J on the same cores. */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
    description = "Measures train's image-passes/s (joint QAT over bitswitch.train.bits on Spark, one partition "
        + "per core) against plain DL4J FP32 forward+backward of the same network on the same cores.",
    footerHeading = "%nExample:%n", footer = "  bitswitch benchmark --master 'local[2]' --steps 60")
public final class BenchmarkCommand extends BitswitchCommand {
  @Option(names = "--steps", paramLabel = "N", defaultValue = "60", description = "Measured steps (default ${DEFAULT-VALUE}).")
  private int steps;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "10", description = "Unmeasured steps first (default ${DEFAULT-VALUE}).")
  private int warmup;

  @Override
  protected int run(BitswitchConfig config) throws Exception {
    String data = common.dataOrDefault();
    try (SparkSession spark = SparkSessions.create(common.sparkMaster(), "bitswitch benchmark", Map.of())) {
      int cores = spark.sparkContext().defaultParallelism();
      ThroughputBenchmark.Result r = ThroughputBenchmark.run(spark, data, config.train().bits(), cores,
          config.train().batchSize(), steps, warmup, System.err);
      stdout().printf(Locale.ROOT, "plain DL4J FP32 fwd+bwd   %8.0f img/s%n", r.plainImagesPerSecond());
      stdout().printf(Locale.ROOT, "bitswitch train (%d bits)  %8.0f image-passes/s (%.0f img/s)%n", r.passes(),
          r.trainImagePassesPerSecond(), r.trainImagesPerSecond());
      stdout().printf(Locale.ROOT, "ratio                     %8.2f (target >= 0.85)%n", r.ratio());
    }
    return 0;
  }
}
