package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.bundle.TensorNames;
import io.bitswitch.cli.BitswitchCliTest.Run;
import io.bitswitch.onnx.ExportTarget;
import io.bitswitch.onnx.OnnxWriter;
import io.bitswitch.quant.DoubleRounding;
import io.bitswitch.spark.SparkSessions;
import io.bitswitch.store.BundleStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bitswitch export} of a bundle trained at {8, 6, 4, 2} on real Fashion-MNIST (the demo's
 * network and test-split size), each export run in ONNX Runtime for Java: accuracy on the test split
 * equal to {@code bitswitch evaluate} at the same precision within 0.05 points, logits of 100 images
 * equal to DL4J's within {@link #LOGIT_TOLERANCE}, integer initializers equal to the switched codes;
 * and the refusals, each one line with exit code 2.
 */
class ExportCommandTest {
  /** The demo's quick-profile test split. */
  private static final int TEST_IMAGES = 2000;
  private static final String[] SMALL = {"--master", "local[2]", "--set", "data.max-train-examples=512", "--set",
      "data.max-test-examples=" + TEST_IMAGES, "--set", "pretrain.batch-size=64", "--set", "train.batch-size=64",
      "--set", "train.bits=[8,6,4,2]", "--set", "evaluate.batch-size=250", "--set", "pretrain.epochs=1"};
  private static final Map<String, Integer> MIXED = Map.of("conv2", 8, "conv3", 2, "conv4", 6, "fc1", 4);
  /** Accuracy points ONNX Runtime may differ from evaluate by. */
  private static final double ACCURACY_POINTS = 0.05;
  /**
   * Largest |Δ logit| between ONNX Runtime and DL4J over 100 images. Both compute in float32 but sum in
   * different orders (about 1e-6 apart); an activation within that distance of a rounding boundary, or on
   * an exact tie (ONNX rounds half to even, bitswitch half up), takes the neighbouring code, which moves a
   * few logits by up to about 0.01 (measured: 0.003, 0.006, 0.010 at 8, 6, 4 bits; below 1e-5 at 2 bits and
   * for the mixed model).
   */
  private static final double LOGIT_TOLERANCE = 0.05;

  @TempDir static Path dir;
  static String bundle;
  static String fp32Bundle;
  static InferenceBenchmark.TestImages images;
  static Map<String, Double> evaluated = new LinkedHashMap<>();

  private static Run cli(String... args) {
    String[] all = Arrays.copyOf(args, args.length + SMALL.length);
    System.arraycopy(SMALL, 0, all, args.length, SMALL.length);
    return BitswitchCliTest.run(all);
  }

  private static void ok(Run r) {
    assertEquals(0, r.code(), () -> "exit " + r.code() + "\nstdout: " + r.out() + "\nstderr: " + r.err());
  }

  private static void refused(Run r, String... parts) {
    assertEquals(2, r.code(), () -> "expected an input error\nstdout: " + r.out() + "\nstderr: " + r.err());
    assertTrue(r.err().startsWith("bitswitch: error: ") && r.err().lines().count() == 1, r.err());
    for (String p : parts) {
      assertTrue(r.err().contains(p), () -> "stderr lacks '" + p + "': " + r.err());
    }
  }

  @BeforeAll
  static void trainAndEvaluate() throws IOException {
    String runs = dir.resolve("runs").toString();
    ok(cli("pretrain", "--out", runs, "--run-id", "fp32"));
    ok(cli("train", "--init", dir.resolve("runs/fp32/bundle").toString(), "--out", runs, "--run-id", "mp"));
    bundle = dir.resolve("runs/mp/bundle").toString();
    fp32Bundle = dir.resolve("runs/fp32/bundle").toString();
    Path mixed = Files.writeString(dir.resolve("mixed.json"), new ObjectMapper().writeValueAsString(MIXED));
    Path json = dir.resolve("eval.json");
    // evaluate takes only the options it knows: the test split size and the batch.
    ok(BitswitchCliTest.run("evaluate", "--master", "local[2]", "--bundle", bundle, "--bits", "8,6,4,2",
        "--layer-bits", mixed.toString(), "--json", json.toString(), "--set", "data.max-test-examples=" + TEST_IMAGES));
    JsonNode result = new ObjectMapper().readTree(json.toFile());
    result.get("accuracy").fields().forEachRemaining(e -> evaluated.put(e.getKey(), e.getValue().asDouble()));
    evaluated.put("mixed", result.get("layer_bits_accuracy").elements().next().asDouble());
    try (SparkSession spark = SparkSessions.create("local[2]", "export test", Map.of())) {
      images = InferenceBenchmark.testImages(spark, CommonOptions.DEFAULT_DATASET_DIR, 2, TEST_IMAGES);
    }
    assertEquals(TEST_IMAGES, images.count());
  }

  /** Exports through the command line and returns the file. */
  private static Path export(String name, String... targetArgs) {
    Path out = dir.resolve(name);
    String[] args = new String[] {"export", "--bundle", bundle, "--format", "onnx", "--out", out.toString()};
    String[] all = Arrays.copyOf(args, args.length + targetArgs.length);
    System.arraycopy(targetArgs, 0, all, args.length, targetArgs.length);
    Run r = BitswitchCliTest.run(all);
    ok(r);
    assertTrue(r.out().startsWith("wrote ") && r.out().contains(out.toString()), r.out());
    return out;
  }

  private static TensorProto initializer(ModelProto model, String name) {
    return model.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no initializer " + name));
  }

  private static void checkAgainstEvaluate(Path file, ExportTarget target, String key) throws Exception {
    byte[] model = Files.readAllBytes(file);
    Bundle source = BundleStore.read(bundle, new Configuration());

    // Integer initializers: the codes of the integer switch q_b = clamp((q_h + 2^(Δ−1)) >> Δ), exactly.
    ModelProto proto = ModelProto.parseFrom(model);
    for (String layer : List.of("conv2", "conv3", "conv4", "fc1")) {
      int b = target.bits() != null ? target.bits() : target.layerBits().get(layer);
      byte[] expected = DoubleRounding.switchCodes(source.tensor(TensorNames.weightCodes(layer)).codes(),
          source.manifest().h(), b);
      TensorProto t = initializer(proto, TensorNames.weightCodes(layer));
      byte[] raw = t.getRawData().toByteArray();
      boolean int4 = b <= 4;
      assertEquals(int4 ? TensorProto.DataType.INT4_VALUE : TensorProto.DataType.INT8_VALUE, t.getDataType(), layer);
      assertArrayEquals(expected, int4 ? OnnxWriter.unpackInt4(raw, expected.length) : raw, layer + " at " + b);
    }

    // Accuracy on the test split: ONNX Runtime against evaluate.
    OnnxRuntimeInference.Outputs onnx = OnnxRuntimeInference.run(model, images.pixels(), images.count(),
        images.shape(), 2, 250);
    double onnxAccuracy = onnx.accuracy(images.labels());
    assertEquals(evaluated.get(key), onnxAccuracy, ACCURACY_POINTS / 100,
        key + ": ONNX Runtime " + onnxAccuracy + " vs evaluate " + evaluated.get(key));

    // Logits of the first 100 images against the DL4J network evaluate runs.
    int n = 100;
    int size = images.size();
    InferenceBenchmark.TestImages first = new InferenceBenchmark.TestImages(
        Arrays.copyOf(images.pixels(), n * size), Arrays.copyOf(images.normalised(), n * size),
        Arrays.copyOf(images.labels(), n), images.shape());
    InferenceBenchmark.Dl4jOutputs dl4j = InferenceBenchmark.dl4j(source, target, first, 1, n);
    double worst = 0;
    for (int k = 0; k < dl4j.logits().length; k++) {
      worst = Math.max(worst, Math.abs(dl4j.logits()[k] - onnx.logits()[k]));
    }
    assertTrue(worst <= LOGIT_TOLERANCE, key + ": largest |Δ logit| " + worst);
  }

  @Test
  void everyBitWidthAndAMixedConfigurationRunInOnnxRuntimeAsEvaluateMeasures() throws Exception {
    for (int b : new int[] {8, 6, 4, 2}) {
      checkAgainstEvaluate(export(b + ".onnx", "--bits", String.valueOf(b)), ExportTarget.uniform(b),
          String.valueOf(b));
    }
    Path mixed = dir.resolve("mixed.json");
    checkAgainstEvaluate(export("mixed.onnx", "--layer-bits", mixed.toString()), ExportTarget.perLayer(MIXED),
        "mixed");
  }

  @Test
  void metadataNamesTheBundleItsBitsAndTheProducer() throws IOException {
    Path file = export("meta.onnx", "--bits", "4");
    ModelProto model = ModelProto.parseFrom(Files.readAllBytes(file));
    Map<String, String> meta = new LinkedHashMap<>();
    model.getMetadataPropsList().forEach(p -> meta.put(p.getKey(), p.getValue()));
    Manifest m = BundleStore.read(bundle, new Configuration()).manifest();
    assertEquals(m.tensorsSha256(), meta.get("bitswitch.bundle.sha256"));
    assertEquals("4", meta.get("bitswitch.bits"));
    assertEquals("fmnist-cnn", meta.get("bitswitch.architecture"));
    assertEquals("bitswitch " + BitswitchCli.version(), meta.get("bitswitch.producer"));
    assertEquals(BitswitchCli.version(), model.getProducerVersion());
    assertEquals(OnnxWriter.OPSET, model.getOpsetImport(0).getVersion());
  }

  @Test
  void badInputsAreRefusedInOneLineAndWriteNothing() throws IOException {
    Path existing = Files.writeString(dir.resolve("existing.onnx"), "keep me");
    refused(BitswitchCliTest.run("export", "--bundle", bundle, "--bits", "4", "--out", existing.toString()),
        "already exists", "--force");
    assertEquals("keep me", Files.readString(existing));
    ok(BitswitchCliTest.run("export", "--bundle", bundle, "--bits", "4", "--out", existing.toString(), "--force"));
    assertTrue(Files.size(existing) > 1000);

    Path absent = dir.resolve("absent.onnx");
    refused(BitswitchCliTest.run("export", "--bundle", bundle, "--bits", "5", "--out", absent.toString()),
        "cannot switch to 5 bits", "8, 6, 4, 2");
    refused(BitswitchCliTest.run("export", "--bundle", bundle, "--bits", "32", "--out", absent.toString()),
        "--bits 32 exports an FP32 bundle");
    refused(BitswitchCliTest.run("export", "--bundle", fp32Bundle, "--bits", "4", "--out", absent.toString()),
        "FP32", "--bits 32");
    refused(BitswitchCliTest.run("export", "--bundle", bundle, "--bits", "9", "--out", absent.toString()), "9");
    refused(BitswitchCliTest.run("export", "--bundle", bundle, "--bits", "4", "--format", "tflite", "--out",
        absent.toString()), "tflite");
    refused(BitswitchCliTest.run("export", "--bundle", bundle, "--bits", "4"), "--out is required");
    assertFalse(Files.exists(absent), "nothing written");
    try (var files = Files.list(dir)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
    }

    // The FP32 bundle exports as float at --bits 32.
    Path fp32 = dir.resolve("fp32.onnx");
    Run r = BitswitchCliTest.run("export", "--bundle", fp32Bundle, "--bits", "32", "--out", fp32.toString());
    ok(r);
    assertTrue(r.out().contains("FP32") && r.out().contains("FLOAT"), r.out());
  }

  @Test
  void inspectListsWhatEachBitWidthsExportHolds() {
    Run r = BitswitchCliTest.run("inspect", "--bundle", bundle);
    ok(r);
    String out = r.out();
    assertTrue(out.contains("ONNX export"), out);
    for (String row : List.of("8                 FLOAT/INT8", "6                 FLOAT/INT8", "4                 FLOAT/INT4",
        "2                 FLOAT/INT4")) {
      assertTrue(out.contains(row), () -> "inspect lacks '" + row + "':\n" + out);
    }
  }
}
