package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.bundle.Manifest.Layer;
import io.bitswitch.bundle.Tensor;
import io.bitswitch.bundle.TensorNames;
import io.bitswitch.cli.BitswitchCliTest.Run;
import io.bitswitch.quant.DoubleRounding;
import io.bitswitch.store.BundleStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands whose engines are in this build, run end to end through the command line. */
class WiredCommandsTest {
  @TempDir Path dir;

  private static Run run(String... args) {
    return BitswitchCliTest.run(args);
  }

  private static void assertOk(Run run) {
    assertEquals(0, run.code(), () -> "stderr: " + run.err());
  }

  private static void assertError(Run run, String part) {
    assertEquals(2, run.code(), () -> "stderr: " + run.err());
    assertTrue(run.err().startsWith("bitswitch: error: ") && run.err().contains(part), run.err());
  }

  /** IDX bytes: magic, sizes, then {@code payload}. */
  private static byte[] idx(int magic, int[] sizes, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * sizes.length + payload.length);
    b.putInt(magic);
    for (int s : sizes) {
      b.putInt(s);
    }
    return b.put(payload).array();
  }

  private static void writeIdxPair(Path dataDir, String imagesName, String labelsName, int count) throws IOException {
    byte[] pixels = new byte[count * 4 * 4];
    for (int k = 0; k < pixels.length; k++) {
      pixels[k] = (byte) (k * 7);
    }
    byte[] labels = new byte[count];
    for (int i = 0; i < count; i++) {
      labels[i] = (byte) (i % 10);
    }
    Files.write(dataDir.resolve(imagesName), idx(0x00000803, new int[] {count, 4, 4}, pixels));
    Files.write(dataDir.resolve(labelsName), idx(0x00000801, new int[] {count}, labels));
  }

  @Test
  void ingestWritesParquetAndRefusesToOverwriteUnlessAsked() throws IOException {
    Path data = Files.createDirectories(dir.resolve("idx"));
    writeIdxPair(data, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 30);
    writeIdxPair(data, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10);
    String out = dir.resolve("parquet").toUri().toString();
    String[] ingest = {"ingest", "--master", "local[1]", "--data", data.toString(), "--out", out};

    Run first = run(ingest);
    assertOk(first);
    assertEquals("ingested 30 train and 10 test examples into " + out, first.out().strip());
    assertTrue(Files.isDirectory(dir.resolve("parquet").resolve("train")));
    assertTrue(Files.isDirectory(dir.resolve("parquet").resolve("test")));

    assertError(run(ingest), "already exists");
    List<String> overwrite = new ArrayList<>(List.of(ingest));
    overwrite.add("--overwrite");
    assertOk(run(overwrite.toArray(String[]::new)));
  }

  @Test
  void ingestOfAMissingDirectoryIsAnInputError() {
    assertError(run("ingest", "--master", "local[1]", "--data", dir.resolve("none").toString(), "--out",
        dir.resolve("o").toString()), "none");
  }

  /** A small INT-8 bundle with bits {8, 6, 4, 2}: one quantized layer, one BatchNorm, one float layer. */
  private static Bundle smallBundle() {
    int[] bits = {8, 6, 4, 2};
    Random rnd = new Random(7);
    List<Layer> layers = List.of(Layer.quantized("fc1", 8, 6), Layer.batchNorm("bn1", 8), Layer.floating("out", 3, 8));
    List<Tensor> tensors = new ArrayList<>();
    float[] w = gaussian(rnd, 8 * 6);
    float[] s = DoubleRounding.initScales(w, 8, 8);
    tensors.add(Tensor.ofBytes(TensorNames.weightCodes("fc1"), new int[] {8, 6}, DoubleRounding.quantizeToCodes(w, s, 8)));
    tensors.add(Tensor.ofFloats(TensorNames.weightScale("fc1"), new int[] {8}, s));
    tensors.add(Tensor.ofFloats(TensorNames.bias("fc1"), new int[] {8}, gaussian(rnd, 8)));
    for (int b : bits) {
      tensors.add(Tensor.ofFloats(TensorNames.activationScale("fc1", b), new int[] {1}, new float[] {0.1f * b}));
    }
    for (int b : new int[] {8, 6, 4, 2, 32}) {
      for (String p : TensorNames.BN_PARAMS) {
        float[] v = gaussian(rnd, 8);
        for (int i = 0; i < v.length && (p.equals("var") || p.equals("gamma")); i++) {
          v[i] = Math.abs(v[i]) + 0.5f;
        }
        tensors.add(Tensor.ofFloats(TensorNames.batchNorm("bn1", b, p), new int[] {8}, v));
      }
    }
    tensors.add(Tensor.ofFloats(TensorNames.weight("out"), new int[] {3, 8}, gaussian(rnd, 24)));
    tensors.add(Tensor.ofFloats(TensorNames.bias("out"), new int[] {3}, gaussian(rnd, 3)));
    Manifest manifest = Manifest.builder().architecture("cli-test").modelConfig("{\"layers\":[]}").inputShape(1, 2, 3)
        .numClasses(3).bits(bits).h(8).normalization(new Manifest.Normalization(0.5f, 0.25f)).layers(layers)
        .accuracy(Map.of("8", 0.91, "6", 0.9, "4", 0.88, "2", 0.7)).build();
    return Bundle.of(manifest, tensors);
  }

  private static float[] gaussian(Random rnd, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) rnd.nextGaussian() * 0.2f;
    }
    return v;
  }

  @Test
  void inspectDescribesABundle() {
    String bundle = dir.resolve("bundle").toUri().toString();
    BundleStore.publish(smallBundle(), bundle, new Configuration(), false);
    Run run = run("inspect", "--bundle", bundle);
    assertOk(run);
    assertTrue(run.out().contains("[8, 6, 4, 2]") && run.out().contains("fc1.weight.q"), run.out());
    assertError(run("inspect", "--bundle", dir.resolve("absent").toString()), "no bundle at");
  }

  @Test
  void switchPublishesAUniformOrPerLayerBundle() throws IOException {
    Configuration hadoop = new Configuration();
    String bundle = dir.resolve("bundle").toUri().toString();
    BundleStore.publish(smallBundle(), bundle, hadoop, false);

    String int4 = dir.resolve("int4").toUri().toString();
    Run uniform = run("switch", "--bundle", bundle, "--bits", "4", "--out", int4);
    assertOk(uniform);
    assertTrue(uniform.out().startsWith("published 4-bit bundle at " + int4), uniform.out());
    Bundle published = BundleStore.read(int4, hadoop);
    assertEquals(List.of(4), published.manifest().bits());
    assertEquals(smallBundle().switchTo(4).tensors(), published.tensors());
    assertError(run("switch", "--bundle", bundle, "--bits", "4", "--out", int4), "exists");
    assertOk(run("switch", "--bundle", bundle, "--bits", "2", "--out", int4, "--overwrite"));
    assertEquals(List.of(2), BundleStore.read(int4, hadoop).manifest().bits());

    Path layerBits = Files.writeString(dir.resolve("layers.json"), "{\"fc1\": 6}");
    String mixed = dir.resolve("mixed").toUri().toString();
    Run perLayer = run("switch", "--bundle", bundle, "--layer-bits", layerBits.toString(), "--out", mixed);
    assertOk(perLayer);
    assertEquals(Map.of("fc1", 6), BundleStore.read(mixed, hadoop).manifest().layerBits());

    assertError(run("switch", "--bundle", bundle, "--bits", "3", "--out", dir.resolve("x").toString()),
        "cannot switch to 3 bits");
    Path unknown = Files.writeString(dir.resolve("unknown.json"), "{\"fc1\": 4, \"conv9\": 4}");
    assertError(run("switch", "--bundle", bundle, "--layer-bits", unknown.toString(), "--out",
        dir.resolve("y").toString()), "unknown layer(s) [conv9]");
    assertTrue(!Files.exists(dir.resolve("x")) && !Files.exists(dir.resolve("y")), "nothing written");
  }
}
