package io.bitswitch.evaluate;

import io.bitswitch.data.Shard;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.model.QuantizedGraph;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Test accuracy of θ at several precisions or per-layer configurations, computed over Spark (one
 * task per shard). Used by the training stages (the accuracies a bundle is published with), the
 * {@code evaluate} stage and the subnet search; it depends on the model and data only, so the
 * search need not depend on training (docs/design/architecture.md §1).
 */
public final class Evaluator {
  private Evaluator() {}

  /**
   * Accuracy (ratio in [0,1]) per precision, in the order given.
   *
   * @param precisions bit-widths of the spec's layout, or 32
   * @param batchSize inference batch per forward pass
   */
  public static double[] accuracy(JavaSparkContext sc, JavaRDD<Shard> shards, ModelSpec spec, float[] theta,
      int[] precisions, int batchSize) {
    QuantizedGraph driverGraph = spec.graph();
    int[][] configs = new int[precisions.length][];
    for (int k = 0; k < precisions.length; k++) {
      configs[k] = driverGraph.uniform(precisions[k]);
    }
    return accuracy(sc, shards, spec, theta, configs, batchSize);
  }

  /**
   * Accuracy per per-layer bit-width configuration ({@link QuantizedGraph#load(float[], int[], boolean)}),
   * in the order given.
   */
  public static double[] accuracy(JavaSparkContext sc, JavaRDD<Shard> shards, ModelSpec spec, float[] theta,
      int[][] configs, int batchSize) {
    int passes = configs.length;
    Broadcast<float[]> params = sc.broadcast(theta);
    try {
      List<long[]> parts = shards.map(shard -> {
        QuantizedGraph g = spec.graph();
        long[] correct = new long[passes + 1];
        correct[passes] = shard.count();
        int size = shard.exampleSize();
        for (int k = 0; k < passes; k++) {
          g.load(params.value(), configs[k], false);
          for (int start = 0; start < shard.count(); start += batchSize) {
            int n = Math.min(batchSize, shard.count() - start);
            float[] x = new float[n * size];
            System.arraycopy(shard.pixels(), start * size, x, 0, n * size);
            float[] probs = g.output(x, n);
            int classes = probs.length / n;
            for (int i = 0; i < n; i++) {
              int best = 0;
              for (int c = 1; c < classes; c++) {
                if (probs[i * classes + c] > probs[i * classes + best]) {
                  best = c;
                }
              }
              if (best == shard.labels()[start + i]) {
                correct[k]++;
              }
            }
          }
        }
        return correct;
      }).collect();
      double[] acc = new double[passes];
      long total = parts.stream().mapToLong(c -> c[passes]).sum();
      for (int k = 0; k < passes; k++) {
        final int kk = k;
        acc[k] = total == 0 ? 0 : parts.stream().mapToLong(c -> c[kk]).sum() / (double) total;
      }
      return acc;
    } finally {
      params.destroy();
    }
  }
}
