package io.bitswitch.train;

import io.bitswitch.data.Dataset;
import io.bitswitch.data.Datasets;
import io.bitswitch.data.Shard;
import io.bitswitch.data.Split;
import io.bitswitch.model.Architectures;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.progress.StepRecord;
import io.bitswitch.quant.BitWidthSet;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The issue-3 speed target, measured: {@code train}'s image-passes per second (one pass = one image
 * at one bit-width) against plain DL4J FP32 forward+backward of the same network on the same
 * cores (one network per core, as Spark runs one task per core).
 */
public final class ThroughputBenchmark {
  private ThroughputBenchmark() {}

  /**
   * Results.
   *
   * @param plainImagesPerSecond plain DL4J FP32 forward+backward, all threads together
   * @param trainImagePassesPerSecond bitswitch joint QAT on Spark, image-passes per second
   * @param trainImagesPerSecond the same in global-batch images per second
   * @param passes bit-widths per step
   */
  public record Result(double plainImagesPerSecond, double trainImagePassesPerSecond, double trainImagesPerSecond,
      int passes) {
    /** train over plain; the target is ≥ 0.85. */
    public double ratio() {
      return trainImagePassesPerSecond / plainImagesPerSecond;
    }
  }

  /**
   * Runs both measurements.
   *
   * @param threads cores (= Spark partitions and plain DL4J threads)
   * @param batchSize global batch (each thread/partition takes batchSize/threads)
   * @param steps measured steps after {@code warmup} unmeasured ones
   */
  public static Result run(SparkSession spark, String dataUri, BitWidthSet bits, int threads, int batchSize,
      int steps, int warmup, PrintStream log) throws Exception {
    Dataset ds = Datasets.open(spark, dataUri);
    int perThread = batchSize / threads;
    int[] shape = ds.inputShape().toArray();
    JavaRDD<Shard> sample = ds.shards(Split.TRAIN, 1, ds.normalization(), (long) perThread);
    Shard shard = sample.first();
    float[] x = shard.pixels();
    float[] y = new float[perThread * ds.numClasses()];
    for (int i = 0; i < perThread; i++) {
      y[i * ds.numClasses() + shard.labels()[i]] = 1f;
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<Double>> runs = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      runs.add(pool.submit(() -> {
        ComputationGraph g = new ComputationGraph(Architectures.fmnistCnn(shape[0], shape[1], shape[2],
            ds.numClasses(), 1));
        g.init();
        g.setInputs(Nd4j.create(x, new long[] {perThread, shape[0], shape[1], shape[2]}, 'c'));
        g.setLabels(Nd4j.create(y, new long[] {perThread, ds.numClasses()}, 'c'));
        for (int i = 0; i < warmup; i++) {
          g.computeGradientAndScore();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
          g.computeGradientAndScore();
        }
        return (double) steps * perThread / ((System.nanoTime() - t0) / 1e9);
      }));
    }
    double plain = 0;
    for (Future<Double> f : runs) {
      plain += f.get();
    }
    pool.shutdown();
    log.printf("plain DL4J FP32 forward+backward: %.0f img/s (%d threads, batch %d each)%n", plain, threads, perThread);

    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<Shard> shards = ds.shards(Split.TRAIN, threads, ds.normalization(), (long) batchSize * (steps + warmup));
    ModelSpec spec = new ModelSpec("fmnist-cnn", "", shape, ds.numClasses(), 1, bits.descending());
    TrainOptions options = new TrainOptions(1, batchSize, 1e-3, 5e-5, true,
        ScaleParameterisation.LOG, Distillation.NONE, 0.1, 1, 1000);
    MultiPrecisionTrainer trainer = new MultiPrecisionTrainer(sc, spec, options);
    float[] theta = trainer.driverGraph().initialParameters();
    trainer.train(shards, theta, true, 0, new Adam(trainer.layout(), options.scales()), s -> { });
    List<StepRecord> measured = trainer.history().subList(warmup, trainer.history().size());
    double seconds = measured.stream().mapToDouble(StepRecord::seconds).sum();
    double images = (double) measured.size() * batchSize / seconds;
    log.printf("bitswitch train %s: %.0f img/s = %.0f image-passes/s (local Spark, %d partitions)%n",
        bits, images, images * bits.size(), threads);
    return new Result(plain, images * bits.size(), images, bits.size());
  }
}
