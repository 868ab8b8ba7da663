package io.bitswitch.spark;

import io.bitswitch.aggregate.TreeSum;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * The fixed cost of one training round in Spark, without the training: θ of {@code fmnist-cnn}'s
 * size (475,000 floats; {@code -Dparameters=N} for another) broadcast, two tasks on {@code local[2]}
 * each returning a gradient of that size, summed as the trainer sums them ({@link TreeSum#sumOf}) and
 * applied on the driver, the broadcast
 * destroyed. Run with the session settings of {@link SparkSessions} plus any {@code key=value}
 * arguments after the round count, e.g. {@code spark.task.maxDirectResultSize=64m}
 * (docs/PERFORMANCE.md, "Not done here"). Prints the median and the fastest round after 5
 * unmeasured ones, and the median of each phase. A benchmark, not a test.
 */
public final class SparkRoundBenchmark {
  private static final int PARAMETERS = Integer.getInteger("parameters", 475_000);

  private SparkRoundBenchmark() {}

  /** The task: a gradient of θ's size. A named class, as the trainer's RoundTask (no ClosureCleaner pass). */
  private static final class Gradient implements org.apache.spark.api.java.function.Function<Integer, float[]> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<float[]> params;

    Gradient(Broadcast<float[]> params) {
      this.params = params;
    }

    @Override
    public float[] call(Integer partition) {
      float[] th = params.value();
      float[] g = new float[th.length];
      for (int i = 0; i < g.length; i++) {
        g[i] = th[i] * 0.5f + partition;
      }
      return g;
    }
  }

  private static double median(long[] values) {
    long[] v = Arrays.copyOfRange(values, Math.min(5, values.length), values.length);
    Arrays.sort(v);
    return v[v.length / 2];
  }

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 80;
    Map<String, String> extra = new HashMap<>();
    for (String kv : Arrays.copyOfRange(args, Math.min(1, args.length), args.length)) {
      String[] p = kv.split("=", 2);
      extra.put(p[0], p[1]);
    }
    SparkSession spark = SparkSession.builder().config(SparkSessions.conf("local[2]", "round-benchmark", extra))
        .getOrCreate();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    float[] theta = new float[PARAMETERS];
    for (int i = 0; i < theta.length; i++) {
      theta[i] = (float) Math.sin(i);
    }
    JavaRDD<Integer> parts = sc.parallelize(List.of(0, 1), 2).cache();
    parts.count();
    long[] nanos = new long[rounds];
    long[][] phases = new long[3][rounds];
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      Broadcast<float[]> params = sc.broadcast(theta);
      long t1 = System.nanoTime();
      // The trainer's path: one job, the results summed in TreeSum's order.
      float[] gradient = TreeSum.sumOf(parts, new Gradient(params), (into, other) -> {
        for (int i = 0; i < into.length; i++) {
          into[i] += other[i];
        }
        return into;
      });
      long t2 = System.nanoTime();
      for (int i = 0; i < theta.length; i++) {
        theta[i] += 1e-6f * gradient[i];
      }
      params.destroy();
      nanos[r] = System.nanoTime() - t0;
      phases[0][r] = t1 - t0;
      phases[1][r] = t2 - t1;
      phases[2][r] = nanos[r] - (t2 - t0);
    }
    long[] measured = Arrays.copyOfRange(nanos, Math.min(5, rounds), rounds);
    Arrays.sort(measured);
    System.out.printf("round %s: median %.1f ms, fastest %.1f ms over %d rounds (medians: broadcast %.1f ms, job %.1f ms,"
        + " update and destroy %.1f ms)%n", extra.isEmpty() ? "(bitswitch settings)" : extra,
        measured[measured.length / 2] / 1e6, measured[0] / 1e6, measured.length, median(phases[0]) / 1e6,
        median(phases[1]) / 1e6, median(phases[2]) / 1e6);
    spark.stop();
  }
}
