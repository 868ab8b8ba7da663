package io.bitswitch.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.data.Dataset;
import io.bitswitch.data.Datasets;
import io.bitswitch.data.Shard;
import io.bitswitch.data.Split;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.model.Architectures;
import io.bitswitch.model.ModelBundles;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.model.QuantizedGraph;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.store.BundleStore;
import io.bitswitch.spark.SparkSessions;
import io.bitswitch.testing.RequiredPackages;
import java.nio.file.Files;
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
 * The distributed estimator on Spark local[2] with real Fashion-MNIST and {@code fmnist-cnn} from
 * a freshly initialised θ: the same traces with 1 and with 2 partitions, and the report file.
 */
class SensitivityAnalysisTest {
  static final String DATA = "/usr/share/datasets/fashion-mnist";
  static final int SAMPLES = 128;
  static final int PROBES = 4;
  static SparkSession spark;
  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    RequiredPackages.require("dataset-fashion-mnist");
    spark = SparkSessions.create("local[2]", "bitswitch-sensitivity-test", Map.of());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static LayerTraces analyse(int partitions) {
    Dataset ds = Datasets.open(spark, DATA);
    ModelSpec spec = new ModelSpec("fmnist-cnn", "", ds.inputShape().toArray(), ds.numClasses(), 42L,
        new int[] {BitWidthSet.FP32_BITS});
    float[] theta = spec.build().initialParameters();
    JavaRDD<Shard> shards = ds.shards(Split.TRAIN, partitions, ds.normalization(), SAMPLES);
    try {
      return SensitivityAnalysis.run(JavaSparkContext.fromSparkContext(spark.sparkContext()), shards, spec, theta,
          7L, PROBES, 0, "fp32");
    } finally {
      shards.unpersist(false);
    }
  }

  /**
   * More partitions than TreeSum's fan-in: the probe gradients are summed on the executors in a
   * fixed tree, so two runs give identical traces. (They are not compared with two partitions':
   * BatchNorm's batch statistics are per partition, so 8 slices of 16 are another loss function
   * than 2 of 64.)
   */
  @Test
  void eightPartitionsRepeatExactly() {
    LayerTraces first = analyse(8);
    LayerTraces second = analyse(8);
    assertEquals(SAMPLES, first.samples());
    assertEquals(8, first.partitions());
    assertEquals(first.layers(), second.layers());
    for (LayerTraces.Layer x : first.layers()) {
      assertTrue(Double.isFinite(x.trace()) && x.stdError() > 0, x.toString());
    }
  }

  @Test
  void oneAndTwoPartitionsGiveTheSameTracesWithinTheEstimatorsError() throws Exception {
    LayerTraces one = analyse(1);
    LayerTraces two = analyse(2);
    assertEquals(SAMPLES, one.samples());
    assertEquals(SAMPLES, two.samples());
    assertEquals(PROBES, one.probes());
    assertEquals(2, two.partitions());
    List<LayerTraces.Layer> a = one.layers();
    List<LayerTraces.Layer> b = two.layers();
    assertEquals(a.size(), b.size());
    assertTrue(a.size() >= 2, "quantized layers: " + a);
    for (int l = 0; l < a.size(); l++) {
      LayerTraces.Layer x = a.get(l);
      LayerTraces.Layer y = b.get(l);
      assertEquals(x.name(), y.name());
      System.out.println("1 partition " + x + " | 2 partitions " + y);
      assertTrue(Double.isFinite(x.trace()) && x.stdError() > 0, x.toString());
      double error = Math.sqrt(x.stdError() * x.stdError() + y.stdError() * y.stdError());
      assertTrue(Math.abs(x.trace() - y.trace()) <= 2 * error,
          () -> "1 partition " + x + " vs 2 partitions " + y);
      assertEquals(x.trace() / x.params(), x.tracePerParam(), 1e-12 * Math.abs(x.trace()));
      assertEquals(x.tracePerParam() >= one.meanTracePerParam() ? "sensitive" : "insensitive", x.sensitivity());
    }
    Path report = dir.resolve("report");
    String uri = two.write(report.toUri().toString(), spark.sparkContext().hadoopConfiguration());
    assertTrue(uri.endsWith(LayerTraces.FILE));
    JsonNode json = new ObjectMapper().readTree(Files.readString(report.resolve(LayerTraces.FILE)));
    assertEquals("fp32", json.get("source").asText());
    assertEquals(SAMPLES, json.get("samples").asInt());
    assertEquals(7, json.get("seed").asInt());
    JsonNode layer = json.get("layers").get(0);
    for (String field : new String[] {"name", "params", "trace", "trace_per_param", "std_error", "probes", "class"}) {
      assertTrue(layer.has(field), field + " missing in " + layer);
    }
    try (var files = Files.list(report)) {
      assertEquals(List.of(LayerTraces.FILE),
          files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).toList());
    }
  }

  @Test
  void fp32AndIntHBundlesAreAnalysedFromTheirFiles() {
    Dataset ds = Datasets.open(spark, DATA);
    ModelSpec fp = new ModelSpec("fmnist-cnn", "", ds.inputShape().toArray(), ds.numClasses(), 42L,
        new int[] {BitWidthSet.FP32_BITS});
    QuantizedGraph fpGraph = fp.build();
    float[] theta = fpGraph.initialParameters();
    ModelSpec q = fp.withPrecisions(new int[] {8, 4});
    QuantizedGraph qGraph = q.build();
    float[] qTheta = qGraph.fromFloatModel(theta, fpGraph.layout());
    var hadoop = spark.sparkContext().hadoopConfiguration();
    String fpUri = dir.resolve("fp32").toUri().toString();
    String qUri = dir.resolve("int8").toUri().toString();
    BundleStore.publish(ModelBundles.toBundle(fpGraph, theta, manifest(fp, ds)), fpUri, hadoop, false);
    BundleStore.publish(ModelBundles.toBundle(qGraph, qTheta, manifest(q, ds)), qUri, hadoop, false);

    LayerTraces a = SensitivityAnalysis.analyse(spark, fpUri, DATA, 2, 64, 3L, 2, 1e-3);
    assertEquals("fp32", a.source());
    assertEquals("fmnist-cnn", a.architecture());
    assertEquals(64, a.samples());
    assertEquals(2, a.probes());
    LayerTraces b = SensitivityAnalysis.analyse(spark, qUri, DATA, 2, 64, 3L, 2, 1e-3);
    assertEquals("int-8 dequantized", b.source());
    assertEquals(a.layers().stream().map(LayerTraces.Layer::name).toList(),
        b.layers().stream().map(LayerTraces.Layer::name).toList());
    for (int l = 0; l < a.layers().size(); l++) {
      assertTrue(Double.isFinite(b.layers().get(l).trace()), b.layers().get(l).toString());
      assertEquals(a.layers().get(l).params(), b.layers().get(l).params());
    }
  }

  private static Manifest.Builder manifest(ModelSpec spec, Dataset ds) {
    String config = Architectures.build(spec.architecture(), "", spec.inputShape()[0], spec.inputShape()[1],
        spec.inputShape()[2], spec.classes(), spec.seed()).toJson();
    return Manifest.builder().architecture(spec.architecture()).modelConfig(config).inputShape(spec.inputShape())
        .numClasses(spec.classes()).normalization(new Manifest.Normalization(ds.normalization().mean(0), ds.normalization().std(0)))
        .accuracy(Map.of()).quantizeFirstLast(false);
  }
}
