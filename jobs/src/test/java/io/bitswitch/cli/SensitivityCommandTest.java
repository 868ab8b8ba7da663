package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.model.Architectures;
import io.bitswitch.model.ModelBundles;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.model.QuantizedGraph;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.store.BundleStore;
import io.bitswitch.testing.RequiredPackages;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bitswitch sensitivity} end to end on Spark local[2]: a fresh FP32 fmnist-cnn bundle, real Fashion-MNIST. */
class SensitivityCommandTest {
  @TempDir Path dir;

  @Test
  void writesSensitivityJsonForAnFp32Bundle() throws Exception {
    RequiredPackages.require("dataset-fashion-mnist");
    ModelSpec spec = new ModelSpec("fmnist-cnn", "", new int[] {1, 28, 28}, 10, 42L, new int[] {BitWidthSet.FP32_BITS});
    QuantizedGraph g = spec.build();
    String config = Architectures.build("fmnist-cnn", "", 1, 28, 28, 10, 42L).toJson();
    Manifest.Builder m = Manifest.builder().architecture("fmnist-cnn").modelConfig(config)
        .inputShape(new int[] {1, 28, 28}).numClasses(10).normalization(new Manifest.Normalization(0.286f, 0.353f)).accuracy(Map.of())
        .quantizeFirstLast(false);
    String bundle = dir.resolve("bundle").toUri().toString();
    BundleStore.publish(ModelBundles.toBundle(g, g.initialParameters(), m), bundle, new Configuration(), false);
    Path out = dir.resolve("out");
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    int code = BitswitchCli.execute(new String[] {"sensitivity", "--bundle", bundle, "--out", out.toString(),
        "--master", "local[2]", "--data", CommonOptions.DEFAULT_DATASET_DIR, "--set", "sensitivity.samples=48",
        "--set", "sensitivity.max-iterations=2", "--set", "data.partitions=2"},
        new PrintWriter(stdout), new PrintWriter(stderr));
    assertEquals(0, code, stderr::toString);
    assertTrue(stdout.toString().contains("fc1"), stdout::toString);
    JsonNode json = new ObjectMapper().readTree(Files.readString(out.resolve("sensitivity.json")));
    assertEquals("fp32", json.get("source").asText());
    assertEquals(48, json.get("samples").asInt());
    assertEquals(2, json.get("probes").asInt());
    assertEquals(4, json.get("layers").size());
    assertEquals("conv2", json.get("layers").get(0).get("name").asText());
  }
}
