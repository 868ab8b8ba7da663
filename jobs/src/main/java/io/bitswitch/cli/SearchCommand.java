package io.bitswitch.cli;

import io.bitswitch.report.RunReport;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.cli.config.SearchOptions;
import io.bitswitch.metrics.JobMetrics;
import io.bitswitch.search.SubnetSearch;
import io.bitswitch.sensitivity.LayerTraces;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitswitch search}: ILP subnet search, BatchNorm recalibration and evaluation. */
@Command(name = "search", mixinStandardHelpOptions = true,
    description = "ILP subnet search over the budgets of bitswitch.search, BatchNorm recalibration and evaluation "
        + "of every Pareto front member and of the uniform and random baselines; writes <out>/pareto.json, one "
        + "layer-bits-<budget>.json and member-<budget>/bundle per budget, report.json and report.html.",
    footerHeading = "%nExample:%n",
    footer = "  bitswitch search --bundle runs/supernet/bundle --out runs/supernet/search --set search.budgets=[6,4,3]")
public final class SearchCommand extends BitswitchCommand {
  @Option(names = "--bundle", paramLabel = "BUNDLE", required = true,
      description = "The SuperNet INT-h bundle (the output of supernet).")
  private String bundle;

  @Option(names = "--sensitivity", paramLabel = "FILE",
      description = "sensitivity.json with the per-layer Hessian traces. Default: the traces stored in the bundle.")
  private String sensitivity;

  @Override
  protected List<String> unusedCommonOptions() {
    return List.of("--run-id");
  }

  @Override
  protected int run(BitswitchConfig config) throws IOException {
    String data = common.dataOrDefault();
    String out = common.requireOut("the directory to write pareto.json and the layer-bits files into");
    Map<String, Object> pareto;
    try (JobMetrics metrics = Runs.startMetrics(config, spec.name());
        SparkSession spark = startSpark("bitswitch search")) {
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      LayerTraces traces = SupernetCommand.traces(bundle, sensitivity, hadoop);
      pareto = run(spark, config, data, bundle, traces, sensitivity != null ? sensitivity : "bundle " + bundle, out);
      metrics.succeeded();
    }
    print(stdout(), pareto);
    stdout().println(out);
    return 0;
  }

  /** Runs the search into {@code outDir} and writes its report files there; progress on stderr. */
  static Map<String, Object> run(SparkSession spark, BitswitchConfig config, String data, String bundleUri,
      LayerTraces traces, String tracesOrigin, String outDir) {
    SearchOptions o = config.search();
    long t0 = System.nanoTime();
    SubnetSearch.Settings settings = new SubnetSearch.Settings(o.budget().kind(),
        o.budgets().stream().mapToDouble(Double::doubleValue).toArray(), o.bnRecalibrationBatches(),
        config.train().batchSize(), o.randomDraws(), config.seed(), config.evaluate().batchSize(),
        config.data().partitions(), config.data().maxTestExamples());
    Map<String, Object> pareto = SubnetSearch.run(spark, bundleUri, traces, tracesOrigin, data, settings, outDir,
        System.err);
    Map<String, Double> accuracy = new LinkedHashMap<>();
    for (Object row : (List<?>) pareto.get("uniform")) {
      Map<?, ?> r = (Map<?, ?>) row;
      accuracy.put(r.get("bits").toString(), ((Number) r.get("accuracy")).doubleValue());
    }
    RunReport.Fields fields = new RunReport.Fields().stage("search").bundle(bundleUri)
        .layerTraces(Runs.layerTraces(traces)).pareto(pareto)
        .seconds((System.nanoTime() - t0) / 1e9);
    Runs.writeRunFiles(outDir, Runs.report(accuracy, fields, config), null, config,
        spark.sparkContext().hadoopConfiguration());
    return pareto;
  }

  /** The front as a table: budget, layer bits, deployed size, average bits, accuracy. */
  static void print(PrintWriter w, Map<String, Object> pareto) {
    w.printf(Locale.ROOT, "%-8s %-40s %12s %10s %9s%n", "budget", "layer bits", "size (KiB)", "avg bits", "accuracy");
    for (Object row : (List<?>) pareto.get("members")) {
      Map<?, ?> r = (Map<?, ?>) row;
      w.printf(Locale.ROOT, "%-8s %-40s %12.1f %10.2f %8.2f%%%n", r.get("budget"), r.get("layer_bits"),
          ((Number) r.get("size_bytes")).doubleValue() / 1024, ((Number) r.get("average_bits")).doubleValue(),
          100 * ((Number) r.get("accuracy")).doubleValue());
    }
    w.flush();
  }
}
