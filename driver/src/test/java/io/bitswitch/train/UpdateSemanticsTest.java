package io.bitswitch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.data.Dataset;
import io.bitswitch.data.Datasets;
import io.bitswitch.data.Shard;
import io.bitswitch.data.Split;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.model.ParamLayout;
import io.bitswitch.model.ParamLayout.Kind;
import io.bitswitch.model.ParamLayout.Segment;
import io.bitswitch.model.QuantizedGraph;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.spark.SparkSessions;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pins what one multi-precision step does to θ: in {@code sequential} mode, n consecutive Adam
 * updates, each on a gradient freshly computed at the parameters the previous one left, with one
 * bias-correction count per parameter segment. The reference here is written out by hand (its own
 * Adam, gradients from {@link QuantizedGraph#trainPass} on the driver) and compared with what the
 * Spark trainer produced.
 */
class UpdateSemanticsTest {
  private static final int[] BITS = {8, 4};
  private static final int BATCH = 32;
  private static final long SEED = 11;
  private static final double LR = 2e-3;
  private static final double WD = 5e-5;
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkSessions.create("local[2]", "bitswitch-test", Map.of());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static TrainOptions options() {
    // ALRS off, so every scale moves at λ and the reference needs no ALRS of its own.
    return new TrainOptions(1, BATCH, LR, WD, false, ScaleParameterisation.LOG, Distillation.NONE, 0.1,
        SEED, 1000);
  }

  /**
   * A hand-written Adam with one step count per segment (what PyTorch's Adam does per parameter),
   * scales learned in log space.
   */
  private static final class ReferenceAdam {
    final double[] m;
    final double[] v;
    final int[] t;

    ReferenceAdam(ParamLayout layout) {
      m = new double[layout.size()];
      v = new double[layout.size()];
      t = new int[layout.segments().size()];
    }

    void step(ParamLayout layout, float[] theta, float[] grad, java.util.function.Predicate<Segment> active,
        double lr) {
      List<Segment> segments = layout.segments();
      for (int k = 0; k < segments.size(); k++) {
        Segment s = segments.get(k);
        if (!s.trainable() || !active.test(s)) {
          continue;
        }
        t[k]++;
        for (int i = s.offset(); i < s.offset() + s.length(); i++) {
          double g = s.isScale() ? grad[i] * (double) theta[i] : grad[i] + (s.decayed() ? WD * theta[i] : 0);
          double mi = 0.9 * m[i] + (1 - 0.9) * g;
          double vi = 0.999 * v[i] + (1 - 0.999) * g * g;
          m[i] = (float) mi; // moments are stored as float, as the optimiser's checkpoints hold them
          v[i] = (float) vi;
          double update = lr * (mi / (1 - Math.pow(0.9, t[k]))) / (Math.sqrt(vi / (1 - Math.pow(0.999, t[k]))) + 1e-8);
          theta[i] = (float) (s.isScale() ? Math.max(1e-8, theta[i] * Math.exp(-update)) : theta[i] - update);
        }
      }
    }
  }

  @Test
  void sequentialStepIsConsecutiveAdamUpdatesOnFreshGradientsWithPerSegmentCounts() {
    Dataset ds = Datasets.open(spark, "/usr/share/datasets/fashion-mnist");
    int steps = 2;
    JavaRDD<Shard> shards = ds.shards(Split.TRAIN, 2, ds.normalization(), (long) BATCH * steps);
    ModelSpec spec = new ModelSpec("fmnist-cnn", "", ds.inputShape().toArray(), 10, SEED, BITS);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    MultiPrecisionTrainer trainer = new MultiPrecisionTrainer(sc, spec, options());
    QuantizedGraph g = spec.build();
    ParamLayout layout = g.layout();
    float[] theta0 = g.initialParameters();
    for (Segment s : layout.segments()) {
      if (s.kind() == Kind.ACT_SCALE) {
        theta0[s.offset()] = 0.5f;
      }
    }
    assertEquals(steps, trainer.totalSteps(shards));

    float[] trained = theta0.clone();
    Adam adam = new Adam(layout, ScaleParameterisation.LOG);
    trainer.train(shards, trained, false, 0, adam, step -> { });

    float[] expected = theta0.clone();
    ReferenceAdam reference = new ReferenceAdam(layout);
    List<Shard> parts = shards.collect();
    int[] batches = MultiPrecisionTrainer.partitionBatches(BATCH, 2);
    for (int step = 0; step < steps; step++) {
      double lr = LR * 0.5 * (1 + Math.cos(Math.PI * step / steps));
      for (int b : BITS) {
        // The gradient of this precision at the parameters the previous update left.
        float[] sum = new float[layout.size()];
        double[] bnStats = new double[g.bnStatsLength()];
        int examples = 0;
        for (Shard s : parts) {
          int[] pos = MultiPrecisionTrainer.slice(s.count(), batches[s.partition()], step, 0, s.partition(), SEED);
          MultiPrecisionTrainer.Batch batch = MultiPrecisionTrainer.gather(s, pos);
          float[] part = new float[layout.size()];
          g.trainPass(expected, b, batch.x(), batch.y(), pos.length, part, bnStats);
          for (int i = 0; i < sum.length; i++) {
            sum[i] += part[i];
          }
          examples += pos.length;
        }
        float[] grad = new float[sum.length];
        for (int i = 0; i < grad.length; i++) {
          grad[i] = (float) (sum[i] / (double) examples);
        }
        int bits = b;
        reference.step(layout, expected, grad, s -> s.activeAt(bits), lr);
        g.updateBatchNormStatistics(expected, g.uniform(b), bnStats, 0.1);
      }
    }

    double worst = 0;
    Segment where = null;
    for (Segment s : layout.segments()) {
      for (int i = s.offset(); i < s.offset() + s.length(); i++) {
        double d = Math.abs(expected[i] - trained[i]) / Math.max(1, Math.abs(expected[i]));
        if (d > worst) {
          worst = d;
          where = s;
        }
      }
    }
    assertTrue(worst <= 1e-6, "sequential step differs from consecutive Adam updates by " + worst + " in " + where);
    assertTrue(differs(theta0, trained), "training moved nothing");

    for (Segment s : layout.segments()) {
      long want;
      if (!s.trainable()) {
        want = 0;
      } else if (s.precision() == 0) {
        want = (long) steps * BITS.length; // shared: once per bit-width per step
      } else if (s.precision() == BitWidthSet.FP32_BITS) {
        want = 0; // the FP32 BatchNorm set is not used by quantized passes
      } else {
        want = steps; // a precision's own BN set and activation scale: once per step
      }
      assertEquals(want, adam.steps(s), s.toString());
    }
  }

  @Test
  void distillationTeachesTheNextRoundWithTheHighestPrecisionsSoftmaxOfTheSameSlice() {
    Dataset ds = Datasets.open(spark, "/usr/share/datasets/fashion-mnist");
    JavaRDD<Shard> shards = ds.shards(Split.TRAIN, 2, ds.normalization(), BATCH);
    ModelSpec spec = new ModelSpec("fmnist-cnn", "", ds.inputShape().toArray(), 10, SEED, BITS);
    Distillation distill = new Distillation(0.4, 2.0);
    TrainOptions options = new TrainOptions(1, BATCH, LR, WD, false, ScaleParameterisation.LOG,
        distill, 0.1, SEED, 1000);
    MultiPrecisionTrainer trainer = new MultiPrecisionTrainer(JavaSparkContext.fromSparkContext(spark.sparkContext()),
        spec, options);
    QuantizedGraph g = spec.build();
    float[] theta = g.initialParameters();
    int[] batches = MultiPrecisionTrainer.partitionBatches(BATCH, 2);
    PassSums high = trainer.round(shards, theta, new int[][] {g.uniform(8)}, batches, 0, 0, SEED, null);
    PassSums low = trainer.round(shards, theta, new int[][] {g.uniform(4)}, batches, 0, 0, SEED, high.teachers);

    float[] want = new float[g.layout().size()];
    double loss = 0;
    for (Shard s : shards.collect()) {
      int[] pos = MultiPrecisionTrainer.slice(s.count(), batches[s.partition()], 0, 0, s.partition(), SEED);
      MultiPrecisionTrainer.Batch b = MultiPrecisionTrainer.gather(s, pos);
      float[] softmax = new float[pos.length * g.classes()];
      g.trainPass(theta, g.uniform(8), b.x(), b.y(), pos.length, new float[want.length],
          new double[g.bnStatsLength()], null, 0, 1, softmax);
      assertArrayEquals(softmax, high.teachers[s.partition()], "teacher of partition " + s.partition());
      float[] part = new float[want.length];
      loss += g.trainPass(theta, g.uniform(4), b.x(), b.y(), pos.length, part, new double[g.bnStatsLength()],
          softmax, distill.weight(), distill.temperature(), null);
      for (int i = 0; i < want.length; i++) {
        want[i] += part[i];
      }
    }
    assertArrayEquals(want, low.gradient[0]);
    assertEquals(loss, low.loss[0], 1e-9);
    // Without the teacher the 4-bit gradient is another one: the KL term reached the gradient.
    PassSums plain = trainer.round(shards, theta, new int[][] {g.uniform(4)}, batches, 0, 0, SEED, null);
    assertTrue(differs(plain.gradient[0], low.gradient[0]));
  }

  private static boolean differs(float[] a, float[] b) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] != b[i]) {
        return true;
      }
    }
    return false;
  }
}
