package io.bitswitch.cli;

import io.bitswitch.InvalidInputException;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.metrics.JobMetrics;
import io.bitswitch.spark.SparkSessions;
import io.bitswitch.train.Stages;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitswitch train}: one-shot joint multi-precision quantization-aware training. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "One-shot joint multi-precision QAT (Double Rounding + ALRS) over bitswitch.train.bits, "
        + "from a pretrained bundle or from scratch; writes <out>/<run-id>/bundle (INT-h), report.json, history.csv "
        + "and config.conf, and prints the run directory.",
    footerHeading = "%nExample:%n", footer = "  bitswitch train --init runs/fp32/bundle --out runs --set train.bits=[8,6,4,2]")
public final class TrainCommand extends BitswitchCommand {
  /** Where the initial weights come from; at most one. */
  static final class Start {
    @Option(names = "--init", paramLabel = "BUNDLE",
        description = "Start from this FP32 bundle's weights (the output of pretrain). Default: from scratch.")
    String initBundle;

    @Option(names = "--warm-start", paramLabel = "latest|BUNDLE",
        description = "Start from a previously published multi-precision bundle: 'latest' (the latest pointer "
            + "under --out) or a bundle directory.")
    String warmStart;
  }

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  private Start start;

  @Option(names = "--resume",
      description = "Continue run --run-id from its newest committed checkpoint under <out>/<run-id>/state.")
  private boolean resume;

  @Override
  protected int run(BitswitchConfig config) throws IOException {
    String data = common.dataOrDefault();
    String out = common.requireOut("the directory that holds run directories, e.g. runs or hdfs:///bitswitch/runs");
    if (resume && common.runId().isEmpty()) {
      throw new InvalidInputException("--resume needs --run-id: the run whose checkpoints to continue from");
    }
    if (start != null && start.warmStart != null) {
      throw notAvailable("warm starts from a published multi-precision bundle (--warm-start)");
    }
    String runDir = Runs.runDir(out, common.runIdOrNew(Clock.systemUTC()));
    Runs.requireSupported(config);
    String init = start == null ? null : start.initBundle;
    try (JobMetrics metrics = Runs.startMetrics(config);
        SparkSession spark = SparkSessions.create(common.sparkMaster(), "bitswitch train", Map.of())) {
      // Progress goes to stderr: stdout carries only the run directory, for scripts.
      Stages.Checkpointing checkpointing = new Stages.Checkpointing(Runs.child(runDir, Runs.STATE_DIR),
          config.train().checkpointEvery(), resume);
      Stages.Outcome outcome = Stages.train(spark, Runs.setup(config, data), Runs.trainOptions(config),
          config.train().bits(), init, Runs.child(runDir, Runs.BUNDLE_DIR), checkpointing, System.err, metrics);
      metrics.recordAccuracy(outcome.accuracy());
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("stage", "train");
      fields.put("sizes", Runs.sizes(outcome.bundle()));
      fields.put("bits", config.train().bits().descending());
      fields.put("init", init == null ? "scratch" : init);
      fields.put("train_examples", outcome.trainExamples());
      fields.put("seconds", outcome.seconds());
      Runs.writeRunFiles(runDir, Runs.report(outcome.accuracy(), fields, config), outcome, config,
          spark.sparkContext().hadoopConfiguration());
      metrics.succeeded();
    }
    stdout().println(runDir);
    return 0;
  }
}
