package io.bitswitch.cli;

import io.bitswitch.InvalidInputException;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.data.Dataset;
import io.bitswitch.data.Datasets;
import io.bitswitch.onnx.ExportTarget;
import io.bitswitch.store.BundleStore;
import io.bitswitch.train.InterleavedBenchmark;
import io.bitswitch.train.InterleavedBenchmark.Measurement;
import io.bitswitch.train.InterleavedBenchmark.Series;
import io.bitswitch.train.StageSetup;
import io.bitswitch.train.ThroughputBenchmark;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bitswitch benchmark}: side by side on the same cores, in interleaved rounds
 * ({@link InterleavedBenchmark}), plain DL4J FP32 forward+backward, {@code train}'s joint step,
 * the PyTorch implementation of the same network and loop ({@link PyTorchReference}), evaluation
 * and one Hutchinson probe ({@link ProbeThroughput}); the report is {@link BenchmarkReport}. With
 * {@code --inference}, evaluate's throughput against the exported ONNX model in ONNX Runtime.
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
    description = {"Measures, interleaved on the same cores (round r of every measurement before round r+1 of any; "
        + "--repeats rounds, median and min-max): plain DL4J FP32 forward+backward of fmnist-cnn (img/s); train's "
        + "joint step over bitswitch.train.bits on Spark, one partition per core (image-passes/s); the repository's "
        + "PyTorch implementation of the same network, joint loop and inference (python3-torch; skipped with a note when "
        + "missing); evaluation by the Evaluator at every bit-width (img/s per bit-width); one Hutchinson probe of "
        + "the sensitivity stage (image-gradients/s). Prints the ratios against the targets; progress goes to "
        + "stderr.",
        "With --inference --bundle: inference on the test split at each bit-width, by evaluate (Spark, end to end), "
        + "by the same DL4J network alone and by the exported ONNX model in ONNX Runtime, one thread per core; "
        + "also the accuracy of each, the images whose prediction differs, the largest logit difference and the "
        + "activations on an exact rounding tie. ONNX Runtime is on bin/bitswitch's classpath, not in the Spark jar."},
    footerHeading = "%nExamples:%n", footer = {"  bitswitch benchmark --master 'local[2]' --steps 60",
        "  bitswitch benchmark --master 'local[2]' --write docs/benchmark.txt",
        "  bitswitch benchmark --master 'local[2]' --inference --bundle runs/mp/bundle --bits 8,4"})
public final class BenchmarkCommand extends BitswitchCommand {
  @Option(names = "--inference", description = "Measure inference (evaluate against ONNX Runtime) instead of training.")
  private boolean inference;

  @Option(names = "--bundle", paramLabel = "BUNDLE", description = "With --inference: the INT-h (or FP32) bundle.")
  private String bundle;

  @Option(names = "--bits", paramLabel = "LIST", converter = BitsOptions.EvaluationList.class,
      description = "With --inference: bit-widths to measure, e.g. 8,4 (32: an FP32 bundle). Default: every "
          + "bit-width of the bundle.")
  private BitsOptions.Selection bits;

  @Option(names = "--layer-bits", paramLabel = "FILE",
      description = "With --inference: also measure this per-layer configuration (JSON, as search writes them).")
  private Path layerBits;

  @Option(names = "--steps", paramLabel = "N", defaultValue = "60",
      description = "Measured steps per round (default ${DEFAULT-VALUE}).")
  private int steps;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "10",
      description = "Unmeasured steps first, every round (default ${DEFAULT-VALUE}).")
  private int warmup;

  @Option(names = "--no-pytorch", description = "Skip the PyTorch implementation of the same network and loop "
      + "(experiments/pytorch/joint_qat.py, run with Debian's python3-torch; skipped anyway when that is missing).")
  private boolean noPytorch;

  @Option(names = {"--repeats", "--pytorch-repeats"}, paramLabel = "N", defaultValue = "3",
      description = "Interleaved rounds: round r of every measurement runs before round r+1 of any; the report "
          + "gives each one's median and min-max (default ${DEFAULT-VALUE}; --pytorch-repeats is the former name).")
  private int repeats;

  @Option(names = "--write", paramLabel = "FILE", description = "Also write the report to FILE (e.g. "
      + "docs/benchmark.txt), after a header with the command, date, cores, load (uptime) and git commit.")
  private Path write;

  @Override
  protected int run(BitswitchConfig config) throws Exception {
    String data = common.dataOrDefault();
    if (inference) {
      if (write != null) {
        throw new InvalidInputException("--write belongs to the training benchmark, not --inference");
      }
      return runInference(config, data);
    }
    if (repeats < 1) {
      throw new InvalidInputException("--repeats must be at least 1, got " + repeats);
    }
    if (steps < 1 || warmup < 0) {
      throw new InvalidInputException("--steps must be at least 1 and --warmup at least 0, got " + steps + " and "
          + warmup);
    }
    if (bundle != null || bits != null || layerBits != null) {
      throw new InvalidInputException("--bundle, --bits and --layer-bits belong to --inference");
    }
    try (SparkSession spark = startSpark("bitswitch benchmark")) {
      int cores = spark.sparkContext().defaultParallelism();
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      Dataset ds = Datasets.open(spark, data);
      int batch = config.train().batchSize();
      int[] widths = config.train().bits().descending();
      List<Measurement> measurements = new ArrayList<>();
      measurements.add(ThroughputBenchmark.plainFp32(ds, cores, batch, steps, warmup));
      ThroughputBenchmark.TrainMeasurement train = ThroughputBenchmark.train(sc, ds, config.train().bits(),
          Runs.trainOptions(config), cores, steps, warmup);
      measurements.add(train);
      int evalBatch = config.evaluate().batchSize();
      int maxTest = config.data().maxTestExamples();
      long testImages = maxTest > 0 ? Math.min(maxTest, ds.testCount()) : ds.testCount();
      PyTorchReference.Interleaved pytorch = null;
      String pytorchNote;
      Path script = PyTorchReference.script();
      String missing = noPytorch ? "skipped (--no-pytorch)" : PyTorchReference.unavailable(script);
      if (missing == null) {
        pytorch = new PyTorchReference.Interleaved(script, cores, batch, widths, steps, warmup, testImages,
            evalBatch);
        measurements.add(pytorch);
        pytorchNote = "";
      } else {
        pytorchNote = noPytorch ? missing : "skipped: " + missing;
      }
      measurements.add(ThroughputBenchmark.evaluation(sc, ds, train, cores, config.data().maxTestExamples(),
          evalBatch, warmup));
      ProbeThroughput probe = new ProbeThroughput(sc, ds, cores, config.sensitivity().samples(), config.seed(),
          warmup > 0);
      measurements.add(probe);
      Instant started = Instant.now();
      String loadBefore = write == null ? null : BenchmarkReport.load();
      stderr().printf(Locale.ROOT, "benchmark: %d interleaved round(s) of %d measurements on %d cores%n", repeats,
          measurements.size(), cores);
      Map<String, Series> results = InterleavedBenchmark.run(measurements, repeats, stderr());
      if (pytorch != null) {
        pytorchNote = "torch " + pytorch.torchVersion() + ", " + script.getFileName() + " speed, " + cores
            + " threads (torch.set_num_threads), one process per round (its own warm-up); same network, "
            + "global batch and bits.";
      }
      String report = BenchmarkReport.format(results, new BenchmarkReport.Settings(repeats, cores, batch,
          PyTorchReference.bitsArgument(widths), steps, warmup, testImages, evalBatch, probe.images(), pytorchNote));
      stdout().print(report);
      stdout().flush();
      if (write != null) {
        List<String> command = spec.commandLine().getParseResult().originalArgs();
        String header = BenchmarkReport.header(command, started, loadBefore, cores,
            System.getProperty("bitswitch.home"));
        BenchmarkReport.write(write, header, report);
        stderr().println("wrote " + write);
        stderr().flush();
      }
    }
    return 0;
  }

  private int runInference(BitswitchConfig config, String data) throws Exception {
    if (bundle == null) {
      throw new InvalidInputException("--inference needs --bundle: the bundle whose exports to measure");
    }
    List<ExportTarget> targets = new ArrayList<>();
    Map<String, Integer> perLayer = layerBits == null ? null : LayerBits.read(layerBits);
    try (SparkSession spark = startSpark("bitswitch benchmark")) {
      int cores = spark.sparkContext().defaultParallelism();
      List<Integer> widths = bits != null ? bits.descending()
          : BundleStore.read(bundle, spark.sparkContext().hadoopConfiguration()).manifest().bits();
      widths.forEach(b -> targets.add(ExportTarget.uniform(b)));
      if (perLayer != null) {
        targets.add(ExportTarget.perLayer(perLayer));
      }
      StageSetup setup = Runs.setup(config, data);
      List<InferenceBenchmark.Row> rows = InferenceBenchmark.run(spark, setup, bundle, targets, cores,
          setup.evalBatch(), stderr());
      InferenceBenchmark.print(stdout(), rows, cores, setup.evalBatch());
    }
    return 0;
  }
}
