package io.bitswitch.cli;

import io.bitswitch.report.RunReport;
import io.bitswitch.report.Onnx;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.cli.config.SensitivityOptions;
import io.bitswitch.sensitivity.LayerTraces;
import io.bitswitch.sensitivity.SensitivityAnalysis;
import io.bitswitch.metrics.JobMetrics;
import io.bitswitch.onnx.ExportTarget;
import io.bitswitch.store.BundleStore;
import io.bitswitch.train.MetricsListener;
import io.bitswitch.train.Checkpointing;
import io.bitswitch.train.EvaluateStage;
import io.bitswitch.train.PretrainStage;
import io.bitswitch.train.StageContext;
import io.bitswitch.train.StageOutcome;
import io.bitswitch.train.StageSetup;
import io.bitswitch.train.SupernetStage;
import io.bitswitch.train.TrainStage;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

/** {@code bitswitch demo}: the whole pipeline on Fashion-MNIST with local Spark. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "The whole pipeline on Fashion-MNIST: pretrain FP32, joint QAT over bitswitch.train.bits, every "
        + "precision evaluated from the stored INT-h bundle, then Hessian sensitivity of the FP32 model, the HASB "
        + "SuperNet (<run>/supernet) and the ILP search (<run>/search), and the 4-bit model exported as ONNX "
        + "(<run>/model-4bit.onnx); with the overrides of bitswitch.demo.profile "
        + "(quick by default) beneath your own settings. Writes a run directory under --out (default: "
        + DemoCommand.DEFAULT_RUNS_DIR + ") and prints its path as the last line.",
    footerHeading = "%nExample:%n", footer = "  bitswitch demo --set demo.profile=full")
public final class DemoCommand extends BitswitchCommand {
  /** Where demo runs go when {@code --out} is not given. */
  public static final String DEFAULT_RUNS_DIR = "runs";
  /** The FP32 stage's sub-directory of the run directory. */
  static final String PRETRAIN_DIR = "pretrain";
  /** The SuperNet stage's sub-directory of the run directory. */
  static final String SUPERNET_DIR = "supernet";
  /** The search stage's sub-directory of the run directory. */
  static final String SEARCH_DIR = "search";
  /** The bit-width of the ONNX model the demo exports. */
  static final int ONNX_BITS = 4;

  @Override
  protected int run(BitswitchConfig userConfig) throws IOException {
    BitswitchConfig config = userConfig.withDemoProfile();
    String data = common.dataOrDefault();
    String runDir = Runs.runDir(common.out().orElse(DEFAULT_RUNS_DIR), common.runIdOrNew(Clock.systemUTC()));
    Runs.requireSupported(config);
    requireBudgetsWithinBits(config);
    String pretrainDir = Runs.child(runDir, PRETRAIN_DIR);
    String fp32Bundle = Runs.child(pretrainDir, Runs.BUNDLE_DIR);
    String bundle = Runs.child(runDir, Runs.BUNDLE_DIR);
    Map<String, Double> accuracy = new LinkedHashMap<>();
    Map<String, Object> pareto;
    String onnxLine;
    try (JobMetrics metrics = Runs.startMetrics(config, spec.name());
        SparkSession spark = startSpark("bitswitch demo")) {
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      StageSetup setup = Runs.setup(config, data);
      // Progress goes to stderr: stdout carries the results and, last, the run directory.
      StageOutcome fp32 = PretrainStage.run(new StageContext(spark, setup, System.err, MetricsListener.of(metrics)),
          Runs.pretrainOptions(config), fp32Bundle);
      RunReport.Fields pretrainFields = new RunReport.Fields().stage("pretrain").trainExamples(fp32.trainExamples())
          .seconds(fp32.seconds());
      Runs.writeRunFiles(pretrainDir, Runs.pretrainReport(fp32.accuracy(), pretrainFields, config), fp32, config,
          hadoop);

      StageOutcome trained = TrainStage.run(new StageContext(spark, setup, System.err, MetricsListener.of(metrics)),
          Runs.trainOptions(config), config.train().bits(), fp32Bundle, bundle, Checkpointing.NONE);
      // Accuracies of the deployable artifact: each precision switched from the published INT-h codes.
      accuracy.putAll(fp32.accuracy());
      long evalStart = System.nanoTime();
      accuracy.putAll(EvaluateStage.accuracy(new StageContext(spark, setup), bundle,
          config.train().bits().descending()));
      double evaluateSeconds = (System.nanoTime() - evalStart) / 1e9;
      metrics.recordAccuracy(accuracy);
      OnnxExport onnx = exportOnnx(runDir, BundleStore.read(bundle, hadoop), config);
      onnxLine = onnx.line();

      // Mixed precision: traces of the FP32 model, the HASB SuperNet, the ILP front.
      long mixedStart = System.nanoTime();
      SensitivityOptions so = config.sensitivity();
      LayerTraces traces = SensitivityAnalysis.analyse(spark, fp32Bundle, data,
          config.data().partitions(), so.samples(), config.seed(), so.maxIterations(), so.tolerance(), System.err);
      traces.write(runDir, hadoop);
      String supernetDir = Runs.child(runDir, SUPERNET_DIR);
      StageOutcome supernet = SupernetCommand.run(spark, config, data, bundle, traces, supernetDir,
          Checkpointing.NONE, metrics);
      pareto = SearchCommand.run(spark, config, data, Runs.child(supernetDir, Runs.BUNDLE_DIR),
          traces, Runs.child(runDir, LayerTraces.FILE), Runs.child(runDir, SEARCH_DIR));
      double mixedSeconds = (System.nanoTime() - mixedStart) / 1e9;
      RunReport.Fields fields = new RunReport.Fields().stage("demo").profile(config.demo().profile().configName())
          .bits(config.train().bits().descending()).trainExamples(trained.trainExamples())
          .stageSeconds("pretrain", fp32.seconds()).stageSeconds("train", trained.seconds())
          .stageSeconds("evaluate", evaluateSeconds).sizes(Runs.sizes(trained.bundle()))
          .stageSeconds("mixed_precision", mixedSeconds)
          .layerTraces(Runs.layerTraces(traces))
          .sampling(config.supernet().sampling().configName())
          .hasbDraws(((Map<?, ?>) supernet.bundle().manifest().extra().get(SupernetStage.MANIFEST_SECTION)).get("draws"))
          .pareto(pareto).onnx(onnx.onnx());
      Runs.writeRunFiles(runDir, Runs.report(accuracy, fields, config), trained, config, hadoop);
      metrics.succeeded();
    }
    Runs.printAccuracy(stdout(), accuracy);
    stdout().println("mixed precision (ILP front, search." + config.search().budget().configName() + " budgets):");
    SearchCommand.print(stdout(), pareto);
    stdout().println(onnxLine);
    stdout().println(runDir);
    return 0;
  }

  /**
   * Exports the deployable model at 4 bits (the lowest trained width when 4 is not among them) as
   * {@code <run>/model-<b>bit.onnx}. A run directory that is not on the local file system gets no
   * export, and says so.
   */
  private static OnnxExport exportOnnx(String runDir, Bundle bundle, BitswitchConfig config) {
    int[] bits = config.train().bits().descending();
    int b = java.util.Arrays.stream(bits).anyMatch(x -> x == ONNX_BITS) ? ONNX_BITS : bits[bits.length - 1];
    String file = Runs.child(runDir, "model-" + b + "bit.onnx");
    java.nio.file.Path path;
    try {
      path = OnnxExports.localPath(file);
    } catch (io.bitswitch.InvalidInputException e) {
      return new OnnxExport(null,
          "ONNX export skipped: " + runDir + " is not on the local file system (use bitswitch export)");
    }
    OnnxExports.Export export = OnnxExports.export(bundle, ExportTarget.uniform(b));
    OnnxExports.writeAtomically(path, export.result().model(), false);
    return new OnnxExport(new Onnx(b, path.toString(), export.bytes(), String.join("/", export.result().types())),
        String.format(java.util.Locale.ROOT, "%d-bit ONNX model: %s (%,d bytes, %.1f KiB)", b, path,
            export.bytes(), export.bytes() / 1024.0));
  }

  /**
   * The search runs last: its budgets are checked against the trained bit-widths before any work,
   * so that a mismatch costs nothing.
   */
  private static void requireBudgetsWithinBits(BitswitchConfig config) {
    int[] bits = config.train().bits().descending();
    int lo = bits[bits.length - 1];
    int hi = bits[0];
    for (double budget : config.search().budgets()) {
      if (budget < lo || budget > hi) {
        throw new io.bitswitch.InvalidInputException("search.budgets " + config.search().budgets()
            + " must lie within the range [" + lo + ", " + hi + "] of train.bits "
            + java.util.Arrays.toString(bits) + "; e.g. --set search.budgets=[" + (lo + hi) / 2.0 + "]");
      }
    }
  }

  /**
   * The demo's ONNX export.
   *
   * @param onnx what the report records, null when there was no export
   * @param line what the demo prints about it
   */
  private record OnnxExport(Onnx onnx, String line) {}
}
