package io.bitswitch.cli;

import io.bitswitch.report.RunReport;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.metrics.JobMetrics;
import io.bitswitch.train.MetricsListener;
import io.bitswitch.train.PretrainStage;
import io.bitswitch.train.StageContext;
import io.bitswitch.train.StageOutcome;
import java.io.IOException;
import java.time.Clock;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

/** {@code bitswitch pretrain}: FP32 training of the configured architecture. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
    description = "FP32 training of the configured architecture (bitswitch.model, bitswitch.pretrain); "
        + "writes <out>/<run-id>/bundle with FP32 weights (bits=[32]), report.json, history.csv and config.conf, "
        + "and prints the run directory.",
    footerHeading = "%nExample:%n", footer = "  bitswitch pretrain --out runs --run-id fp32 --set pretrain.epochs=5")
public final class PretrainCommand extends BitswitchCommand {
  @Override
  protected int run(BitswitchConfig config) throws IOException {
    String data = common.dataOrDefault();
    String runDir = Runs.runDir(
        common.requireOut("the directory that holds run directories, e.g. runs or hdfs:///bitswitch/runs"),
        common.runIdOrNew(Clock.systemUTC()));
    Runs.requireSupported(config);
    try (JobMetrics metrics = Runs.startMetrics(config, spec.name());
        SparkSession spark = startSpark("bitswitch pretrain")) {
      // Progress goes to stderr: stdout carries only the run directory, for scripts.
      StageOutcome outcome = PretrainStage.run(new StageContext(spark, Runs.setup(config, data), System.err, MetricsListener.of(metrics)),
          Runs.pretrainOptions(config), Runs.child(runDir, Runs.BUNDLE_DIR));
      metrics.recordAccuracy(outcome.accuracy());
      RunReport.Fields fields = new RunReport.Fields().stage("pretrain").trainExamples(outcome.trainExamples())
          .seconds(outcome.seconds());
      Runs.writeRunFiles(runDir, Runs.pretrainReport(outcome.accuracy(), fields, config), outcome, config,
          spark.sparkContext().hadoopConfiguration());
      metrics.succeeded();
    }
    stdout().println(runDir);
    return 0;
  }
}
