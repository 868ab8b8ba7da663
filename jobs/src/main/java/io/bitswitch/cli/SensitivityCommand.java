package io.bitswitch.cli;

import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.cli.config.SensitivityOptions;
import io.bitswitch.metrics.JobMetrics;
import io.bitswitch.sensitivity.LayerTraces;
import io.bitswitch.sensitivity.SensitivityAnalysis;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitswitch sensitivity}: distributed Hutchinson estimates of per-layer Hessian traces. */
@Command(name = "sensitivity", mixinStandardHelpOptions = true,
    description = "Per-layer average Hessian traces by Hutchinson's method on a sample of the training data "
        + "(bitswitch.sensitivity); writes <out>/sensitivity.json.",
    footerHeading = "%nExample:%n", footer = "  bitswitch sensitivity --bundle runs/fp32/bundle --out runs/fp32")
public final class SensitivityCommand extends BitswitchCommand {
  @Option(names = "--bundle", paramLabel = "BUNDLE", required = true,
      description = "The model to analyse: an FP32 bundle, or an INT-h bundle (dequantized at h bits).")
  private String bundle;

  @Override
  protected List<String> unusedCommonOptions() {
    return List.of("--run-id");
  }

  @Override
  protected int run(BitswitchConfig config) throws IOException {
    String data = common.dataOrDefault();
    String out = common.requireOut("the directory to write sensitivity.json into");
    SensitivityOptions o = config.sensitivity();
    LayerTraces result;
    String written;
    try (JobMetrics metrics = Runs.startMetrics(config, spec.name());
        SparkSession spark = startSpark("bitswitch sensitivity")) {
      result = SensitivityAnalysis.analyse(spark, bundle, data, config.data().partitions(), o.samples(),
          config.seed(), o.maxIterations(), o.tolerance(), System.err);
      written = result.write(out, spark.sparkContext().hadoopConfiguration());
      metrics.succeeded();
    }
    print(stdout(), result, written);
    return 0;
  }

  private static void print(PrintWriter w, LayerTraces r, String written) {
    w.printf(Locale.ROOT, "%s (%s), %d samples, %d probes%s%n", r.architecture(), r.source(), r.samples(), r.probes(),
        r.converged() ? " (converged)" : "");
    w.printf(Locale.ROOT, "%-16s %10s %14s %14s %12s  %s%n", "layer", "params", "trace", "trace/param", "std error",
        "class");
    for (LayerTraces.Layer t : r.layers()) {
      w.printf(Locale.ROOT, "%-16s %10d %14.6g %14.6g %12.4g  %s%n", t.name(), t.params(), t.trace(),
          t.tracePerParam(), t.stdError(), t.sensitivity());
    }
    w.println("wrote " + written);
    w.flush();
  }
}
