package io.bitswitch.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.CorruptDataException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.bundle.Tensor;
import io.bitswitch.spark.SparkSessions;
import io.bitswitch.store.BundleStore;
import io.bitswitch.testing.RequiredPackages;
import io.bitswitch.train.EvaluateStage;
import io.bitswitch.train.StageContext;
import io.bitswitch.train.StageSetup;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Format compatibility (docs/design/architecture.md §5): a bundle written by an earlier bitswitch
 * and committed under {@code src/test/resources/golden/fmnist-cnn-8-4-2/} must still be read,
 * pass its checksum, switch to every bit-width it holds, and evaluate to the accuracy recorded in
 * {@code expected.json} beside it, through the code path of {@code bitswitch evaluate}.
 *
 * <p>The golden files are never regenerated to make this test pass (their README says how they
 * were made): a failure here means today's code can no longer use models that were stored
 * before, and the change needs a new format version and a migration instead.
 */
class GoldenBundleTest {
  private static final String GOLDEN = "/golden/fmnist-cnn-8-4-2";
  private static final int[] BITS = {8, 4, 2};

  private static Path golden;
  private static JsonNode expected;
  private static SparkSession spark;

  @TempDir static Path temp;

  @BeforeAll
  static void readGoldenFiles() throws URISyntaxException, IOException {
    golden = Path.of(GoldenBundleTest.class.getResource(GOLDEN).toURI());
    expected = new ObjectMapper().readTree(golden.resolve("expected.json").toFile());
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static String bundleUri() {
    return golden.resolve("bundle").toUri().toString();
  }

  private static Bundle readGolden() {
    return BundleStore.read(bundleUri(), new Configuration());
  }

  @Test
  void readsTheGoldenBundleAndItsChecksumHolds() throws IOException {
    Bundle bundle = readGolden();
    Manifest m = bundle.manifest();
    byte[] tensorsFile = Files.readAllBytes(golden.resolve("bundle").resolve(Bundle.TENSORS_FILE));
    assertEquals(expected.get("tensorsSha256").asText(), Bundle.sha256Hex(tensorsFile),
        "the committed model.safetensors is not the golden one");
    assertEquals(expected.get("tensorsSha256").asText(), m.tensorsSha256());
    // The golden manifest is format version 1 (camelCase keys), read as the version-2 manifest it equals.
    assertTrue(Files.readString(golden.resolve("bundle").resolve(Bundle.MANIFEST_FILE)).contains("\"formatVersion\": 1,"));
    assertEquals(Manifest.CURRENT_FORMAT_VERSION, m.formatVersion());
    assertEquals("fmnist-cnn", m.architecture());
    assertEquals(List.of(8, 4, 2), m.bits());
    assertEquals(8, m.h());
    assertEquals(10, m.numClasses());
  }

  /** Reading validates the checksum: one changed byte of the tensors is refused. */
  @Test
  void aCopyWithOneChangedTensorByteFailsTheChecksum() throws IOException {
    Path copy = Files.createDirectories(temp.resolve("corrupt"));
    Files.copy(golden.resolve("bundle").resolve(Bundle.MANIFEST_FILE), copy.resolve(Bundle.MANIFEST_FILE));
    byte[] tensors = Files.readAllBytes(golden.resolve("bundle").resolve(Bundle.TENSORS_FILE));
    tensors[tensors.length - 1] ^= 1;
    Files.write(copy.resolve(Bundle.TENSORS_FILE), tensors);
    CorruptDataException e = assertThrows(CorruptDataException.class,
        () -> BundleStore.read(copy.toUri().toString(), new Configuration()));
    assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
  }

  /**
   * Each b-bit bundle switched from the golden INT-8 one holds exactly the tensors it held when
   * the golden files were made (codes, scales, BatchNorm sets), and survives an encode/decode
   * round trip as a b-bit bundle.
   */
  @Test
  void switchesToEveryBitWidthWithTheRecordedTensors() {
    Bundle bundle = readGolden();
    for (int b : BITS) {
      Map<String, byte[]> files = bundle.switchTo(b).encode();
      Bundle switched = Bundle.decode(files.get(Bundle.MANIFEST_FILE), files.get(Bundle.TENSORS_FILE));
      assertEquals(List.of(b), switched.manifest().bits());
      assertEquals(b, switched.manifest().h());
      assertEquals(expected.get("switchedTensorsDigest").get(String.valueOf(b)).asText(), tensorsDigest(switched),
          "tensors of the bundle switched to " + b + " bits");
    }
  }

  /**
   * {@code bitswitch evaluate}'s path ({@link EvaluateStage#accuracy}) gives the recorded accuracy at
   * every bit-width on the recorded slice of the Fashion-MNIST test split, and so does each
   * switched b-bit bundle once published.
   */
  @Test
  void evaluatesToTheRecordedAccuracy() {
    RequiredPackages.require("dataset-fashion-mnist");
    JsonNode evaluation = expected.get("evaluation");
    int testExamples = evaluation.get("testExamples").asInt();
    StageSetup setup = new StageSetup("fmnist-cnn", "", 0, RequiredPackages.path("dataset-fashion-mnist").toString(),
        evaluation.get("partitions").asInt(), 0, testExamples, evaluation.get("batchSize").asInt());
    spark = SparkSessions.create("local[2]", "bitswitch-golden-test", Map.of());
    Map<String, Double> accuracy = EvaluateStage.accuracy(new StageContext(spark, setup), bundleUri(), BITS);
    // The switched codes are pinned exactly above; this margin of one test example only absorbs
    // float differences between CPUs' inference kernels. A broken format costs tens of points.
    double oneExample = 1.0 / testExamples;
    for (int b : BITS) {
      String key = String.valueOf(b);
      double recorded = expected.get("accuracy").get(key).asDouble();
      assertEquals(recorded, accuracy.get(key), oneExample + 1e-9, "accuracy at " + b + " bits");

      String switchedUri = temp.resolve("switched-" + b).toUri().toString();
      BundleStore.publish(readGolden().switchTo(b), switchedUri, spark.sparkContext().hadoopConfiguration(), false);
      Map<String, Double> deployed = EvaluateStage.accuracy(new StageContext(spark, setup), switchedUri, new int[] {b});
      assertEquals(accuracy.get(key), deployed.get(key), "the published " + b + "-bit bundle");
    }
  }

  /**
   * SHA-256 over a bundle's tensors in name order (name, dtype, shape, little-endian bytes): what
   * the model holds, independent of how the container lays it out.
   */
  static String tensorsDigest(Bundle bundle) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Tensor t : bundle.tensors().stream().sorted(Comparator.comparing(Tensor::name)).toList()) {
        sha.update((t.name() + "\0" + t.dtype().safetensorsName() + "\0" + java.util.Arrays.toString(t.shape()) + "\0")
            .getBytes(StandardCharsets.UTF_8));
        sha.update(t.data());
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
