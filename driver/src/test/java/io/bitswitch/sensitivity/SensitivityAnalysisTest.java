package io.bitswitch.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.data.Dataset;
import io.bitswitch.data.Datasets;
import io.bitswitch.data.Shard;
import io.bitswitch.data.Split;
import io.bitswitch.model.ParamLayout;
import io.bitswitch.spark.SparkSessions;
import io.bitswitch.train.ModelSpec;
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
    spark = SparkSessions.create("local[2]", "bitswitch-sensitivity-test", Map.of());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static SensitivityAnalysis.Result analyse(int partitions) {
    Dataset ds = Datasets.open(spark, DATA);
    ModelSpec spec = new ModelSpec("fmnist-cnn", "", ds.inputShape().toArray(), ds.numClasses(), 42L,
        new int[] {ParamLayout.FLOAT});
    float[] theta = spec.build().initialParameters();
    JavaRDD<Shard> shards = ds.shards(Split.TRAIN, partitions, ds.normalization(), SAMPLES);
    try {
      return SensitivityAnalysis.run(JavaSparkContext.fromSparkContext(spark.sparkContext()), shards, spec, theta,
          7L, PROBES, 0, "fp32");
    } finally {
      shards.unpersist(false);
    }
  }

  @Test
  void oneAndTwoPartitionsGiveTheSameTracesWithinTheEstimatorsError() throws Exception {
    SensitivityAnalysis.Result one = analyse(1);
    SensitivityAnalysis.Result two = analyse(2);
    assertEquals(SAMPLES, one.samples());
    assertEquals(SAMPLES, two.samples());
    assertEquals(PROBES, one.probes());
    assertEquals(2, two.partitions());
    List<SensitivityAnalysis.LayerTrace> a = one.layers();
    List<SensitivityAnalysis.LayerTrace> b = two.layers();
    assertEquals(a.size(), b.size());
    assertTrue(a.size() >= 2, "quantized layers: " + a);
    for (int l = 0; l < a.size(); l++) {
      SensitivityAnalysis.LayerTrace x = a.get(l);
      SensitivityAnalysis.LayerTrace y = b.get(l);
      assertEquals(x.name(), y.name());
      assertTrue(Double.isFinite(x.trace()) && x.stdError() > 0, x.toString());
      double error = Math.sqrt(x.stdError() * x.stdError() + y.stdError() * y.stdError());
      assertTrue(Math.abs(x.trace() - y.trace()) <= 2 * error,
          () -> "1 partition " + x + " vs 2 partitions " + y);
      assertEquals(x.trace() / x.params(), x.tracePerParam(), 1e-12 * Math.abs(x.trace()));
      assertEquals(x.tracePerParam() >= one.meanTracePerParam() ? "sensitive" : "insensitive", x.sensitivity());
    }
    String uri = SensitivityAnalysis.write(two, dir.toUri().toString(), spark.sparkContext().hadoopConfiguration());
    assertTrue(uri.endsWith(SensitivityAnalysis.FILE));
    JsonNode json = new ObjectMapper().readTree(Files.readString(dir.resolve(SensitivityAnalysis.FILE)));
    assertEquals("fp32", json.get("source").asText());
    assertEquals(SAMPLES, json.get("samples").asInt());
    assertEquals(7, json.get("seed").asInt());
    JsonNode layer = json.get("layers").get(0);
    for (String field : new String[] {"name", "params", "trace", "tracePerParam", "stdError", "probes", "class"}) {
      assertTrue(layer.has(field), field + " missing in " + layer);
    }
    try (var files = Files.list(dir)) {
      assertEquals(List.of(SensitivityAnalysis.FILE),
          files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).toList());
    }
  }
}
