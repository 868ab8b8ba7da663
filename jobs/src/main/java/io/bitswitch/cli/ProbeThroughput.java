package io.bitswitch.cli;

import io.bitswitch.data.Dataset;
import io.bitswitch.data.Shard;
import io.bitswitch.data.Split;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.sensitivity.SensitivityAnalysis;
import io.bitswitch.train.InterleavedBenchmark.Measurement;
import io.bitswitch.train.InterleavedBenchmark.Row;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code bitswitch benchmark}'s sensitivity measurement: one Hutchinson probe as the
 * {@code sensitivity} stage runs it ({@link SensitivityAnalysis#run} with one probe: broadcast θ,
 * every partition computes its shard's gradient at θ + εv and θ − εv; docs/design/method.md §5), on
 * a fresh FP32 {@code fmnist-cnn} (the stage analyses FP32 weights). It lives here rather than
 * beside {@code train.ThroughputBenchmark} because training may not depend on the analysis
 * (docs/design/architecture.md §1).
 */
final class ProbeThroughput implements Measurement {
  /** Row key: image-gradients per second (two per sample image and probe). */
  static final String KEY = "probe";

  private final JavaSparkContext sc;
  private final JavaRDD<Shard> shards;
  private final ModelSpec spec;
  private final float[] theta;
  private final long images;
  private final boolean warmup;

  /**
   * @param partitions one per core, as the stage's data.partitions would be on this machine
   * @param samples the stage's sample (sensitivity.samples), capped by the training split
   * @param warmup one unmeasured probe before the first round
   */
  ProbeThroughput(JavaSparkContext sc, Dataset ds, int partitions, int samples, long seed, boolean warmup) {
    this.sc = sc;
    this.shards = ds.shards(Split.TRAIN, partitions, ds.normalization(), samples);
    this.images = shards.map(Shard::count).reduce(Integer::sum);
    this.spec = new ModelSpec("fmnist-cnn", "", ds.inputShape().toArray(), ds.numClasses(), seed,
        new int[] {BitWidthSet.FP32_BITS});
    this.theta = spec.graph().initialParameters();
    this.warmup = warmup;
  }

  /** Sample images per probe. */
  long images() {
    return images;
  }

  @Override
  public List<Row> rows() {
    return List.of(new Row(KEY, "one Hutchinson probe (sensitivity)", "image-gradients/s"));
  }

  @Override
  public double[] round(int round) {
    if (round == 0 && warmup) {
      probe(-1);
    }
    long t0 = System.nanoTime();
    probe(round);
    return new double[] {2.0 * images / ((System.nanoTime() - t0) / 1e9)};
  }

  /** One probe with its own Rademacher vector (the seed), to the stage's first-probe code path. */
  private void probe(long seed) {
    SensitivityAnalysis.run(sc, shards, spec, theta, seed, 1, 1e-3, "benchmark");
  }
}
