package io.bitswitch.cli;

import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.data.Dataset;
import io.bitswitch.data.Datasets;
import io.bitswitch.data.Normalization;
import io.bitswitch.data.Shard;
import io.bitswitch.data.Split;
import io.bitswitch.evaluate.TrainedNormalization;
import io.bitswitch.model.ActivationQuantizerImpl;
import io.bitswitch.model.ModelBundles;
import io.bitswitch.model.QuantizedGraph;
import io.bitswitch.onnx.ExportTarget;
import io.bitswitch.quant.ActivationQuantizer;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.store.BundleStore;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.train.EvaluateStage;
import io.bitswitch.train.StageContext;
import io.bitswitch.train.StageSetup;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;

/**
 * Inference on the test split, three ways on the same cores: {@code bitswitch evaluate} end to end
 * (Spark, one DL4J network per core), the same DL4J network alone in one thread per core, and the
 * exported ONNX model in ONNX Runtime with one intra-op thread per core. It also compares what they
 * compute: accuracy, images whose predicted class differs, the largest logit difference, and how
 * many activation-quantizer inputs lie exactly half-way between two codes, where ONNX's
 * round-half-to-even and bitswitch's round-half-up give different codes.
 */
final class InferenceBenchmark {
  private InferenceBenchmark() {}

  /**
   * The test images as both runtimes take them.
   *
   * @param pixels row-major [n, C, H, W] pixel values 0..255 (the ONNX model's input)
   * @param normalised the same normalised as evaluate normalises them (DL4J's input)
   * @param labels class labels
   * @param shape C, H, W
   */
  record TestImages(float[] pixels, float[] normalised, int[] labels, int[] shape) {
    int count() {
      return labels.length;
    }

    int size() {
      return shape[0] * shape[1] * shape[2];
    }
  }

  /**
   * The first {@code maxTest} test images (all for 0), the subset {@code evaluate} uses with the same
   * setting, normalised with the dataset's own statistics. Pixels are read normalised to [0, 1] and
   * scaled back: {@code round(255·(p/255))} is p exactly.
   */
  static TestImages testImages(SparkSession spark, String dataUri, int partitions, long maxTest) {
    return testImages(spark, dataUri, partitions, maxTest, null);
  }

  /**
   * {@link #testImages(SparkSession, String, int, long)} normalised as {@code evaluate} normalises them
   * for the bundle of {@code trainedWith}: with the statistics it was trained with when its manifest
   * records them ({@link TrainedNormalization}), else (or for a null manifest) the dataset's.
   */
  static TestImages testImages(SparkSession spark, String dataUri, int partitions, long maxTest,
      Manifest trainedWith) {
    Dataset ds = Datasets.open(spark, dataUri);
    JavaRDD<Shard> rdd = ds.shards(Split.TEST, partitions, new Normalization(0f, 1f),
        maxTest <= 0 ? Long.MAX_VALUE : maxTest);
    List<Shard> shards = rdd.collect();
    rdd.unpersist(false);
    int n = shards.stream().mapToInt(Shard::count).sum();
    int[] shape = ds.inputShape().toArray();
    int size = shape[0] * shape[1] * shape[2];
    Normalization norm = trainedWith == null ? ds.normalization() : TrainedNormalization.of(trainedWith, ds);
    float[][] tables = norm.lookupTables(shape[0]);
    int plane = shape[1] * shape[2];
    float[] pixels = new float[n * size];
    float[] normalised = new float[n * size];
    int[] labels = new int[n];
    int at = 0;
    for (Shard s : shards) {
      float[] unit = s.pixels();
      for (int i = 0; i < unit.length; i++) {
        int p = Math.round(unit[i] * 255f);
        pixels[at * size + i] = p;
        normalised[at * size + i] = tables[(i % size) / plane][p];
      }
      System.arraycopy(s.labels(), 0, labels, at, s.count());
      at += s.count();
    }
    return new TestImages(pixels, normalised, labels, shape);
  }

  /**
   * DL4J's outputs for the model {@code target} selects, loaded as {@code evaluate} loads it.
   *
   * @param logits row-major [n, classes]
   * @param predicted predicted class per image
   * @param seconds the timed forward passes (threads in parallel)
   * @param ties activation-quantizer inputs exactly half-way between two codes in range
   * @param activations activation-quantizer inputs looked at
   */
  record Dl4jOutputs(float[] logits, int[] predicted, double seconds, long ties, long activations) {}

  /** A network loaded with the model of {@code target}, as evaluate loads it. */
  private static QuantizedGraph load(Bundle source, ExportTarget target) {
    Manifest m = source.manifest();
    Bundle bundle = target.bits() != null ? target.deploy(source) : source;
    if (target.bits() == null && m.mixedPrecision()) {
      throw new InvalidInputException("the inference benchmark compares with evaluate, which runs per-layer widths "
          + "of an INT-h bundle; give the INT-h bundle and --layer-bits");
    }
    ModelSpec spec = new ModelSpec("custom", m.modelConfig(), m.inputShape(), m.numClasses(), 0L,
        ModelBundles.precisionsOf(bundle));
    QuantizedGraph g = spec.build();
    float[] theta = ModelBundles.toTheta(bundle, g);
    int[] config = new int[g.quantizedLayers().size()];
    for (int q = 0; q < config.length; q++) {
      String layer = g.quantizedLayers().get(q).name();
      config[q] = m.fp32() ? BitWidthSet.FP32_BITS : target.bits() != null ? target.bits() : target.layerBits().get(layer);
    }
    g.load(theta, config, false);
    return g;
  }

  static Dl4jOutputs dl4j(Bundle source, ExportTarget target, TestImages images, int threads, int batch)
      throws Exception {
    int n = images.count();
    int size = images.size();
    // Untimed: logits, predictions and exact ties, in one thread.
    QuantizedGraph g = load(source, target);
    int classes = g.classes();
    float[] logits = new float[n * classes];
    int[] predicted = new int[n];
    long ties = 0;
    long activations = 0;
    for (int start = 0; start < n; start += batch) {
      int m = Math.min(batch, n - start);
      float[] x = new float[m * size];
      System.arraycopy(images.normalised(), start * size, x, 0, m * size);
      System.arraycopy(g.logits(x, m), 0, logits, start * classes, m * classes);
      float[] p = g.output(x, m);
      for (int i = 0; i < m; i++) {
        predicted[start + i] = argmax(p, i, classes);
      }
      long[] t = ties(g, x, m);
      ties += t[0];
      activations += t[1];
    }
    // Timed: one network per thread, each over its share of the images.
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<QuantizedGraph> graphs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        graphs.add(pool.submit(() -> load(source, target)).get());
      }
      int per = (n + threads - 1) / threads;
      List<Future<?>> runs = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int t = 0; t < threads; t++) {
        QuantizedGraph own = graphs.get(t);
        int from = t * per;
        int to = Math.min(n, from + per);
        runs.add(pool.submit(() -> {
          for (int start = from; start < to; start += batch) {
            int m = Math.min(batch, to - start);
            float[] x = new float[m * size];
            System.arraycopy(images.normalised(), start * size, x, 0, m * size);
            own.output(x, m);
          }
          return null;
        }));
      }
      for (Future<?> f : runs) {
        f.get();
      }
      return new Dl4jOutputs(logits, predicted, (System.nanoTime() - t0) / 1e9, ties, activations);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * {@code [ties, inputs]} over every activation quantizer of the loaded network: inputs x whose
   * x/a, computed in float as the quantizer computes it, is k + ½ with k even and 0 ≤ k &lt; 2^b − 1.
   * There round-half-up gives k + 1 and round-half-to-even gives k; everywhere else they agree.
   */
  private static long[] ties(QuantizedGraph g, float[] x, int n) {
    List<float[]> inputs = g.quantizerInputs(x, n);
    long ties = 0;
    long count = 0;
    for (int q = 0; q < inputs.size(); q++) {
      ActivationQuantizerImpl aq = (ActivationQuantizerImpl) g.graph().getLayer(g.quantizedLayers().get(q).actQuantizer());
      if (aq.bits() >= BitWidthSet.FP32_BITS) {
        continue;
      }
      float a = aq.scale();
      int levels = ActivationQuantizer.levels(aq.bits());
      for (float v : inputs.get(q)) {
        float r = v / a;
        double k = Math.floor(r);
        if (r - k == 0.5 && k >= 0 && k < levels && ((long) k) % 2 == 0) {
          ties++;
        }
      }
      count += inputs.get(q).length;
    }
    return new long[] {ties, count};
  }

  private static int argmax(float[] p, int i, int classes) {
    int best = 0;
    for (int c = 1; c < classes; c++) {
      if (p[i * classes + c] > p[i * classes + best]) {
        best = c;
      }
    }
    return best;
  }

  /**
   * One row of the comparison.
   *
   * @param label {@code "8"}, {@code "mixed"}, {@code "32"}
   * @param images test images
   * @param evaluateSeconds {@code EvaluateStage.accuracy} of this precision, end to end, after a warm-up call
   * @param evaluateAccuracy its accuracy
   * @param dl4j the DL4J network alone
   * @param onnx ONNX Runtime
   * @param onnxAccuracy ONNX Runtime's accuracy
   * @param differing images whose predicted class differs between DL4J and ONNX Runtime
   * @param maxLogitDifference largest |Δ logit| between them
   * @param modelBytes the .onnx file's size
   * @param types weight element types in the file
   */
  record Row(String label, int images, double evaluateSeconds, double evaluateAccuracy, Dl4jOutputs dl4j,
      OnnxRuntimeInference.Outputs onnx, double onnxAccuracy, int differing, double maxLogitDifference,
      long modelBytes, String types) {}

  /** Measures one precision of the bundle at {@code bundleUri}. */
  static Row measure(SparkSession spark, StageSetup setup, String bundleUri, Bundle source, ExportTarget target,
      TestImages images, int threads, int batch) throws Exception {
    OnnxExports.Export export = OnnxExports.export(source, target);
    // evaluate, as the command runs it: a warm-up call (JIT, native libraries), then the timed one.
    double evaluateAccuracy = evaluate(spark, setup, bundleUri, target);
    long t0 = System.nanoTime();
    evaluate(spark, setup, bundleUri, target);
    double evaluateSeconds = (System.nanoTime() - t0) / 1e9;
    Dl4jOutputs dl4j = dl4j(source, target, images, threads, batch);
    OnnxRuntimeInference.Outputs onnx = OnnxRuntimeInference.run(export.result().model(), images.pixels(),
        images.count(), images.shape(), threads, batch);
    int differing = 0;
    double maxLogit = 0;
    for (int i = 0; i < images.count(); i++) {
      differing += onnx.predicted(i) != dl4j.predicted()[i] ? 1 : 0;
    }
    for (int k = 0; k < dl4j.logits().length; k++) {
      maxLogit = Math.max(maxLogit, Math.abs(dl4j.logits()[k] - onnx.logits()[k]));
    }
    String label = target.bits() == null ? "mixed" : String.valueOf(target.bits());
    return new Row(label, images.count(), evaluateSeconds, evaluateAccuracy, dl4j, onnx,
        onnx.accuracy(images.labels()), differing, maxLogit, export.bytes(), String.join("/", export.result().types()));
  }

  private static double evaluate(SparkSession spark, StageSetup setup, String bundleUri, ExportTarget target) {
    if (target.bits() != null) {
      return EvaluateStage.accuracy(new StageContext(spark, setup), bundleUri,
          new int[] {target.bits()}).values().iterator().next();
    }
    return EvaluateStage.layerBitsAccuracy(new StageContext(spark, setup), bundleUri, List.of(target.layerBits()))[0];
  }

  /** Reads the bundle and measures each target. */
  static List<Row> run(SparkSession spark, StageSetup setup, String bundleUri, List<ExportTarget> targets,
      int threads, int batch, PrintWriter progress) throws Exception {
    Bundle source = BundleStore.read(bundleUri, spark.sparkContext().hadoopConfiguration());
    TestImages images = testImages(spark, setup.dataUri(), setup.partitions(), setup.maxTest(), source.manifest());
    List<Row> rows = new ArrayList<>();
    for (ExportTarget t : targets) {
      progress.println("measuring " + t.describe() + " on " + images.count() + " test images...");
      progress.flush();
      rows.add(measure(spark, setup, bundleUri, source, t, images, threads, batch));
    }
    return rows;
  }

  /** The comparison table. */
  static void print(PrintWriter out, List<Row> rows, int threads, int batch) {
    if (rows.isEmpty()) {
      return;
    }
    out.printf(Locale.ROOT, "inference on %,d test images, %d cores, batch %d (images/s; evaluate end to end incl. "
        + "Spark, DL4J and ONNX Runtime on preloaded images)%n", rows.get(0).images(), threads, batch);
    out.printf(Locale.ROOT, "%-6s %10s %10s %10s %8s %8s %9s %9s %9s %11s %12s %12s %s%n", "bits", "evaluate",
        "DL4J", "ORT", "ORT/eval", "ORT/DL4J", "acc eval", "acc ORT", "differing", "max|Δlogit|", "ties",
        "onnx bytes", "weights");
    for (Row r : rows) {
      double evalRate = r.images() / r.evaluateSeconds();
      double dl4jRate = r.images() / r.dl4j().seconds();
      double ortRate = r.images() / r.onnx().runSeconds();
      out.printf(Locale.ROOT, "%-6s %10.0f %10.0f %10.0f %8.2f %8.2f %8.2f%% %8.2f%% %9d %11.2e %5d/%-6s %,12d %s%n",
          r.label(), evalRate, dl4jRate, ortRate, ortRate / evalRate, ortRate / dl4jRate, 100 * r.evaluateAccuracy(),
          100 * r.onnxAccuracy(), r.differing(), r.maxLogitDifference(), r.dl4j().ties(),
          compact(r.dl4j().activations()), r.modelBytes(), r.types());
    }
    out.flush();
  }

  private static String compact(long n) {
    return n >= 1_000_000 ? String.format(Locale.ROOT, "%.1fM", n / 1e6) : String.format(Locale.ROOT, "%.0fk", n / 1e3);
  }
}
