package io.bitswitch.cli;

import io.bitswitch.report.RunReport;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.metrics.JobMetrics;
import io.bitswitch.sensitivity.LayerTraces;
import io.bitswitch.store.BundleStore;
import io.bitswitch.train.MetricsListener;
import io.bitswitch.train.Checkpointing;
import io.bitswitch.train.StageContext;
import io.bitswitch.train.StageOutcome;
import io.bitswitch.train.SupernetStage;
import io.bitswitch.train.TrainOptions;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitswitch supernet}: HASB mixed-precision SuperNet training. */
@Command(name = "supernet", mixinStandardHelpOptions = true,
    description = "HASB mixed-precision SuperNet training (bitswitch.supernet) from a multi-precision bundle; "
        + "writes <out>/<run-id>/bundle (INT-h, with the traces and per-layer draw counts in its manifest), "
        + "report.json, history.csv and report.html, and prints the run directory.",
    footerHeading = "%nExample:%n",
    footer = "  bitswitch supernet --bundle runs/mp/bundle --sensitivity runs/fp32/sensitivity.json --out runs")
public final class SupernetCommand extends BitswitchCommand {
  @Option(names = "--bundle", paramLabel = "BUNDLE", required = true,
      description = "The multi-precision INT-h bundle to start from (the output of train).")
  private String bundle;

  @Option(names = "--sensitivity", paramLabel = "FILE",
      description = "sensitivity.json with the per-layer Hessian traces. Default: the traces stored in the bundle.")
  private String sensitivity;

  @Option(names = "--resume",
      description = "Continue run --run-id from its newest committed checkpoint under <out>/<run-id>/state.")
  private boolean resume;

  @Override
  protected int run(BitswitchConfig config) throws IOException {
    String data = common.dataOrDefault();
    String out = common.requireOut("the directory that holds run directories, e.g. runs or hdfs:///bitswitch/runs");
    if (resume && common.runId().isEmpty()) {
      throw new io.bitswitch.InvalidInputException("--resume needs --run-id: the run whose checkpoints to continue from");
    }
    String runDir = Runs.runDir(out, common.runIdOrNew(Clock.systemUTC()));
    Runs.requireSupported(config);
    try (JobMetrics metrics = Runs.startMetrics(config, spec.name());
        SparkSession spark = startSpark("bitswitch supernet")) {
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      LayerTraces traces = traces(bundle, sensitivity, hadoop);
      Checkpointing checkpointing = new Checkpointing(Runs.child(runDir, Runs.STATE_DIR),
          config.train().checkpointEvery(), resume);
      run(spark, config, data, bundle, traces, runDir, checkpointing, metrics);
      metrics.succeeded();
    }
    stdout().println(runDir);
    return 0;
  }

  /** The traces of {@code sensitivityFile} if given, else those stored in the bundle. */
  static LayerTraces traces(String bundleUri, String sensitivityFile, Configuration hadoop) {
    return sensitivityFile != null ? LayerTraces.read(sensitivityFile, hadoop)
        : LayerTraces.fromManifest(BundleStore.read(bundleUri, hadoop).manifest(), bundleUri);
  }

  /** Trains the SuperNet into {@code runDir} and writes its run files; progress on stderr. */
  static StageOutcome run(SparkSession spark, BitswitchConfig config, String data, String initBundle,
      LayerTraces traces, String runDir, Checkpointing checkpointing, JobMetrics metrics) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    TrainOptions options = Runs.trainOptions(config).withEpochs(config.supernet().epochs());
    StageOutcome outcome = SupernetStage.run(new StageContext(spark, Runs.setup(config, data), System.err, MetricsListener.of(metrics)),
        options, new SupernetStage.Settings(config.supernet().sampling().sampling(), config.supernet().sigmaMax()),
        traces, initBundle, Runs.child(runDir, Runs.BUNDLE_DIR), checkpointing);
    metrics.recordAccuracy(outcome.accuracy());
    Map<?, ?> section = (Map<?, ?>) outcome.bundle().manifest().extra().get(SupernetStage.MANIFEST_SECTION);
    RunReport.Fields fields = new RunReport.Fields().stage("supernet").init(initBundle)
        .sampling(config.supernet().sampling().configName()).sigmaMax(config.supernet().sigmaMax())
        .epochs(config.supernet().epochs()).hasbDraws(section.get("draws"))
        .layerTraces(Runs.layerTraces(traces)).tracesSource(traces.source())
        .sizes(Runs.sizes(outcome.bundle())).trainExamples(outcome.trainExamples()).seconds(outcome.seconds());
    Runs.writeRunFiles(runDir, Runs.report(outcome.accuracy(), fields, config), outcome, config, hadoop);
    return outcome;
  }
}
