package io.bitswitch.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.data.Datasets;
import io.bitswitch.data.Dataset;
import io.bitswitch.data.Shard;
import io.bitswitch.data.Split;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.model.QuantizedGraph;
import io.bitswitch.progress.StepRecord;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.spark.SparkSessions;
import io.bitswitch.store.BundleStore;
import io.bitswitch.testing.RequiredPackages;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training pipeline on Spark local[2] with real Fashion-MNIST: pretrain → joint QAT →
 * evaluate from the bundle, plus the distributed-gradient equality.
 */
class TrainingPipelineTest {
  static final String DATA = "/usr/share/datasets/fashion-mnist";
  static SparkSession spark;
  static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    RequiredPackages.require("dataset-fashion-mnist");
    spark = SparkSessions.create("local[2]", "bitswitch-test", Map.of());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static StageSetup setup(long maxTrain) {
    return new StageSetup("fmnist-cnn", "", 3, DATA, 2, maxTrain, 500, 250);
  }

  static TrainOptions options(int epochs) {
    return new TrainOptions(epochs, 64, 2e-3, 5e-5, true, ScaleParameterisation.LOG, Distillation.NONE, 0.1, 3,
        1000);
  }

  @Test
  void pretrainThenJointQatLearnsEveryPrecisionAndEvaluatesExactlyFromTheBundle() {
    String fp = dir.resolve("fp").toUri().toString();
    StageOutcome pre = PretrainStage.run(new StageContext(spark, setup(2048), QUIET), options(1), fp);
    assertTrue(pre.accuracy().get("32") > 0.5, "FP32 accuracy " + pre.accuracy());

    String q = dir.resolve("q").toUri().toString();
    BitWidthSet bits = BitWidthSet.of(8, 6, 4, 2);
    StageOutcome out = TrainStage.run(new StageContext(spark, setup(2048), QUIET), options(1), bits, fp, q,
        Checkpointing.NONE);
    List<StepRecord> h = out.history();
    assertEquals(32, h.size());
    for (int k = 0; k < 4; k++) {
      int kk = k;
      String curve = "precision " + bits.get(k) + " losses " + h.stream().map(r -> String.format("%.3f", r.loss()[kk]))
          .toList();
      int n = h.size();
      double last = (h.get(n - 1).loss()[k] + h.get(n - 2).loss()[k] + h.get(n - 3).loss()[k]) / 3;
      double startMax = h.subList(0, 10).stream().mapToDouble(r -> r.loss()[kk]).max().orElseThrow();
      // Every precision recovers from the restart of the optimiser on the FP32 model: Adam's first
      // steps move every weight by about λ whatever its gradient, which raises even a
      // single-precision 8-bit model's loss for a while (docs/quick-screen.txt).
      assertTrue(last < startMax, curve);
    }
    // The lowest precision starts far from its optimum (the FP32 model switched to 2 bits) and learns.
    double first2 = (h.get(0).loss()[3] + h.get(1).loss()[3] + h.get(2).loss()[3]) / 3;
    double last2 = (h.get(29).loss()[3] + h.get(30).loss()[3] + h.get(31).loss()[3]) / 3;
    assertTrue(last2 < first2, "2-bit loss " + first2 + " -> " + last2);
    // ALRS must not freeze the scales: λ_b > 0 on some steps for every precision.
    for (int k = 0; k < 4; k++) {
      final int kk = k;
      assertTrue(h.stream().anyMatch(r -> r.scaleLearningRate()[kk] > 0),
          "ALRS rate stayed 0 at " + bits.get(k) + " bits");
    }
    Bundle published = BundleStore.read(q, spark.sparkContext().hadoopConfiguration());
    assertEquals(List.of(8, 6, 4, 2), published.manifest().bits());

    // The bundle, switched with integer ops, scores exactly what the training-time network scored.
    Map<String, Double> evaluated = EvaluateStage.accuracy(new StageContext(spark, setup(0)), q,
        new int[] {8, 6, 4, 2});
    assertEquals(out.accuracy(), evaluated);
  }

  /**
   * The start of joint QAT over changing batches, as in the quick demo. How hard each batch is
   * cancels out: the loss of step t is divided by the starting model's loss on the same batch (the
   * same run at a rate of 1e-12, which leaves every parameter in place). With the default 30-step
   * warm-up no precision's loss of the first 20 steps exceeds 1.5× the starting model's; without
   * warm-up Adam's first full-size steps do (docs/design/method.md §4, "The start of QAT").
   */
  @Test
  void startOfJointQatOverChangingBatchesStaysWithinOneAndAHalfTimesTheStartingModelWithWarmup() {
    String fp = dir.resolve("fp-warmup").toUri().toString();
    PretrainStage.run(new StageContext(spark, setup(2560), QUIET), options(1), fp);
    BitWidthSet bits = BitWidthSet.of(8, 6, 4, 2);
    List<StepRecord> frozen = changingBatches(fp, bits, 1e-12, 0);
    assertTrue(worstRatioToStart(changingBatches(fp, bits, 1e-3, 30), frozen, bits) <= 1.5);
    assertTrue(worstRatioToStart(changingBatches(fp, bits, 1e-3, 0), frozen, bits) > 1.5);
  }

  /** One joint epoch of 20 batches of 128 from {@code fp32Bundle}, with the default in-place distillation. */
  private static List<StepRecord> changingBatches(String fp32Bundle, BitWidthSet bits, double learningRate,
      int warmupSteps) {
    TrainOptions options = new TrainOptions(1, 128, learningRate, warmupSteps, 5e-5, true, ScaleParameterisation.LOG,
        new Distillation(0.5, 1), 0.1, 3, 1000, io.bitswitch.data.Augmentation.NONE);
    String out = dir.resolve("changing-" + learningRate + "-" + warmupSteps).toUri().toString();
    List<StepRecord> h = TrainStage.run(new StageContext(spark, setup(2560), QUIET), options, bits, fp32Bundle, out,
        Checkpointing.NONE).history();
    assertEquals(20, h.size());
    return h;
  }

  /** The largest ratio of a step's loss to the starting model's loss on the same batch, over precisions. */
  private static double worstRatioToStart(List<StepRecord> run, List<StepRecord> frozen, BitWidthSet bits) {
    double worst = 0;
    StringBuilder curves = new StringBuilder();
    for (int k = 0; k < bits.size(); k++) {
      double max = 0;
      for (int t = 0; t < run.size(); t++) {
        max = Math.max(max, run.get(t).loss()[k] / frozen.get(t).loss()[k]);
      }
      worst = Math.max(worst, max);
      curves.append(String.format(" %d bits %.2fx", bits.get(k), max));
    }
    System.out.println("largest loss / starting model's on the same batch:" + curves);
    return worst;
  }

  @Test
  void singleBitIsOrdinaryQat() {
    String single = dir.resolve("single").toUri().toString();
    StageOutcome one = TrainStage.run(new StageContext(spark, setup(512), QUIET), options(1), BitWidthSet.of(4), null,
        single, Checkpointing.NONE);
    assertEquals(List.of(4), one.bundle().manifest().bits());
  }

  @Test
  void distributedGradientEqualsInProcessGradientOfTheSameBatch() {
    Dataset ds = Datasets.open(spark, DATA);
    JavaRDD<Shard> shards = ds.shards(Split.TRAIN, 2, ds.normalization(), 256);
    ModelSpec spec = new ModelSpec("fmnist-cnn", "", ds.inputShape().toArray(), 10, 3, new int[] {8, 4});
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    MultiPrecisionTrainer trainer = new MultiPrecisionTrainer(sc, spec, options(1));
    float[] theta = trainer.driverGraph().initialParameters();
    int[] batches = MultiPrecisionTrainer.partitionBatches(64, 2);
    PassSums distributed = trainer.round(shards, theta, new int[] {8, 4}, batches, 1, 0, 3);

    QuantizedGraph g = spec.build();
    PassSums local = null;
    for (Shard s : shards.collect()) {
      int[] pos = MultiPrecisionTrainer.slice(s.count(), batches[s.partition()], 1, 0, s.partition(), 3);
      MultiPrecisionTrainer.Batch b = MultiPrecisionTrainer.gather(s, pos);
      PassSums part = new PassSums(2, g.layout().size(), g.bnStatsLength());
      part.loss[0] = g.trainPass(theta, 8, b.x(), b.y(), pos.length, part.gradient[0], part.bnStats[0]);
      part.loss[1] = g.trainPass(theta, 4, b.x(), b.y(), pos.length, part.gradient[1], part.bnStats[1]);
      part.examples = pos.length;
      if (local == null) {
        local = part;
      } else {
        local.add(part);
      }
    }
    assertEquals(64, distributed.examples);
    for (int k = 0; k < 2; k++) {
      assertArrayEquals(local.gradient[k], distributed.gradient[k]);
      assertArrayEquals(local.bnStats[k], distributed.bnStats[k]);
    }
    assertArrayEquals(local.loss, distributed.loss);
  }

  @Test
  void badInputIsRefusedAndNothingIsPublished() {
    String out = dir.resolve("never").toUri().toString();
    assertThrows(InvalidInputException.class, () -> BitWidthSet.of(8, 9));
    Exception missing = assertThrows(RuntimeException.class, () -> TrainStage.run(new StageContext(spark,
        new StageSetup("fmnist-cnn", "", 3, dir.resolve("no-such-data").toString(), 2, 256, 100, 100), QUIET),
        options(1), BitWidthSet.of(8, 4), null, out, Checkpointing.NONE));
    assertTrue(missing.getMessage().contains("no-such-data"), missing.getMessage());
    assertTrue(!BundleStore.exists(out, spark.sparkContext().hadoopConfiguration()));
  }

  @Test
  void resumedRunPublishesTheSameBundleAsAnUninterruptedOne() throws Exception {
    Path a = dir.resolve("ck-a");
    StageOutcome whole = TrainStage.run(new StageContext(spark, setup(512), QUIET), options(1), BitWidthSet.of(8, 4),
        null, a.resolve("bundle").toUri().toString(),
        new Checkpointing(a.resolve("state").toUri().toString(), 4, false));
    assertEquals(8, whole.history().size());
    // An "interrupted" run: only the checkpoint of step 4 survived.
    Path b = dir.resolve("ck-b");
    java.nio.file.Files.createDirectories(b.resolve("state"));
    Path src = a.resolve("state").resolve("step-000004");
    Path dst = b.resolve("state").resolve("step-000004");
    java.nio.file.Files.createDirectories(dst);
    for (String f : new String[] {"state.safetensors", "manifest.json"}) {
      java.nio.file.Files.copy(src.resolve(f), dst.resolve(f));
    }
    Checkpointing resume = new Checkpointing(b.resolve("state").toUri().toString(), 4, true);
    StageOutcome resumed = TrainStage.run(new StageContext(spark, setup(512), QUIET), options(1), BitWidthSet.of(8, 4),
        null, b.resolve("bundle").toUri().toString(), resume);
    // The history covers the whole run: the checkpoint's steps 1-4 as they were, then 5-8.
    assertEquals(whole.history().size(), resumed.history().size());
    for (int k = 0; k < whole.history().size(); k++) {
      assertEquals(k + 1, resumed.history().get(k).step());
    }
    assertArrayEquals(whole.history().get(3).loss(), resumed.history().get(3).loss());
    assertArrayEquals(whole.bundle().encode().get(Bundle.TENSORS_FILE), resumed.bundle().encode().get(Bundle.TENSORS_FILE));

    // No checkpoint to resume from, and a corrupt one: clear errors, nothing published.
    Path c = dir.resolve("ck-c");
    InvalidInputException none = assertThrows(InvalidInputException.class, () -> TrainStage.run(
        new StageContext(spark, setup(512), QUIET), options(1), BitWidthSet.of(8, 4), null, c.resolve("bundle").toUri().toString(),
        new Checkpointing(c.resolve("state").toUri().toString(), 4, true)));
    assertTrue(none.getMessage().contains("no committed checkpoint"), none.getMessage());
    Path state = b.resolve("state").resolve("step-000008").resolve("state.safetensors");
    byte[] bytes = java.nio.file.Files.readAllBytes(state);
    bytes[bytes.length - 1] ^= 1;
    java.nio.file.Files.write(state, bytes);
    io.bitswitch.CorruptDataException corrupt = assertThrows(io.bitswitch.CorruptDataException.class,
        () -> TrainStage.run(new StageContext(spark, setup(512), QUIET), options(1), BitWidthSet.of(8, 4), null,
            c.resolve("bundle").toUri().toString(), resume));
    assertTrue(corrupt.getMessage().contains("checksum"), corrupt.getMessage());
    assertTrue(!BundleStore.exists(c.resolve("bundle").toUri().toString(), spark.sparkContext().hadoopConfiguration()));
  }

  @Test
  void resnet20AndAUserMultiLayerConfigurationEachTrainAFewSteps() {
    TrainOptions opts = new TrainOptions(1, 32, 1e-3, 5e-5, true, ScaleParameterisation.LOG,
        Distillation.NONE, 0.1, 3, 1000);
    StageSetup resnetSetup = new StageSetup("resnet20", "", 3, DATA, 2, 96, 64, 64);
    StageOutcome resnet = TrainStage.run(new StageContext(spark, resnetSetup, QUIET), opts, BitWidthSet.of(8, 4), null,
        dir.resolve("resnet").toUri().toString(), Checkpointing.NONE);
    assertEquals(3, resnet.history().size());
    assertTrue(resnet.bundle().manifest().layers().stream().anyMatch(l -> l.name().equals("s2b1_proj")));

    String json = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(1).list()
        .layer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(8)
            .activation(org.nd4j.linalg.activations.Activation.RELU).build())
        .layer(new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(8)
            .activation(org.nd4j.linalg.activations.Activation.RELU).build())
        .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nOut(16)
            .activation(org.nd4j.linalg.activations.Activation.RELU).build())
        .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(10)
            .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
        .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(28, 28, 1)).build().toJson();
    StageSetup customSetup = new StageSetup("custom", json, 3, DATA, 2, 96, 64, 64);
    StageOutcome custom = TrainStage.run(new StageContext(spark, customSetup, QUIET), opts, BitWidthSet.of(8, 4), null,
        dir.resolve("custom").toUri().toString(), Checkpointing.NONE);
    assertEquals(3, custom.history().size());
    // layer0 (first) and layer3 (output) stay float; layer1 and layer2 are quantized.
    assertEquals(List.of("layer1", "layer2"), custom.bundle().manifest().layers().stream()
        .filter(l -> l.kind() == io.bitswitch.bundle.Manifest.LayerKind.QUANTIZED).map(l -> l.name()).toList());
  }

  @Test
  void initBundleOfAnotherArchitectureOrShapeIsRefusedBeforeTraining() {
    String fp = dir.resolve("fp-small").toUri().toString();
    PretrainStage.run(new StageContext(spark, setup(128), QUIET), options(1), fp);
    String out = dir.resolve("mismatch").toUri().toString();
    InvalidInputException arch = assertThrows(InvalidInputException.class, () -> TrainStage.run(
        new StageContext(spark, new StageSetup("resnet20", "", 3, DATA, 2, 128, 64, 64), QUIET), options(1), BitWidthSet.of(8, 4), fp, out,
        Checkpointing.NONE));
    assertTrue(arch.getMessage().contains("'fmnist-cnn'") && arch.getMessage().contains("'resnet20'"), arch.getMessage());
    assertTrue(!BundleStore.exists(out, spark.sparkContext().hadoopConfiguration()));

    // A dataset of 4x4 images (CSV) against a model of 28x28 inputs.
    Path csv = dir.resolve("csv4x4");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      rows.append(i % 10);
      for (int p = 0; p < 16; p++) {
        rows.append(',').append((i * 7 + p * 13) % 256);
      }
      rows.append('\n');
    }
    try {
      java.nio.file.Files.createDirectories(csv);
      java.nio.file.Files.writeString(csv.resolve("train.csv"), rows);
      java.nio.file.Files.writeString(csv.resolve("test.csv"), rows);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    InvalidInputException shape = assertThrows(InvalidInputException.class,
        () -> TrainStage.run(new StageContext(spark, new StageSetup("fmnist-cnn", "", 3, csv.toString(), 2, 40, 40, 20),
            QUIET), options(1), BitWidthSet.of(8, 4), fp, out, Checkpointing.NONE));
    assertTrue(shape.getMessage().contains("[1, 28, 28]") || shape.getMessage().contains("[1,28,28]"), shape.getMessage());
    InvalidInputException evalShape = assertThrows(InvalidInputException.class,
        () -> EvaluateStage.accuracy(new StageContext(spark,
            new StageSetup("fmnist-cnn", "", 3, csv.toString(), 2, 0, 40, 20)), fp, new int[] {32}));
    assertTrue(evalShape.getMessage().contains("does not match"), evalShape.getMessage());
    assertTrue(!BundleStore.exists(out, spark.sparkContext().hadoopConfiguration()));
  }
}
