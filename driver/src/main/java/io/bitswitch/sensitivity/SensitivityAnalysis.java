package io.bitswitch.sensitivity;

import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.data.Dataset;
import io.bitswitch.data.Datasets;
import io.bitswitch.data.Shard;
import io.bitswitch.data.Split;
import io.bitswitch.evaluate.TrainedNormalization;
import io.bitswitch.hessian.Hutchinson;
import io.bitswitch.model.ModelBundles;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.model.ParamLayout.Kind;
import io.bitswitch.model.ParamLayout.Segment;
import io.bitswitch.model.QuantizationPlan.LayerInfo;
import io.bitswitch.model.QuantizedGraph;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.store.BundleStore;
import io.bitswitch.aggregate.TreeSum;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code sensitivity} stage (docs/design/method.md §5): per quantized layer, the Hessian trace of the FP32
 * loss, estimated by Hutchinson's method with central-difference Hessian-vector products
 * ({@link Hutchinson}), distributed over Spark.
 *
 * <p>The sample is the first {@code samples} training examples, split over the partitions as
 * {@link Dataset#shards} splits them; every partition uses all of its shard in every probe, so the
 * loss is the same fixed function of θ at θ + εv and at θ − εv. BatchNorm runs in training mode
 * (batch statistics of the partition's slice, which are a deterministic function of θ for a fixed
 * slice); the model runs at precision 32, i.e. FP32 weights (an INT-h bundle's dequantized codes)
 * and no activation quantization.
 *
 * <p>Per probe k, θ is broadcast once per analysis; every executor draws the same Rademacher vector
 * from (seed, k), evaluates its slice's gradient sums at θ ± εv and returns them; they are summed
 * in double precision in a fixed tree ({@link TreeSum}: partition order up to its fan-in, so the
 * result does not depend on task timing, and the driver receives at most that many |θ|-sized
 * sums whatever the partition count); the driver divides by the sample
 * count, forms {@code Hv = (g⁺ − g⁻)/(2ε)} and accumulates {@code v_l·(Hv)_l} for every quantized
 * layer. A layer is {@code sensitive} when its trace per parameter is at least the mean over layers.
 * The result, and its files, are {@link LayerTraces}.
 */
public final class SensitivityAnalysis {
  private SensitivityAnalysis() {}

  /** What one partition returns for one probe: gradient sums at θ + εv and θ − εv, and its example count. */
  public record ProbeSums(float[] plus, float[] minus, int examples) implements java.io.Serializable {}

  /** Probe gradient sums of one or more partitions, in double precision. */
  public record ProbeTotals(double[] plus, double[] minus, long examples) implements java.io.Serializable {
    /** One partition's sums; {@code 0.0 + x}, not {@code x}, so that a −0 sums as it always did. */
    static ProbeTotals of(ProbeSums part, int size) {
      double[] plus = new double[size];
      double[] minus = new double[size];
      if (part.examples() > 0) {
        for (int i = 0; i < size; i++) {
          plus[i] += part.plus()[i];
          minus[i] += part.minus()[i];
        }
      }
      return new ProbeTotals(plus, minus, part.examples());
    }

    /** This plus {@code other}: adds into this one's arrays and returns them with the summed count. */
    ProbeTotals add(ProbeTotals other) {
      if (other.examples > 0) {
        for (int i = 0; i < plus.length; i++) {
          plus[i] += other.plus[i];
          minus[i] += other.minus[i];
        }
      }
      return new ProbeTotals(plus, minus, examples + other.examples);
    }
  }

  /** The blocks Hutchinson perturbs: the quantized layers' latent WEIGHT segments, in graph order. */
  public static Hutchinson.Blocks blocks(QuantizedGraph graph) {
    List<LayerInfo> q = graph.plan().quantizedLayers();
    String[] names = new String[q.size()];
    int[] offsets = new int[q.size()];
    int[] lengths = new int[q.size()];
    for (int l = 0; l < q.size(); l++) {
      Segment s = graph.layout().get(q.get(l).name(), Kind.WEIGHT, 0);
      names[l] = q.get(l).name();
      offsets[l] = s.offset();
      lengths[l] = s.length();
    }
    return new Hutchinson.Blocks(names, offsets, lengths);
  }

  /**
   * Estimates the per-layer traces at θ over the examples of {@code shards} (all of them).
   *
   * @param spec the model (its layout is θ's)
   * @param theta parameters (unchanged)
   * @param seed probe seed
   * @param maxProbes the maximum number of probes
   * @param tolerance relative-change stopping tolerance
   * @param source what θ is, for the report
   */
  public static LayerTraces run(JavaSparkContext sc, JavaRDD<Shard> shards, ModelSpec spec, float[] theta, long seed,
      int maxProbes, double tolerance, String source) {
    return run(sc, shards, spec, theta, seed, maxProbes, tolerance, source, null);
  }

  /**
   * As {@link #run(JavaSparkContext, JavaRDD, ModelSpec, float[], long, int, double, String)},
   * printing one progress line per probe to {@code progress} (null: silent).
   */
  public static LayerTraces run(JavaSparkContext sc, JavaRDD<Shard> shards, ModelSpec spec, float[] theta, long seed,
      int maxProbes, double tolerance, String source, java.io.PrintStream progress) {
    if (maxProbes < 1) {
      throw new InvalidInputException("sensitivity.max-iterations must be at least 1, not " + maxProbes);
    }
    QuantizedGraph driverGraph = spec.graph();
    Hutchinson.Blocks blocks = blocks(driverGraph);
    if (blocks.count() == 0) {
      throw new InvalidInputException("model " + spec.architecture() + " has no quantized layers to analyse");
    }
    double eps = Hutchinson.epsilon(theta, blocks);
    int size = theta.length;
    Broadcast<float[]> params = sc.broadcast(theta);
    ModelSpec model = spec;
    long[] examples = new long[1];
    long started = System.nanoTime();
    try {
      Hutchinson.Estimate estimate = Hutchinson.estimate(k -> {
        if (progress != null) {
          double seconds = (System.nanoTime() - started) / 1e9;
          progress.printf(java.util.Locale.ROOT, "sensitivity probe %d/%d (at most) | %.0f s so far%n", k + 1, maxProbes,
              seconds);
        }
        JavaRDD<ProbeSums> parts = shards.map(shard -> {
          if (shard.count() == 0) {
            return new ProbeSums(new float[0], new float[0], 0);
          }
          QuantizedGraph g = model.graph();
          float[] th = params.value();
          float[] v = Hutchinson.rademacher(seed, k, th.length, blocks);
          float[] plus = new float[th.length];
          float[] minus = new float[th.length];
          double[] bn = new double[g.bnStatsLength()];
          g.trainPass(Hutchinson.shifted(th, v, eps, 1), BitWidthSet.FP32_BITS, shard.pixels(), shard.labels(),
              shard.count(), plus, bn);
          g.trainPass(Hutchinson.shifted(th, v, eps, -1), BitWidthSet.FP32_BITS, shard.pixels(), shard.labels(),
              shard.count(), minus, bn);
          return new ProbeSums(plus, minus, shard.count());
        });
        ProbeTotals total = TreeSum.sum(parts, part -> ProbeTotals.of(part, size), ProbeTotals::add);
        double[] plus = total.plus();
        double[] minus = total.minus();
        long n = total.examples();
        if (n == 0) {
          throw new InvalidInputException("the sensitivity sample is empty");
        }
        for (int i = 0; i < size; i++) {
          plus[i] /= n;
          minus[i] /= n;
        }
        examples[0] = n;
        float[] v = Hutchinson.rademacher(seed, k, size, blocks);
        return Hutchinson.blockProducts(v, Hutchinson.hessianVector(plus, minus, eps), blocks);
      }, blocks.count(), maxProbes, tolerance);
      return result(spec.architecture(), source, examples[0], shards.getNumPartitions(), seed, maxProbes, tolerance,
          eps, blocks, estimate);
    } finally {
      params.destroy();
    }
  }

  /** Assembles the report from an estimate: per-parameter traces and the sensitive/insensitive classes. */
  static LayerTraces result(String architecture, String source, long samples, int partitions, long seed, int maxProbes,
      double tolerance, double eps, Hutchinson.Blocks blocks, Hutchinson.Estimate estimate) {
    double[] tr = estimate.traces();
    double[] se = estimate.standardErrors();
    double mean = 0;
    for (int l = 0; l < tr.length; l++) {
      mean += tr[l] / blocks.lengths()[l];
    }
    mean /= tr.length;
    List<LayerTraces.Layer> layers = new ArrayList<>();
    for (int l = 0; l < tr.length; l++) {
      double perParam = tr[l] / blocks.lengths()[l];
      layers.add(new LayerTraces.Layer(blocks.names()[l], blocks.lengths()[l], tr[l], perParam, se[l],
          estimate.probes(), perParam >= mean ? "sensitive" : "insensitive"));
    }
    return new LayerTraces(architecture, source, samples, partitions, seed, estimate.probes(), maxProbes, tolerance,
        estimate.converged(tolerance), eps, mean, layers);
  }

  /**
   * Reads the bundle at {@code bundleUri} and analyses it on the first {@code samples} training
   * examples of {@code dataUri}. An FP32 bundle is analysed as is; an INT-h bundle at its stored
   * precision h, dequantized (weights = the INT-h codes times their scales), with BatchNorm set h
   * and no activation quantization.
   */
  public static LayerTraces analyse(SparkSession spark, String bundleUri, String dataUri, int partitions, int samples,
      long seed, int maxProbes, double tolerance) {
    return analyse(spark, bundleUri, dataUri, partitions, samples, seed, maxProbes, tolerance, null);
  }

  /** As {@link #analyse(SparkSession, String, String, int, int, long, int, double)}, with progress lines. */
  public static LayerTraces analyse(SparkSession spark, String bundleUri, String dataUri, int partitions, int samples,
      long seed, int maxProbes, double tolerance, java.io.PrintStream progress) {
    if (samples < 1) {
      throw new InvalidInputException("sensitivity.samples must be at least 1, not " + samples);
    }
    Bundle bundle = BundleStore.read(bundleUri, spark.sparkContext().hadoopConfiguration());
    Manifest m = bundle.manifest();
    if (m.mixedPrecision()) {
      throw new InvalidInputException("bundle " + bundleUri + " is a mixed-precision model; analyse the FP32 "
          + "or the multi-precision (INT-h) bundle it came from");
    }
    int[] precisions = ModelBundles.precisionsOf(bundle);
    ModelSpec spec = new ModelSpec("custom", m.modelConfig(), m.inputShape(), m.numClasses(), 0L, precisions);
    QuantizedGraph graph = spec.graph();
    float[] theta = ModelBundles.toTheta(bundle, graph);
    String source;
    if (m.fp32()) {
      source = "fp32";
    } else {
      int h = graph.layout().highest();
      useBatchNormSet(graph, theta, h);
      source = "int-" + h + " dequantized";
    }
    Dataset ds = Datasets.open(spark, dataUri);
    ds.requireShape(m.inputShape()[0], m.inputShape()[1], m.inputShape()[2]);
    // The statistics the bundle was trained with, not the data's (TrainedNormalization).
    JavaRDD<Shard> shards = ds.shards(Split.TRAIN, partitions, TrainedNormalization.of(m, ds), samples);
    try {
      LayerTraces r = run(JavaSparkContext.fromSparkContext(spark.sparkContext()), shards, spec, theta, seed, maxProbes,
          tolerance, source, progress);
      return new LayerTraces(m.architecture(), r.source(), r.samples(), r.partitions(), r.seed(), r.probes(),
          r.maxProbes(), r.tolerance(), r.converged(), r.epsilon(), r.meanTracePerParam(), r.layers());
    } finally {
      shards.unpersist(false);
    }
  }

  /** Copies BatchNorm set {@code precision} into the FP32 set, which precision-32 passes use. */
  static void useBatchNormSet(QuantizedGraph graph, float[] theta, int precision) {
    for (LayerInfo bn : graph.bnLayers()) {
      for (Kind k : new Kind[] {Kind.BN_GAMMA, Kind.BN_BETA, Kind.BN_MEAN, Kind.BN_VAR}) {
        Segment from = graph.layout().get(bn.name(), k, precision);
        Segment to = graph.layout().get(bn.name(), k, BitWidthSet.FP32_BITS);
        System.arraycopy(theta, from.offset(), theta, to.offset(), from.length());
      }
    }
  }
}
