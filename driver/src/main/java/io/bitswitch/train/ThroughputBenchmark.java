package io.bitswitch.train;

import io.bitswitch.data.Dataset;
import io.bitswitch.data.Shard;
import io.bitswitch.data.Split;
import io.bitswitch.evaluate.Evaluator;
import io.bitswitch.model.Architectures;
import io.bitswitch.model.LayerHelpers;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.progress.StepRecord;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.train.InterleavedBenchmark.Measurement;
import io.bitswitch.train.InterleavedBenchmark.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training-side measurements of {@code bitswitch benchmark} (issue-3 and issue-11 speed targets),
 * each an {@link InterleavedBenchmark.Measurement}: plain DL4J FP32 forward+backward of the
 * {@code fmnist-cnn} network (one network per core, as Spark runs one task per core),
 * {@code train}'s joint step on Spark (image-passes per second: one pass = one image at one
 * bit-width) and evaluation by {@link Evaluator} at every bit-width.
 */
public final class ThroughputBenchmark {
  /** Row key: plain DL4J FP32 forward+backward, img/s over all threads. */
  public static final String PLAIN = "dl4j-fp32";
  /**
   * Row key: the same network and passes with bitswitch's layer code ({@link LayerHelpers}), as
   * {@code train} runs its layers: what {@code train}'s quantisation overhead is measured against.
   */
  public static final String PLAIN_LAYERS = "dl4j-fp32-layers";
  /** Row key: {@code train}'s joint step, image-passes/s. */
  public static final String TRAIN = "train";
  /** Row key: {@link Evaluator}, test images per second per bit-width. */
  public static final String EVALUATE = "evaluate";

  private ThroughputBenchmark() {}

  /**
   * Plain DL4J FP32 forward+backward on one fixed batch per thread, on DL4J's own layer code and
   * then on bitswitch's ({@link #PLAIN_LAYERS}): each round builds the networks, runs
   * {@code warmup} unmeasured and {@code steps} timed passes of each on every thread at once and
   * reports the threads' summed img/s of both.
   *
   * @param threads cores (= Spark partitions of the other measurements)
   * @param batchSize global batch; each thread takes batchSize/threads
   */
  public static Measurement plainFp32(Dataset ds, int threads, int batchSize, int steps, int warmup) {
    int perThread = batchSize / threads;
    int classes = ds.numClasses();
    int[] shape = ds.inputShape().toArray();
    JavaRDD<Shard> sample = ds.shards(Split.TRAIN, 1, ds.normalization(), (long) perThread);
    Shard shard = sample.first();
    sample.unpersist(false);
    float[] x = shard.pixels();
    float[] y = new float[perThread * classes];
    for (int i = 0; i < perThread; i++) {
      y[i * classes + shard.labels()[i]] = 1f;
    }
    Row row = new Row(PLAIN, "plain DL4J FP32 fwd+bwd", "img/s");
    Row withLayers = new Row(PLAIN_LAYERS, "DL4J FP32 fwd+bwd, bitswitch layer code", "img/s");
    return new Measurement() {
      @Override
      public List<Row> rows() {
        return List.of(row, withLayers);
      }

      /** img/s of one thread's timed passes, on DL4J's own layer code or on bitswitch's. */
      private double passes(boolean layerHelpers) {
        ComputationGraph g = new ComputationGraph(Architectures.fmnistCnn(shape[0], shape[1], shape[2], classes, 1));
        g.init();
        if (layerHelpers) {
          LayerHelpers.install(g);
        }
        g.setInputs(Nd4j.create(x, new long[] {perThread, shape[0], shape[1], shape[2]}, 'c'));
        g.setLabels(Nd4j.create(y, new long[] {perThread, classes}, 'c'));
        for (int i = 0; i < warmup; i++) {
          g.computeGradientAndScore();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
          g.computeGradientAndScore();
        }
        return (double) steps * perThread / ((System.nanoTime() - t0) / 1e9);
      }

      @Override
      public double[] round(int round) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
          List<Future<double[]>> runs = new ArrayList<>();
          for (int t = 0; t < threads; t++) {
            runs.add(pool.submit(() -> new double[] {passes(false), passes(true)}));
          }
          double[] sums = new double[2];
          for (Future<double[]> f : runs) {
            double[] r = f.get();
            sums[0] += r[0];
            sums[1] += r[1];
          }
          return sums;
        } finally {
          pool.shutdown();
        }
      }
    };
  }

  /**
   * {@code train}'s joint step (the sequential update, docs/design/method.md §4) on Spark, one
   * partition per core: each round trains {@code warmup + steps} steps from where the previous round
   * left θ and Adam (the first round sets the activation scales first) and reports the timed steps'
   * image-passes per second (the trainer's own step times, as {@code train} logs them).
   *
   * @param options the joint stage's options; one epoch over {@code (warmup + steps)} global batches
   */
  public static TrainMeasurement train(JavaSparkContext sc, Dataset ds, BitWidthSet bits, TrainOptions options,
      int threads, int steps, int warmup) {
    return new TrainMeasurement(sc, ds, bits, options.withEpochs(1), threads, steps, warmup);
  }

  /** The {@link #train} measurement; its θ is what the evaluation measurement evaluates. */
  public static final class TrainMeasurement implements Measurement {
    private final JavaRDD<Shard> shards;
    private final ModelSpec spec;
    private final MultiPrecisionTrainer trainer;
    private final Adam adam;
    private final float[] theta;
    private final int warmup;
    private final int batchSize;
    private final int passes;
    private final Row row;

    TrainMeasurement(JavaSparkContext sc, Dataset ds, BitWidthSet bits, TrainOptions options, int threads, int steps,
        int warmup) {
      this.shards = ds.shards(Split.TRAIN, threads, ds.normalization(), (long) options.batchSize() * (steps + warmup));
      this.spec = new ModelSpec("fmnist-cnn", "", ds.inputShape().toArray(), ds.numClasses(), options.seed(),
          bits.descending());
      this.trainer = new MultiPrecisionTrainer(sc, spec, options);
      this.theta = trainer.driverGraph().initialParameters();
      this.adam = new Adam(trainer.layout(), options.scales());
      this.warmup = warmup;
      this.batchSize = options.batchSize();
      this.passes = bits.size();
      this.row = new Row(TRAIN, "bitswitch train, sequential (" + passes + " bits)", "image-passes/s");
    }

    @Override
    public List<Row> rows() {
      return List.of(row);
    }

    @Override
    public double[] round(int round) {
      int before = trainer.history().size();
      trainer.train(shards, theta, round == 0, 0, adam, s -> { });
      List<StepRecord> measured = trainer.history().subList(before + warmup, trainer.history().size());
      double seconds = measured.stream().mapToDouble(StepRecord::seconds).sum();
      return new double[] {(double) measured.size() * batchSize * passes / seconds};
    }

    /** The model trained. */
    public ModelSpec spec() {
      return spec;
    }

    /** θ as the rounds so far left it (the array itself, updated in place by later rounds). */
    public float[] parameters() {
      return theta;
    }

    /** Bit-widths per step. */
    public int passes() {
      return passes;
    }
  }

  /**
   * Evaluation as {@code evaluate} runs it ({@link Evaluator#accuracy}: broadcast θ, one task per
   * shard) at every bit-width of {@code trained}, over the first {@code maxTest} test images (0: all),
   * at θ as the training measurement left it. Reports test images per second per bit-width, i.e.
   * images × bit-widths over the wall time of the call; {@code warmup > 0} adds one unmeasured call
   * on one batch per partition before the first round (the JVM stays warm between rounds).
   *
   * @param evalBatch inference batch per forward pass (evaluate.batch-size)
   */
  public static Measurement evaluation(JavaSparkContext sc, Dataset ds, TrainMeasurement trained, int threads,
      long maxTest, int evalBatch, int warmup) {
    JavaRDD<Shard> test = ds.shards(Split.TEST, threads, ds.normalization(), maxTest > 0 ? maxTest : Long.MAX_VALUE);
    long images = test.map(Shard::count).reduce(Integer::sum);
    int[] precisions = trained.spec().precisions();
    Row row = new Row(EVALUATE, "evaluate (Evaluator, each of bits " + bitsList(precisions) + ")", "img/s");
    return new Measurement() {
      @Override
      public List<Row> rows() {
        return List.of(row);
      }

      @Override
      public double[] round(int round) {
        if (round == 0 && warmup > 0) {
          // One batch per partition warms the code path without a second pass over the test split.
          JavaRDD<Shard> few = ds.shards(Split.TEST, threads, ds.normalization(), (long) threads * evalBatch);
          Evaluator.accuracy(sc, few, trained.spec(), trained.parameters(), precisions, evalBatch);
          few.unpersist(false);
        }
        long t0 = System.nanoTime();
        Evaluator.accuracy(sc, test, trained.spec(), trained.parameters(), precisions, evalBatch);
        return new double[] {images * precisions.length / ((System.nanoTime() - t0) / 1e9)};
      }
    };
  }

  /** {@code 8,6,4,2}. */
  static String bitsList(int[] bits) {
    StringBuilder s = new StringBuilder();
    for (int b : bits) {
      s.append(s.length() == 0 ? "" : ",").append(b);
    }
    return s.toString();
  }
}
