package io.bitswitch.cli;

import io.bitswitch.InvalidInputException;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.onnx.ExportTarget;
import io.bitswitch.store.BundleStore;
import io.bitswitch.train.StageSetup;
import io.bitswitch.train.ThroughputBenchmark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bitswitch benchmark}: train throughput against plain DL4J on the same cores; with
 * {@code --inference}, evaluate's throughput against the exported ONNX model in ONNX Runtime.
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
    description = {"Measures train's image-passes/s (joint QAT over bitswitch.train.bits on Spark, one partition "
        + "per core) against plain DL4J FP32 forward+backward of the same network on the same cores, and both against "
        + "the repository's PyTorch implementation of the same network and joint loop (python3-torch).",
        "With --inference --bundle: inference on the test split at each bit-width, by evaluate (Spark, end to end), "
        + "by the same DL4J network alone and by the exported ONNX model in ONNX Runtime, one thread per core; "
        + "also the accuracy of each, the images whose prediction differs, the largest logit difference and the "
        + "activations on an exact rounding tie. ONNX Runtime is on bin/bitswitch's classpath, not in the Spark jar."},
    footerHeading = "%nExamples:%n", footer = {"  bitswitch benchmark --master 'local[2]' --steps 60",
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

  @Option(names = "--steps", paramLabel = "N", defaultValue = "60", description = "Measured steps (default ${DEFAULT-VALUE}).")
  private int steps;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "10", description = "Unmeasured steps first (default ${DEFAULT-VALUE}).")
  private int warmup;

  @Option(names = "--no-pytorch", description = "Skip the PyTorch implementation of the same network and loop "
      + "(experiments/pytorch/joint_qat.py, run with Debian's python3-torch; skipped anyway when that is missing).")
  private boolean noPytorch;

  @Option(names = "--pytorch-repeats", paramLabel = "N", defaultValue = "3",
      description = "Timed PyTorch runs whose median is reported (default ${DEFAULT-VALUE}).")
  private int pytorchRepeats;

  @Override
  protected int run(BitswitchConfig config) throws Exception {
    String data = common.dataOrDefault();
    if (inference) {
      return runInference(config, data);
    }
    if (pytorchRepeats < 1) {
      throw new InvalidInputException("--pytorch-repeats must be at least 1, got " + pytorchRepeats);
    }
    if (bundle != null || bits != null || layerBits != null) {
      throw new InvalidInputException("--bundle, --bits and --layer-bits belong to --inference");
    }
    try (SparkSession spark = startSpark("bitswitch benchmark")) {
      int cores = spark.sparkContext().defaultParallelism();
      ThroughputBenchmark.Result r = ThroughputBenchmark.run(spark, data, config.train().bits(), cores,
          config.train().batchSize(), steps, warmup, System.err);
      stdout().printf(Locale.ROOT, "plain DL4J FP32 fwd+bwd   %8.0f img/s%n", r.plainImagesPerSecond());
      stdout().printf(Locale.ROOT, "bitswitch train (%d bits)  %8.0f image-passes/s (%.0f img/s)%n", r.passes(),
          r.trainImagePassesPerSecond(), r.trainImagesPerSecond());
      stdout().printf(Locale.ROOT, "ratio                     %8.2f (target >= 0.85)%n", r.ratio());
      if (!noPytorch) {
        comparePyTorch(cores, config, r);
      }
    }
    return 0;
  }

  /** The same network and joint loop in PyTorch on the same cores, and bitswitch's ratio to it. */
  private void comparePyTorch(int cores, BitswitchConfig config, ThroughputBenchmark.Result r) throws Exception {
    Path script = PyTorchReference.script();
    String missing = PyTorchReference.unavailable(script);
    if (missing != null) {
      stdout().println("PyTorch                   skipped: " + missing);
      return;
    }
    System.err.println("measuring the PyTorch implementation (" + script + ", " + cores + " threads)...");
    PyTorchReference.Result p = PyTorchReference.measure(script, cores, config.train().batchSize(),
        PyTorchReference.bitsArgument(config.train().bits().descending()), steps, warmup, pytorchRepeats);
    stdout().printf(Locale.ROOT, "PyTorch %s FP32 fwd+bwd  %8.0f img/s (median of %d)%n", p.torchVersion(),
        p.fp32ImagesPerSecond(), pytorchRepeats);
    stdout().printf(Locale.ROOT, "PyTorch joint (%d bits)   %8.0f image-passes/s (median of %d)%n", r.passes(),
        p.jointImagePassesPerSecond(), pytorchRepeats);
    stdout().printf(Locale.ROOT, "bitswitch / PyTorch joint %8.2f%n",
        r.trainImagePassesPerSecond() / p.jointImagePassesPerSecond());
    stdout().printf(Locale.ROOT, "DL4J / PyTorch FP32       %8.2f%n", r.plainImagesPerSecond() / p.fp32ImagesPerSecond());
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
