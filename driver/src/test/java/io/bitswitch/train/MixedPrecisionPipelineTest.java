package io.bitswitch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.progress.StepRecord;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.sensitivity.LayerTraces;
import io.bitswitch.sensitivity.SensitivityAnalysis;
import io.bitswitch.spark.SparkSessions;
import io.bitswitch.store.BundleStore;
import io.bitswitch.testing.RequiredPackages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mixed-precision stages on Spark local[2] with real Fashion-MNIST: pretrain → joint QAT →
 * sensitivity → HASB SuperNet (and the uniform-sampling baseline).
 */
class MixedPrecisionPipelineTest {
  static SparkSession spark;
  static Configuration hadoop;
  @TempDir static Path dir;
  static String multiPrecision;
  static LayerTraces traces;
  static String supernet;
  static StageOutcome supernetOutcome;
  static final int[] BITS = {8, 4, 2};

  static StageSetup setup() {
    return new StageSetup("fmnist-cnn", "", 3, TrainingPipelineTest.DATA, 2, 1024, 500, 250);
  }

  @BeforeAll
  static void pipeline() {
    RequiredPackages.require("dataset-fashion-mnist");
    spark = SparkSessions.create("local[2]", "bitswitch-test", Map.of());
    hadoop = spark.sparkContext().hadoopConfiguration();
    String fp = dir.resolve("fp").toUri().toString();
    PretrainStage.run(new StageContext(spark, setup(), TrainingPipelineTest.QUIET), TrainingPipelineTest.options(1), fp);
    multiPrecision = dir.resolve("mp").toUri().toString();
    TrainStage.run(new StageContext(spark, setup(), TrainingPipelineTest.QUIET), TrainingPipelineTest.options(1),
        BitWidthSet.of(BITS), fp, multiPrecision, Checkpointing.NONE);
    traces = SensitivityAnalysis.analyse(spark, fp, TrainingPipelineTest.DATA, 2, 128, 5, 4, 1e-3);
    supernet = dir.resolve("supernet").toUri().toString();
    supernetOutcome = SupernetStage.run(new StageContext(spark, setup(), TrainingPipelineTest.QUIET),
        TrainingPipelineTest.options(1), new SupernetStage.Settings(HasbSampler.Sampling.HASB, 1.0), traces,
        multiPrecision, supernet, Checkpointing.NONE);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void supernetCountsEveryLayersDrawsAndCarriesTracesInItsBundle() {
    Bundle b = BundleStore.read(supernet, hadoop);
    assertEquals(List.of(8, 4, 2), b.manifest().bits());
    Map<?, ?> section = (Map<?, ?>) b.manifest().extra().get(SupernetStage.MANIFEST_SECTION);
    assertEquals("hasb", section.get("sampling"));
    Map<?, ?> draws = (Map<?, ?>) section.get("draws");
    assertEquals(List.of("conv2", "conv3", "conv4", "fc1"), List.copyOf(draws.keySet()));
    int steps = supernetOutcome.history().size();
    assertEquals(16, steps, "1024 examples / batch 64");
    for (Object perLayer : draws.values()) {
      long total = ((Map<?, ?>) perLayer).values().stream().mapToLong(v -> ((Number) v).longValue()).sum();
      assertEquals((long) steps * BITS.length, total, "one draw per layer per pass");
    }
    LayerTraces stored = LayerTraces.fromManifest(b.manifest(), supernet);
    assertEquals(traces.layers(), stored.layers());
    for (StepRecord r : supernetOutcome.history()) {
      for (double l : r.loss()) {
        assertTrue(Double.isFinite(l), "finite SuperNet loss");
      }
    }
    // The SuperNet's uniform-precision accuracies are measured from the published codes.
    assertEquals(supernetOutcome.accuracy(), EvaluateStage.accuracy(new StageContext(spark, setup()), supernet, BITS));
  }

  @Test
  void uniformSamplingIsTheBaselineWithoutHessianInformation() {
    String uniform = dir.resolve("uniform").toUri().toString();
    StageOutcome out = SupernetStage.run(new StageContext(spark, setup(), TrainingPipelineTest.QUIET),
        TrainingPipelineTest.options(1), new SupernetStage.Settings(HasbSampler.Sampling.UNIFORM, 1.0), traces,
        multiPrecision, uniform, Checkpointing.NONE);
    Map<?, ?> section = (Map<?, ?>) out.bundle().manifest().extra().get(SupernetStage.MANIFEST_SECTION);
    assertEquals("uniform", section.get("sampling"));
  }

  @Test
  void badStartingPointsAndForeignTracesAreRefusedWithNothingPublished() {
    String target = dir.resolve("refused").toUri().toString();
    LayerTraces foreign = new LayerTraces("resnet20", "fp32", 1, 1, 1, 1, 1, 1e-3, true,
        1e-3, 1, traces.layers());
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> SupernetStage.run(
        new StageContext(spark, setup(), TrainingPipelineTest.QUIET), TrainingPipelineTest.options(1),
        new SupernetStage.Settings(HasbSampler.Sampling.HASB, 1.0), foreign, multiPrecision, target,
        Checkpointing.NONE));
    assertTrue(e.getMessage().contains("'resnet20'") && e.getMessage().contains("'fmnist-cnn'"), e.getMessage());
    String fp = dir.resolve("fp").toUri().toString();
    e = assertThrows(InvalidInputException.class, () -> SupernetStage.run(
        new StageContext(spark, setup(), TrainingPipelineTest.QUIET), TrainingPipelineTest.options(1),
        new SupernetStage.Settings(HasbSampler.Sampling.HASB, 1.0), traces, fp, target, Checkpointing.NONE));
    assertTrue(e.getMessage().contains("FP32"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("refused")));
  }

  @Test
  void batchNormRecalibrationChangesBatchNormStatisticsOnly() {
    Bundle b = BundleStore.read(supernet, hadoop);
    io.bitswitch.bundle.Manifest m = b.manifest();
    ModelSpec spec = new ModelSpec("custom", m.modelConfig(), m.inputShape(), m.numClasses(), 0L, BITS);
    io.bitswitch.model.QuantizedGraph g = spec.graph();
    float[] theta = io.bitswitch.model.ModelBundles.toTheta(b, g);
    io.bitswitch.data.Dataset ds = io.bitswitch.data.Datasets.open(spark, TrainingPipelineTest.DATA);
    org.apache.spark.api.java.JavaRDD<io.bitswitch.data.Shard> shards =
        ds.shards(io.bitswitch.data.Split.TRAIN, 2, ds.normalization(), 256);
    int[] config = {8, 2, 4, 2};
    float[] recalibrated = io.bitswitch.search.SubnetSearch.recalibrate(
        org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()), shards, spec, theta, config,
        64);
    shards.unpersist(false);
    int changedStats = 0;
    for (io.bitswitch.model.ParamLayout.Segment seg : g.layout().segments()) {
      boolean statistic = seg.kind() == io.bitswitch.model.ParamLayout.Kind.BN_MEAN
          || seg.kind() == io.bitswitch.model.ParamLayout.Kind.BN_VAR;
      boolean used = g.activeIn(seg, config);
      for (int i = seg.offset(); i < seg.offset() + seg.length(); i++) {
        if (!(statistic && used)) {
          assertEquals(Float.floatToIntBits(theta[i]), Float.floatToIntBits(recalibrated[i]), "unchanged: " + seg);
        } else if (theta[i] != recalibrated[i]) {
          changedStats++;
        }
      }
    }
    assertTrue(changedStats > 0, "the statistics of the sets in use are re-estimated");
  }

  static io.bitswitch.search.SubnetSearch.Settings searchSettings(double... budgets) {
    return new io.bitswitch.search.SubnetSearch.Settings(io.bitswitch.search.BudgetKind.SIZE, budgets, 2, 64, 2, 3,
        250, 2, 300);
  }

  @Test
  void searchWritesTheFrontItsLayerBitsAndRecalibratedMemberBundles() throws Exception {
    Path out = dir.resolve("search");
    Map<String, Object> pareto = io.bitswitch.search.SubnetSearch.run(spark, supernet, traces, "test traces",
        TrainingPipelineTest.DATA, searchSettings(6, 3), out.toUri().toString(), TrainingPipelineTest.QUIET);
    assertTrue(Files.exists(out.resolve("pareto.json")));
    List<?> members = (List<?>) pareto.get("members");
    assertEquals(2, members.size());
    assertEquals(3, ((List<?>) pareto.get("uniform")).size());
    assertEquals(2, ((List<?>) pareto.get("random")).size());
    Bundle intH = BundleStore.read(supernet, hadoop);
    for (Object o : members) {
      Map<?, ?> member = (Map<?, ?>) o;
      double budget = ((Number) member.get("budget")).doubleValue();
      @SuppressWarnings("unchecked")
      Map<String, Integer> layerBits = (Map<String, Integer>) member.get("layer_bits");
      long weights = 0;
      long weightBits = 0;
      for (io.bitswitch.bundle.Manifest.Layer l : intH.manifest().layers()) {
        if (layerBits.containsKey(l.name())) {
          weights += l.elementCount();
          weightBits += l.elementCount() * layerBits.get(l.name());
        }
      }
      assertTrue(weightBits <= budget * weights, "size budget " + budget + " respected: " + layerBits);
      assertEquals(layerBits, readLayerBits(out.resolve((String) member.get("file"))));
      // The member bundle is the integer switch of the SuperNet with re-estimated BN statistics only.
      Bundle published = BundleStore.read(out.resolve((String) member.get("bundle")).resolve("bundle").toUri()
          .toString(), hadoop);
      Bundle switched = intH.switchTo(layerBits);
      assertEquals(switched.manifest().layerBits(), published.manifest().layerBits());
      for (io.bitswitch.bundle.Tensor t : switched.tensors()) {
        boolean statistic = t.name().endsWith(".mean") || t.name().endsWith(".var");
        if (!statistic) {
          assertEquals(t, published.tensor(t.name()), t.name());
        }
      }
      double acc = ((Number) member.get("accuracy")).doubleValue();
      assertTrue(acc > 0.3 && acc <= 1, "accuracy " + acc);
    }
  }

  @Test
  void budgetsOutsideTheBitRangeAreRefusedWithNothingWritten() {
    for (double budget : new double[] {1.5, 9}) {
      Path out = dir.resolve("search-refused-" + budget);
      InvalidInputException e = assertThrows(InvalidInputException.class, () -> io.bitswitch.search.SubnetSearch.run(
          spark, supernet, traces, "test traces", TrainingPipelineTest.DATA, searchSettings(4, budget),
          out.toUri().toString(), TrainingPipelineTest.QUIET));
      assertTrue(e.getMessage().contains(Double.toString(budget)) || e.getMessage().contains(String.valueOf(budget)),
          e.getMessage());
      assertFalse(Files.exists(out), "nothing written for budget " + budget);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Integer> readLayerBits(Path file) throws java.io.IOException {
    Map<String, Object> raw = new com.fasterxml.jackson.databind.ObjectMapper().readValue(file.toFile(), Map.class);
    Map<String, Integer> out = new java.util.LinkedHashMap<>();
    raw.forEach((k, v) -> out.put(k, ((Number) v).intValue()));
    return out;
  }

  /** A resumed SuperNet publishes the bundle of an uninterrupted one, draw counts included. */
  @Test
  void resumedSupernetPublishesTheSameBundle() throws Exception {
    SupernetStage.Settings hasb = new SupernetStage.Settings(HasbSampler.Sampling.HASB, 1.0);
    Path a = dir.resolve("sn-a");
    StageOutcome whole = SupernetStage.run(new StageContext(spark, setup(), TrainingPipelineTest.QUIET),
        TrainingPipelineTest.options(1), hasb, traces, multiPrecision, a.resolve("bundle").toUri().toString(),
        new Checkpointing(a.resolve("state").toUri().toString(), 8, false));
    Path b = dir.resolve("sn-b");
    Path src = a.resolve("state").resolve("step-000008");
    Path dst = b.resolve("state").resolve("step-000008");
    Files.createDirectories(dst);
    for (String f : new String[] {"state.safetensors", "manifest.json"}) {
      Files.copy(src.resolve(f), dst.resolve(f));
    }
    StageOutcome resumed = SupernetStage.run(new StageContext(spark, setup(), TrainingPipelineTest.QUIET),
        TrainingPipelineTest.options(1), hasb, traces, multiPrecision, b.resolve("bundle").toUri().toString(),
        new Checkpointing(b.resolve("state").toUri().toString(), 8, true));
    // The history covers the whole run: the checkpoint's steps 1-8 as they were, then the rest.
    assertEquals(whole.history().size(), resumed.history().size());
    for (int k = 0; k < whole.history().size(); k++) {
      assertEquals(k + 1, resumed.history().get(k).step());
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(whole.history().get(7).loss(), resumed.history().get(7).loss());
    assertEquals(whole.bundle().manifest().extra(), resumed.bundle().manifest().extra());
    org.junit.jupiter.api.Assertions.assertArrayEquals(whole.bundle().encode().get(Bundle.TENSORS_FILE),
        resumed.bundle().encode().get(Bundle.TENSORS_FILE));
  }
}
