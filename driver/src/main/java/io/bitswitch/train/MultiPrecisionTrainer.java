package io.bitswitch.train;

import io.bitswitch.aggregate.TreeSum;
import io.bitswitch.data.Shard;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.model.ParamLayout;
import io.bitswitch.model.ParamLayout.Kind;
import io.bitswitch.model.ParamLayout.Segment;
import io.bitswitch.model.QuantizationPlan.LayerInfo;
import io.bitswitch.model.QuantizedGraph;
import io.bitswitch.progress.StepRecord;
import io.bitswitch.quant.Alrs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * One-shot joint multi-precision QAT on Spark (docs/design/method.md §4, docs/design/architecture.md §2); with precisions
 * {@code {32}} it is plain FP32 training (the {@code pretrain} stage), with one bit-width an
 * ordinary single-precision QAT run.
 *
 * <p>Each step: θ is broadcast as a {@code float[]}; every partition takes its slice of the global
 * batch (its shard, permuted per epoch with a seed) and returns per-precision gradient sums, loss
 * sums and BatchNorm statistics; they are summed in a fixed tree ({@link TreeSum}: groups of
 * partitions added in index order on executors, the last few on the driver), so the driver holds
 * O(precisions·|θ|) whatever the partition count and the result does not depend on task timing
 * (Spark's tree aggregation merges in completion order, which would make float sums irreproducible).
 *
 * <p>A step runs one round per precision, high to low, and updates after each (the paper's loop,
 * docs/design/method.md §4): Adam at the cosine-annealed base rate for weights and BatchNorm, at the
 * ALRS rate λ_b for quantization scales, then the running BatchNorm statistics of set b; the next
 * precision's gradient is taken at the updated parameters. No step takes two optimiser steps on
 * gradients from the same parameters.
 *
 * <p>What a step's passes run is a {@link PassPlan}: by default one uniform pass per precision; the
 * HASB SuperNet stage (docs/design/method.md §6) gives each pass per-layer bit-widths. A mixed pass updates
 * the shared weights, each layer's activation scale of its own width and each BatchNorm layer's set
 * of its owner's width; a layer's scales move at the ALRS rate of its own width, with ḡ averaged
 * over the pass's layers.
 */
public final class MultiPrecisionTrainer {
  private final JavaSparkContext sc;
  private final ModelSpec spec;
  private final TrainOptions options;
  private final QuantizedGraph driverGraph;
  private final List<StepRecord> history = new ArrayList<>();
  private Consumer<StepRecord> listener = r -> { };
  private PassPlan passPlan;
  private PassListener passListener = (step, configs) -> { };
  private float[] startParameters;

  /**
   * The per-layer bit-widths of every pass of a step. Configurations are indexed like
   * {@link QuantizedGraph#quantizedLayers()}.
   */
  public interface PassPlan {
    /** The nominal precision of each pass, descending: what the step's loss columns are labelled with. */
    int[] nominal();

    /** The configurations of the passes of global step {@code step} (0-based) in {@code epoch}. */
    int[][] configurations(int step, int epoch);
  }

  /** Told the configurations each step ran (HASB draw counts). */
  public interface PassListener {
    /** After step {@code step} (1-based) ran {@code configurations}. */
    void passes(int step, int[][] configurations);
  }

  public MultiPrecisionTrainer(JavaSparkContext sc, ModelSpec spec, TrainOptions options) {
    this.sc = sc;
    this.spec = spec;
    this.options = options;
    this.driverGraph = spec.build();
    int[] precisions = spec.precisions();
    int[][] uniform = new int[precisions.length][];
    for (int k = 0; k < precisions.length; k++) {
      uniform[k] = driverGraph.uniform(precisions[k]);
    }
    this.passPlan = new PassPlan() {
      @Override
      public int[] nominal() {
        return precisions.clone();
      }

      @Override
      public int[][] configurations(int step, int epoch) {
        return uniform;
      }
    };
  }

  /** Runs the passes {@code plan} gives instead of one uniform pass per precision. */
  public MultiPrecisionTrainer passPlan(PassPlan plan) {
    this.passPlan = plan;
    return this;
  }

  /** Called after every step with the configurations it ran. */
  public MultiPrecisionTrainer onPasses(PassListener l) {
    this.passListener = l;
    return this;
  }

  /** Called after every step (progress output, metrics). */
  public MultiPrecisionTrainer onStep(Consumer<StepRecord> stepListener) {
    this.listener = stepListener;
    return this;
  }

  /** Steps taken so far, in order (after a resume, those before it first). */
  public List<StepRecord> history() {
    return history;
  }

  /**
   * Puts the steps a resumed run took before its checkpoint in front of the history, so that it
   * covers the whole run (docs/design/architecture.md §5, "Training state").
   */
  public MultiPrecisionTrainer continueHistory(List<StepRecord> before) {
    history.addAll(0, before);
    return this;
  }

  /**
   * θ as the last {@link #train} call started its first step (after the activation scales were
   * initialised), or null before any.
   */
  public float[] startParameters() {
    return startParameters;
  }

  /** The layout of θ. */
  public ParamLayout layout() {
    return driverGraph.layout();
  }

  /** The graph the driver uses (for initialisation and evaluation on the driver). */
  public QuantizedGraph driverGraph() {
    return driverGraph;
  }

  /** Per-partition batch sizes: the global batch split as evenly as possible. */
  static int[] partitionBatches(int batchSize, int partitions) {
    int[] b = new int[partitions];
    for (int p = 0; p < partitions; p++) {
      b[p] = batchSize / partitions + (p < batchSize % partitions ? 1 : 0);
    }
    return b;
  }

  /** Steps per epoch: as many full global batches as every shard can supply. */
  static int stepsPerEpoch(int[] shardCounts, int[] batches) {
    int steps = Integer.MAX_VALUE;
    for (int p = 0; p < shardCounts.length; p++) {
      if (batches[p] > 0) {
        steps = Math.min(steps, shardCounts[p] / batches[p]);
      }
    }
    return steps == Integer.MAX_VALUE ? 0 : steps;
  }

  /** The shard positions of one step's slice: a seeded per-(epoch, partition) permutation. */
  static int[] slice(int count, int batch, int stepInEpoch, int epoch, int partition, long seed) {
    int[] perm = new int[count];
    for (int i = 0; i < count; i++) {
      perm[i] = i;
    }
    Random r = new Random(seed * 1_000_003L + epoch * 7919L + partition);
    for (int i = count - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    return Arrays.copyOfRange(perm, stepInEpoch * batch, (stepInEpoch + 1) * batch);
  }

  /** Features and labels of the given shard positions. */
  static Batch gather(Shard shard, int[] positions) {
    int size = shard.exampleSize();
    float[] x = new float[positions.length * size];
    int[] y = new int[positions.length];
    for (int i = 0; i < positions.length; i++) {
      System.arraycopy(shard.pixels(), positions[i] * size, x, i * size, size);
      y[i] = shard.labels()[positions[i]];
    }
    return new Batch(x, y);
  }

  /** A mini-batch as primitive arrays. */
  public record Batch(float[] x, int[] y) implements java.io.Serializable {}

  /**
   * Trains from {@code theta} (updated in place) over the training shards.
   *
   * @param initActivationScales set activation scales from the first batch (on the driver) first
   * @param startStep steps already done (resume); 0 for a fresh run
   * @param adam optimiser state (fresh or resumed)
   * @param checkpoint called after each step with the step number (may persist the state)
   */
  public float[] train(JavaRDD<Shard> shards, float[] theta, boolean initActivationScales, int startStep,
      Adam adam, java.util.function.IntConsumer checkpoint) {
    int partitions = shards.getNumPartitions();
    int[] counts = shards.map(Shard::count).collect().stream().mapToInt(Integer::intValue).toArray();
    int[] batches = partitionBatches(options.batchSize(), partitions);
    int perEpoch = stepsPerEpoch(counts, batches);
    if (perEpoch == 0) {
      throw new io.bitswitch.InvalidInputException("the training data (" + Arrays.stream(counts).sum()
          + " examples in " + partitions + " partitions) is smaller than one batch of " + options.batchSize());
    }
    int total = perEpoch * options.epochs();
    long seed = options.seed();
    if (initActivationScales && spec.quantized()) {
      List<Batch> first = shards.map(s -> gather(s, slice(s.count(), batches[s.partition()], 0, 0, s.partition(), seed))).collect();
      int n = first.stream().mapToInt(b -> b.y().length).sum();
      float[] x = new float[n * first.get(0).x().length / Math.max(1, first.get(0).y().length)];
      int off = 0;
      for (Batch b : first) {
        System.arraycopy(b.x(), 0, x, off, b.x().length);
        off += b.x().length;
      }
      driverGraph.initActivationScales(theta, x, n);
    }
    startParameters = theta.clone();
    int[] precisions = passPlan.nominal();
    for (int step = startStep; step < total; step++) {
      long t0 = System.nanoTime();
      int epoch = step / perEpoch;
      int inEpoch = step % perEpoch;
      double lr = options.rateAt(step, total);
      int[][] configs = passPlan.configurations(step, epoch);
      double[] loss = new double[precisions.length];
      double[] scaleLr = new double[precisions.length];
      float[][] teachers = null;
      for (int k = 0; k < precisions.length; k++) {
        PassSums sums = round(shards, theta, new int[][] {configs[k]}, batches, inEpoch, epoch, seed, teachers);
        teachers = sums.teachers;
        loss[k] = sums.loss[0] / sums.examples;
        float[] grad = mean(sums.gradient[0], sums.examples);
        int[] config = configs[k];
        double[] layerRates = scaleRates(grad, precisions[k], config, lr);
        scaleLr[k] = layerRates[layerRates.length - 1];
        adam.update(theta, grad, s -> driverGraph.activeIn(s, config),
            s -> s.isScale() ? layerRates[layerIndex(s.layer())] : lr, options.weightDecay());
        driverGraph.updateBatchNormStatistics(theta, config, sums.bnStats[0], options.bnMomentum());
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      StepRecord rec = new StepRecord(step + 1, epoch, precisions, loss, lr, scaleLr,
          options.batchSize() / seconds, seconds);
      history.add(rec);
      passListener.passes(step + 1, configs);
      listener.accept(rec);
      checkpoint.accept(step + 1);
    }
    return theta;
  }

  /** Total steps of this stage for the given shard counts. */
  public int totalSteps(JavaRDD<Shard> shards) {
    int[] counts = shards.map(Shard::count).collect().stream().mapToInt(Integer::intValue).toArray();
    return stepsPerEpoch(counts, partitionBatches(options.batchSize(), counts.length)) * options.epochs();
  }

  /** The summed per-precision gradients of step {@code inEpoch} of {@code epoch} at θ (one round). */
  PassSums round(JavaRDD<Shard> shards, float[] theta, int[] roundPrecisions, int[] batches,
      int inEpoch, int epoch, long seed) {
    int[][] configs = new int[roundPrecisions.length][];
    for (int k = 0; k < configs.length; k++) {
      configs[k] = driverGraph.uniform(roundPrecisions[k]);
    }
    return round(shards, theta, configs, batches, inEpoch, epoch, seed, null);
  }

  /**
   * The summed gradients of one pass per configuration, at θ (one distributed round).
   *
   * <p>With distillation on, the passes learn from a teacher: {@code teachers} (per partition, the
   * softmax of an earlier round's highest-precision pass over the same slice) or, when null, the
   * round's own first pass, whose softmax the result then carries in {@link PassSums#teachers}.
   */
  PassSums round(JavaRDD<Shard> shards, float[] theta, int[][] configs, int[] batches,
      int inEpoch, int epoch, long seed, float[][] teachers) {
    Broadcast<float[]> params = sc.broadcast(theta);
    Broadcast<float[][]> given = teachers == null ? null : sc.broadcast(teachers);
    try {
      // Summed in a fixed tree: the driver receives at most TreeSum.FAN_IN partial sums.
      PassSums total = TreeSum.sumOf(shards, new RoundTask(spec, params, given, configs, batches, inEpoch, epoch, seed,
          options.distillation(), options.augmentation()), PassSums::add);
      if (total.teachers == null) {
        total.teachers = teachers;
      }
      return total;
    } finally {
      params.destroy();
      if (given != null) {
        given.destroy();
      }
    }
  }

  private static float[] mean(float[] gradSum, long examples) {
    float[] grad = new float[gradSum.length];
    for (int i = 0; i < grad.length; i++) {
      grad[i] = (float) (gradSum[i] / examples);
    }
    return grad;
  }

  private int layerIndex(String layer) {
    List<LayerInfo> q = driverGraph.quantizedLayers();
    for (int l = 0; l < q.size(); l++) {
      if (q.get(l).name().equals(layer)) {
        return l;
      }
    }
    throw new IllegalArgumentException(layer);
  }

  /**
   * The scale learning rate of every quantized layer under {@code config} (ALRS λ at the layer's
   * bit-width, with ḡ averaged over the pass's layers; λ without ALRS), followed by the rate at the
   * nominal precision; for an FP32 model just {NaN}.
   */
  private double[] scaleRates(float[] grad, int nominal, int[] config, double lr) {
    if (!spec.quantized()) {
      return new double[] {Double.NaN};
    }
    ParamLayout layout = driverGraph.layout();
    List<LayerInfo> q = driverGraph.quantizedLayers();
    double[] rates = new double[q.size() + 1];
    if (!options.alrs()) {
      Arrays.fill(rates, lr);
      return rates;
    }
    int h = layout.highest();
    double[] terms = new double[q.size()];
    for (int l = 0; l < q.size(); l++) {
      Segment ws = layout.get(q.get(l).name(), Kind.WEIGHT_SCALE, 0);
      Segment as = layout.get(q.get(l).name(), Kind.ACT_SCALE, config[l]);
      terms[l] = Alrs.layerTerm(ParamLayout.slice(grad, ws), ParamLayout.slice(grad, as));
    }
    double gBar = Alrs.meanTerm(terms);
    for (int l = 0; l < q.size(); l++) {
      rates[l] = Alrs.rate(lr, h, config[l], gBar);
    }
    rates[q.size()] = Alrs.rate(lr, h, nominal, gBar);
    return rates;
  }
}
