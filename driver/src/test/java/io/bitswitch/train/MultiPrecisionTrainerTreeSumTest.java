package io.bitswitch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.aggregate.TreeSum;

import io.bitswitch.data.Dataset;
import io.bitswitch.data.Datasets;
import io.bitswitch.data.Shard;
import io.bitswitch.data.Split;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.model.QuantizedGraph;
import io.bitswitch.spark.SparkSessions;
import io.bitswitch.testing.RequiredPackages;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link MultiPrecisionTrainer} with more partitions than {@link TreeSum#FAN_IN}: the tree-summed
 * round equals the in-process sum in the same order, distillation teachers arrive per partition,
 * training is reproducible, and the bytes the driver receives per round do not grow with the
 * partition count.
 */
class MultiPrecisionTrainerTreeSumTest {
  private static final int[] PRECISIONS = {8, 4};
  private static final Distillation INPLACE = new Distillation(0.5, 1.0);
  static SparkSession spark;
  static JavaSparkContext sc;
  static Dataset ds;

  @BeforeAll
  static void start() {
    RequiredPackages.require("dataset-fashion-mnist");
    spark = SparkSessions.create("local[2]", "bitswitch-tree-sum-test", Map.of());
    sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    ds = Datasets.open(spark, TrainingPipelineTest.DATA);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static ModelSpec spec() {
    return new ModelSpec("fmnist-cnn", "", ds.inputShape().toArray(), 10, 3, PRECISIONS);
  }

  private static TrainOptions options(int batch, Distillation distill) {
    return new TrainOptions(1, batch, 1e-3, 5e-5, true, ScaleParameterisation.LOG, distill, 0.1, 3, 1000);
  }

  @Test
  void eightPartitionRoundIsTheInProcessTreeSumAndCarriesEveryPartitionsTeacher() {
    int partitions = 8;
    JavaRDD<Shard> shards = ds.shards(Split.TRAIN, partitions, ds.normalization(), 512);
    MultiPrecisionTrainer trainer = new MultiPrecisionTrainer(sc, spec(), options(64, INPLACE));
    QuantizedGraph g = spec().build();
    float[] theta = trainer.driverGraph().initialParameters();
    int[][] configs = {g.uniform(8), g.uniform(4)};
    int[] batches = MultiPrecisionTrainer.partitionBatches(64, partitions);
    PassSums distributed = trainer.round(shards, theta, configs, batches, 1, 0, 3, null);

    // The same passes in this thread, one partition at a time, summed in TreeSum's order.
    List<PassSums> local = new ArrayList<>();
    List<float[]> softmax = new ArrayList<>();
    for (Shard s : shards.collect()) {
      int[] pos = MultiPrecisionTrainer.slice(s.count(), batches[s.partition()], 1, 0, s.partition(), 3);
      MultiPrecisionTrainer.Batch b = MultiPrecisionTrainer.gather(s, pos);
      PassSums part = new PassSums(2, g.layout().size(), g.bnStatsLength());
      float[] teacher = new float[pos.length * g.classes()];
      part.loss[0] = g.trainPass(theta, configs[0], b.x(), b.y(), pos.length, part.gradient[0], part.bnStats[0],
          null, 0, 1, teacher);
      part.loss[1] = g.trainPass(theta, configs[1], b.x(), b.y(), pos.length, part.gradient[1], part.bnStats[1],
          teacher, INPLACE.weight(), INPLACE.temperature(), null);
      part.examples = pos.length;
      local.add(part);
      softmax.add(teacher);
    }
    PassSums expected = TreeSum.sequential(local, PassSums::add);
    assertEquals(64, distributed.examples);
    for (int k = 0; k < 2; k++) {
      assertArrayEquals(expected.gradient[k], distributed.gradient[k]);
      assertArrayEquals(expected.bnStats[k], distributed.bnStats[k]);
    }
    assertArrayEquals(expected.loss, distributed.loss);
    assertEquals(partitions, distributed.teachers.length);
    for (int p = 0; p < partitions; p++) {
      assertArrayEquals(softmax.get(p), distributed.teachers[p], "teacher of partition " + p);
    }

    // A later round of the step learns from those teachers and hands the same ones on.
    PassSums next = trainer.round(shards, theta, new int[][] {g.uniform(4)}, batches, 1, 0, 3, distributed.teachers);
    assertTrue(next.teachers == distributed.teachers);
  }

  private static float[] train(int partitions, int batch, int steps, Distillation distill) {
    JavaRDD<Shard> shards = ds.shards(Split.TRAIN, partitions, ds.normalization(), (long) batch * steps);
    MultiPrecisionTrainer trainer = new MultiPrecisionTrainer(sc, spec(), options(batch, distill));
    float[] theta = trainer.driverGraph().initialParameters();
    trainer.train(shards, theta, true, 0, new Adam(trainer.layout(), ScaleParameterisation.LOG), s -> { });
    return theta;
  }

  @Test
  void twoRunsWithEightPartitionsGiveByteIdenticalParameters() {
    float[] first = train(8, 64, 3, INPLACE);
    float[] second = train(8, 64, 3, INPLACE);
    assertArrayEquals(first, second);
  }

  @Test
  void bytesTheDriverReceivesPerRoundDoNotGrowWithThePartitionCount() {
    DriverResultBytes bytes = DriverResultBytes.on(spark.sparkContext());
    long[] perRound = new long[17];
    for (int partitions : new int[] {2, 4, 8, 16}) {
      DriverResultBytes.drain(spark.sparkContext());
      bytes.reset();
      train(partitions, 64, 2, Distillation.NONE);
      DriverResultBytes.drain(spark.sparkContext());
      perRound[partitions] = bytes.largestStage();
    }
    String figures = "driver result bytes per round at 2/4/8/16 partitions: " + perRound[2] + " / " + perRound[4]
        + " / " + perRound[8] + " / " + perRound[16];
    System.out.println(figures);
    assertTrue(perRound[16] <= perRound[4] * 1.1 + 16_384, figures);
    assertTrue(perRound[8] <= perRound[4] * 1.1 + 16_384, figures);
    spark.sparkContext().removeSparkListener(bytes);
  }

  @Test
  void passSumsKeepOneTeacherSlotPerPartitionInPartitionOrder() {
    PassSums[] parts = new PassSums[6];
    for (int p = 0; p < parts.length; p++) {
      parts[p] = new PassSums(1, 2, 1);
      parts[p].examples = p == 3 ? 0 : 5;
      // Partition 3's slice is empty this step: no teacher.
      parts[p].teachers = p == 3 ? null : new float[][] {{p}};
    }
    PassSums total = TreeSum.sequential(List.of(parts), PassSums::add);
    assertEquals(6, total.partitions);
    assertEquals(25, total.examples);
    assertEquals(6, total.teachers.length);
    for (int p = 0; p < 6; p++) {
      if (p == 3) {
        assertNull(total.teachers[p]);
      } else {
        assertArrayEquals(new float[] {p}, total.teachers[p]);
      }
    }
    PassSums a = new PassSums(1, 2, 1);
    assertNull(a.add(new PassSums(1, 2, 1)).teachers, "no distillation, no teachers");
  }
}
