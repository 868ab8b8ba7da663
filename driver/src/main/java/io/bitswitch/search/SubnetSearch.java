package io.bitswitch.search;

import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.data.Dataset;
import io.bitswitch.data.Datasets;
import io.bitswitch.data.Normalization;
import io.bitswitch.data.Shard;
import io.bitswitch.data.Split;
import io.bitswitch.evaluate.Evaluator;
import io.bitswitch.evaluate.TrainedNormalization;
import io.bitswitch.model.ModelBundles;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.model.QuantizationPlan.LayerInfo;
import io.bitswitch.model.QuantizedGraph;
import io.bitswitch.sensitivity.LayerTraces;
import io.bitswitch.store.BundleStore;
import io.bitswitch.store.RunFiles;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code search} stage (docs/design/method.md §7): per-layer costs from the INT-h bundle and the Hessian
 * traces, the exact ILP ({@link SubnetIlp}) for every budget of a sweep, then each front member's
 * BatchNorm statistics re-estimated on a few training batches (no weight updates) and its accuracy
 * measured on the test split. The uniform-precision models and random per-layer allocations at
 * the same budgets are measured the same way, as the baselines the front is compared with.
 *
 * <p>Evaluation loads the INT-h bundle's parameters with each layer at its own bit-width; by
 * lossless switching this is exactly the mixed-precision integer model {@code switch --layer-bits}
 * derives. Each member's model, with its re-estimated BatchNorm statistics, is published as a
 * bundle next to {@code pareto.json}.
 */
public final class SubnetSearch {
  /** The file the stage writes into its output directory. */
  public static final String FILE = "pareto.json";

  private SubnetSearch() {}

  /**
   * What to search.
   *
   * @param kind what the budgets constrain
   * @param budgets the sweep, in bits (see {@link BudgetKind})
   * @param bnBatches training mini-batches for BatchNorm re-estimation (0: keep the stored statistics)
   * @param batchSize examples per re-estimation batch
   * @param randomDraws random allocations per budget for the baseline (0: none)
   * @param seed seed of the random allocations
   * @param evalBatch inference batch size
   * @param partitions data partitions
   * @param maxTest test examples to use (0 = all)
   */
  public record Settings(BudgetKind kind, double[] budgets, int bnBatches, int batchSize, int randomDraws, long seed,
      int evalBatch, int partitions, long maxTest) {}

  /**
   * Runs the search for the bundle at {@code bundleUri} and writes {@code pareto.json}, one
   * {@code layer-bits-<budget>.json} and one {@code member-<budget>/} bundle per budget into
   * {@code outDir}.
   *
   * @param traces the per-layer Hessian traces of this model
   * @return the content of {@code pareto.json}
   * @throws InvalidInputException for a bundle that is not INT-h, traces of another model, or
   *     budgets outside the bundle's bit range; nothing is written then
   */
  public static Map<String, Object> run(SparkSession spark, String bundleUri, LayerTraces traces,
      String tracesOrigin, String dataUri, Settings s, String outDir, PrintStream progress) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    requireNoSearchAt(outDir, hadoop);
    Bundle bundle = BundleStore.read(bundleUri, hadoop);
    Manifest m = bundle.manifest();
    if (m.fp32() || m.mixedPrecision()) {
      throw new InvalidInputException("bundle " + bundleUri + " is " + (m.fp32() ? "an FP32" : "a mixed-precision")
          + " model; search needs the multi-precision INT-h bundle of 'supernet' (or 'train')");
    }
    int[] bits = ModelBundles.precisionsOf(bundle);
    ModelSpec spec = new ModelSpec("custom", m.modelConfig(), m.inputShape(), m.numClasses(), 0L, bits);
    QuantizedGraph graph = spec.graph();
    List<String> names = graph.quantizedLayers().stream().map(LayerInfo::name).toList();
    traces.requireMatches(m.architecture(), names, tracesOrigin);
    List<LayerCost> costs = costs(bundle, graph, traces, bits);
    // Budgets are checked (all of them) before any data is read or anything written.
    List<Selection> front = SubnetIlp.sweep(costs, bits, s.kind(), s.budgets());

    float[] theta = ModelBundles.toTheta(bundle, graph);
    Dataset ds = Datasets.open(spark, dataUri);
    ds.requireShape(m.inputShape()[0], m.inputShape()[1], m.inputShape()[2]);
    // The statistics the bundle was trained with, not the data's (TrainedNormalization).
    Normalization norm = TrainedNormalization.of(m, ds);
    JavaRDD<Shard> calibration = ds.shards(Split.TRAIN, s.partitions(), norm,
        Math.max(1, (long) s.bnBatches() * s.batchSize()));
    JavaRDD<Shard> test = ds.shards(Split.TEST, s.partitions(), norm,
        s.maxTest() <= 0 ? Long.MAX_VALUE : s.maxTest());
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Map<String, Double> measured = new HashMap<>();
    Map<String, float[]> recalibrated = new HashMap<>();
    java.util.function.Function<int[], Double> accuracy = config -> measured.computeIfAbsent(Arrays.toString(config),
        k -> {
          float[] th = s.bnBatches() > 0 ? recalibrate(sc, calibration, spec, theta, config, s.batchSize()) : theta;
          recalibrated.put(k, th);
          double a = Evaluator.accuracy(sc, test, spec, th, new int[][] {config}, s.evalBatch())[0];
          progress.printf(Locale.ROOT, "search: %s -> %.2f%%%n", describe(names, config), 100 * a);
          return a;
        });
    try {
      List<Map<String, Object>> members = new ArrayList<>();
      for (Selection sel : front) {
        int[] config = toConfig(names, sel.layerBits());
        Map<String, Object> row = figures(sel, bundle.switchTo(sel.layerBits()));
        row.put("accuracy", accuracy.apply(config));
        row.put("objective", sel.objective());
        row.put("file", layerBitsFile(sel.budget()));
        row.put("bundle", memberDir(sel.budget()));
        members.add(row);
      }
      List<Map<String, Object>> uniform = new ArrayList<>();
      for (int b : bits) {
        int[] config = graph.uniform(b);
        Map<String, Integer> layerBits = toLayerBits(names, config);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("bits", b);
        row.putAll(figures(SubnetIlp.evaluate(costs, layerBits, s.kind(), b), bundle.switchTo(b)));
        row.put("accuracy", accuracy.apply(config));
        uniform.add(row);
      }
      List<Map<String, Object>> random = new ArrayList<>();
      if (s.randomDraws() > 0) {
        for (int i = 0; i < s.budgets().length; i++) {
          random.add(randomBaseline(costs, bits, names, s, i, bundle, accuracy));
        }
      }
      Map<String, Object> pareto = new LinkedHashMap<>();
      pareto.put("architecture", m.architecture());
      pareto.put("bundle", bundleUri);
      pareto.put("budget_kind", s.kind().configName());
      pareto.put("traces_source", traces.source());
      pareto.put("traces", tracesOrigin);
      pareto.put("bn_recalibration_batches", s.bnBatches());
      List<Map<String, Object>> layers = new ArrayList<>();
      for (LayerCost c : costs) {
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("name", c.name());
        l.put("params", c.params());
        l.put("macs", c.macs());
        l.put("trace_per_param", c.tracePerParam());
        l.put("perturbation", c.perturbation());
        layers.add(l);
      }
      pareto.put("layers", layers);
      pareto.put("members", members);
      pareto.put("uniform", uniform);
      if (!random.isEmpty()) {
        pareto.put("random", random);
      }
      // Member bundles first, pareto.json last: its presence means the search completed.
      for (Selection sel : front) {
        int[] config = toConfig(names, sel.layerBits());
        float[] th = recalibrated.get(Arrays.toString(config));
        Bundle recal = ModelBundles.toBundle(graph, th, m.toBuilder().tensorsSha256(null));
        String dir = outDir + "/" + memberDir(sel.budget());
        BundleStore.publish(recal.switchTo(sel.layerBits()), dir + "/bundle", hadoop, true);
        RunFiles.writeJson(outDir + "/" + layerBitsFile(sel.budget()), sel.layerBits(), hadoop);
      }
      RunFiles.writeJson(outDir + "/" + FILE, pareto, hadoop);
      return pareto;
    } finally {
      calibration.unpersist(false);
      test.unpersist(false);
    }
  }

  /** A finished search is never overwritten: its member bundles are what its pareto.json describes. */
  private static void requireNoSearchAt(String outDir, Configuration hadoop) {
    org.apache.hadoop.fs.Path done = new org.apache.hadoop.fs.Path(outDir, FILE);
    try {
      if (done.getFileSystem(hadoop).exists(done)) {
        throw new InvalidInputException(outDir + " already holds a finished search (" + FILE
            + "); choose another --out");
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot check " + done, e);
    }
  }

  /** {@code layer-bits-<budget>.json}. */
  static String layerBitsFile(double budget) {
    return "layer-bits-" + budgetName(budget) + ".json";
  }

  private static String memberDir(double budget) {
    return "member-" + budgetName(budget);
  }

  private static String budgetName(double budget) {
    return budget == Math.rint(budget) ? String.format(Locale.ROOT, "%.1f", budget) : Double.toString(budget);
  }

  /**
   * Per-layer ILP inputs: weight count, MACs, trace per parameter, and the squared error
   * ‖w_h − ŵ_b‖² that switching the stored INT-h weights to b adds, from the codes themselves.
   */
  static List<LayerCost> costs(Bundle bundle, QuantizedGraph graph, LayerTraces traces, int[] bits) {
    Map<Integer, Bundle> switched = new HashMap<>();
    for (int b : bits) {
      switched.put(b, bundle.switchTo(b));
    }
    List<LayerCost> costs = new ArrayList<>();
    List<LayerInfo> q = graph.quantizedLayers();
    for (int l = 0; l < q.size(); l++) {
      String name = q.get(l).name();
      float[] high = bundle.dequantizedWeights(name);
      Map<Integer, Double> perturbation = new LinkedHashMap<>();
      for (int b : bits) {
        float[] low = switched.get(b).dequantizedWeights(name);
        double e = 0;
        for (int i = 0; i < high.length; i++) {
          double d = (double) high[i] - low[i];
          e += d * d;
        }
        perturbation.put(b, e);
      }
      // A Hutchinson estimate can come out slightly negative for a flat layer; its weight is then 0.
      double trace = Math.max(0, traces.layers().get(l).tracePerParam());
      costs.add(new LayerCost(name, q.get(l).weightCount(), graph.macs(l), trace, perturbation));
    }
    return costs;
  }

  private static Map<String, Object> figures(Selection sel, Bundle deployed) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("budget", sel.budget());
    row.put("layer_bits", sel.layerBits());
    row.put("size_bytes", deployed.deployedSizeBits() / 8);
    row.put("weight_bits", sel.sizeBits());
    row.put("bit_ops", sel.bitOps());
    row.put("average_bits", sel.averageBits());
    return row;
  }

  /** Mean accuracy of {@code randomDraws} allocations drawn uniformly among those within budget i. */
  private static Map<String, Object> randomBaseline(List<LayerCost> costs, int[] bits, List<String> names, Settings s,
      int i, Bundle bundle, java.util.function.Function<int[], Double> accuracy) {
    double budget = s.budgets()[i];
    Random r = new Random(s.seed() * 7919L + i);
    double[] acc = new double[s.randomDraws()];
    double size = 0;
    double bitOps = 0;
    double avgBits = 0;
    for (int d = 0; d < acc.length; d++) {
      Map<String, Integer> layerBits = null;
      for (int attempt = 0; attempt < 100_000 && layerBits == null; attempt++) {
        Map<String, Integer> candidate = new LinkedHashMap<>();
        for (String n : names) {
          candidate.put(n, bits[r.nextInt(bits.length)]);
        }
        if (SubnetIlp.fits(costs, candidate, s.kind(), budget)) {
          layerBits = candidate;
        }
      }
      if (layerBits == null) {
        layerBits = toLayerBits(names, uniformLowest(names.size(), bits));
      }
      Selection sel = SubnetIlp.evaluate(costs, layerBits, s.kind(), budget);
      acc[d] = accuracy.apply(toConfig(names, layerBits));
      size += bundle.switchTo(layerBits).deployedSizeBits() / 8.0;
      bitOps += sel.bitOps();
      avgBits += sel.averageBits();
    }
    double mean = Arrays.stream(acc).average().orElse(0);
    double var = Arrays.stream(acc).map(a -> (a - mean) * (a - mean)).sum() / Math.max(1, acc.length - 1);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("budget", budget);
    row.put("draws", acc.length);
    row.put("size_bytes", size / acc.length);
    row.put("bit_ops", bitOps / acc.length);
    row.put("average_bits", avgBits / acc.length);
    row.put("accuracy", mean);
    row.put("accuracy_std", Math.sqrt(var));
    row.put("accuracies", acc);
    return row;
  }

  private static int[] uniformLowest(int layers, int[] bits) {
    int[] c = new int[layers];
    Arrays.fill(c, Arrays.stream(bits).min().orElseThrow());
    return c;
  }

  private static int[] toConfig(List<String> names, Map<String, Integer> layerBits) {
    int[] c = new int[names.size()];
    for (int l = 0; l < c.length; l++) {
      c[l] = layerBits.get(names.get(l));
    }
    return c;
  }

  private static Map<String, Integer> toLayerBits(List<String> names, int[] config) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int l = 0; l < config.length; l++) {
      m.put(names.get(l), config[l]);
    }
    return m;
  }

  private static String describe(List<String> names, int[] config) {
    StringBuilder sb = new StringBuilder();
    for (int l = 0; l < config.length; l++) {
      sb.append(l == 0 ? "" : " ").append(names.get(l)).append('=').append(config[l]);
    }
    return sb.toString();
  }

  /**
   * θ with the BatchNorm statistics that {@code config} uses re-estimated on every example of
   * {@code shards}: training-mode passes over mini-batches of {@code batchSize} (split across the
   * partitions) give exact per-batch sums, pooled over all batches (PyTorch's cumulative average,
   * {@code momentum=None}). Weights, scales and γ/β are untouched.
   */
  public static float[] recalibrate(JavaSparkContext sc, JavaRDD<Shard> shards, ModelSpec spec, float[] theta,
      int[] config, int batchSize) {
    int partitions = shards.getNumPartitions();
    int perPartition = Math.max(1, batchSize / partitions);
    Broadcast<float[]> params = sc.broadcast(theta);
    try {
      List<double[]> parts = shards.map(shard -> {
        QuantizedGraph g = spec.graph();
        double[] stats = new double[g.bnStatsLength()];
        float[] grad = new float[g.layout().size()];
        int size = shard.exampleSize();
        for (int start = 0; start < shard.count(); start += perPartition) {
          int n = Math.min(perPartition, shard.count() - start);
          float[] x = new float[n * size];
          System.arraycopy(shard.pixels(), start * size, x, 0, n * size);
          int[] y = Arrays.copyOfRange(shard.labels(), start, start + n);
          g.trainPass(params.value(), config, x, y, n, grad, stats);
        }
        return stats;
      }).collect();
      QuantizedGraph g = spec.graph();
      double[] total = new double[g.bnStatsLength()];
      for (double[] p : parts) {
        for (int i = 0; i < total.length; i++) {
          total[i] += p[i];
        }
      }
      float[] out = theta.clone();
      g.updateBatchNormStatistics(out, config, total, 1.0);
      return out;
    } finally {
      params.destroy();
    }
  }
}
