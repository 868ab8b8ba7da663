package io.bitswitch.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.BitswitchException;
import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.bundle.Manifest.Layer;
import io.bitswitch.bundle.Tensor;
import io.bitswitch.bundle.TensorNames;
import io.bitswitch.quant.DoubleRounding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleStoreTest {
  @TempDir
  Path tmp;

  /** A small valid INT-8 bundle; different seeds give different weights. */
  static Bundle bundle(long seed) {
    Random rnd = new Random(seed);
    float[] w = new float[6 * 5];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) rnd.nextGaussian();
    }
    float[] s = DoubleRounding.initScales(w, 6, 8);
    List<Tensor> tensors = new ArrayList<>();
    tensors.add(Tensor.ofBytes(TensorNames.weightCodes("fc"), new int[] {6, 5}, DoubleRounding.quantizeToCodes(w, s, 8)));
    tensors.add(Tensor.ofFloats(TensorNames.weightScale("fc"), new int[] {6}, s));
    tensors.add(Tensor.ofFloats(TensorNames.weight("out"), new int[] {2, 6}, new float[12]));
    Manifest m = Manifest.builder().architecture("tiny").inputShape(1, 1, 5).numClasses(2).bits(8, 4).h(8)
        .layers(List.of(Layer.quantized("fc", 6, 5), Layer.floating("out", 2, 6))).build();
    return Bundle.of(m, tensors);
  }

  private static Configuration conf() {
    return new Configuration();
  }

  private static Configuration faulty(String key, String value) {
    Configuration c = new Configuration();
    c.set("fs.faulty.impl", FaultyFileSystem.class.getName());
    c.setBoolean("fs.faulty.impl.disable.cache", true);
    if (key != null) {
      c.set(key, value);
    }
    return c;
  }

  private String fileUri(String name) {
    return tmp.resolve(name).toUri().toString();
  }

  private String faultyUri(String name) {
    return "faulty:" + tmp.resolve(name).toAbsolutePath();
  }

  /** Names in the temp dir other than the given ones: leftovers of a failed publish. */
  private List<String> leftovers() throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).sorted().toList();
    }
  }

  private static void assertSameBundle(Bundle expected, Bundle actual) {
    assertEquals(expected.tensors(), actual.tensors());
    assertEquals(expected.manifest().withTensorsSha256(null), actual.manifest().withTensorsSha256(null));
  }

  @Test
  void roundTripsThroughFileUriAndPlainPath() throws IOException {
    Bundle b = bundle(1);
    BundleStore.publish(b, fileUri("run/bundle"), conf(), false);
    assertSameBundle(b, BundleStore.read(fileUri("run/bundle"), conf()));
    // A plain path resolves to the local file system by default.
    assertSameBundle(b, BundleStore.read(tmp.resolve("run/bundle").toString(), conf()));
    Path dir = tmp.resolve("run/bundle");
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of("manifest.json", "model.safetensors"),
          s.map(p -> p.getFileName().toString()).sorted().toList(), "no .crc side files");
    }
    assertArrayEquals(b.encode().get(Bundle.TENSORS_FILE), Files.readAllBytes(dir.resolve("model.safetensors")));
    assertEquals(List.of(), leftovers());
    BundleStore.publish(b, tmp.resolve("plain").toString(), conf(), false);
    assertTrue(BundleStore.exists(fileUri("plain"), conf()));
  }

  @Test
  void refusesToReplaceUnlessAsked() {
    BundleStore.publish(bundle(1), fileUri("b"), conf(), false);
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> BundleStore.publish(bundle(2), fileUri("b"), conf(), false));
    assertTrue(e.getMessage().contains("a bundle already exists at"), e.getMessage());
    assertSameBundle(bundle(1), BundleStore.read(fileUri("b"), conf()));
    BundleStore.publish(bundle(2), fileUri("b"), conf(), true);
    assertSameBundle(bundle(2), BundleStore.read(fileUri("b"), conf()));
  }

  @Test
  void manifestLessDirectoryIsAbsent() throws IOException {
    Files.createDirectories(tmp.resolve("half"));
    Files.write(tmp.resolve("half/model.safetensors"), bundle(1).encode().get(Bundle.TENSORS_FILE));
    assertFalse(BundleStore.exists(fileUri("half"), conf()));
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> BundleStore.read(fileUri("half"), conf()));
    assertTrue(e.getMessage().startsWith("no bundle at ") && e.getMessage().contains("has no manifest.json"),
        e.getMessage());
    assertTrue(assertThrows(CorruptDataException.class, () -> BundleStore.read(fileUri("nowhere"), conf()))
        .getMessage().contains("does not exist"));
    // An unfinished publish may be completed over, even without replace.
    BundleStore.publish(bundle(1), fileUri("half"), conf(), false);
    assertSameBundle(bundle(1), BundleStore.read(fileUri("half"), conf()));
  }

  @Test
  void neverPublishesOverUnrelatedFiles() throws IOException {
    Files.createDirectories(tmp.resolve("home"));
    Files.writeString(tmp.resolve("home/notes.txt"), "mine");
    assertTrue(assertThrows(InvalidInputException.class,
        () -> BundleStore.publish(bundle(1), fileUri("home"), conf(), true))
        .getMessage().contains("holds other files (notes.txt)"));
    assertEquals("mine", Files.readString(tmp.resolve("home/notes.txt")));
  }

  @Test
  void corruptFilesAreReportedWithTheirLocation() throws IOException {
    BundleStore.publish(bundle(1), fileUri("b"), conf(), false);
    Path t = tmp.resolve("b/model.safetensors");
    byte[] bytes = Files.readAllBytes(t);
    bytes[bytes.length - 1] ^= 1;
    Files.write(t, bytes);
    String msg = assertThrows(CorruptDataException.class, () -> BundleStore.read(fileUri("b"), conf())).getMessage();
    assertTrue(msg.startsWith("bundle at file:" + tmp.resolve("b")) && msg.contains("checksum mismatch"), msg);
  }

  @Test
  void failureMidPublishLeavesNoHalfBundle() throws IOException {
    // Tensors written, manifest creation fails.
    Configuration c = faulty(FaultyFileSystem.FAIL_CREATE, Bundle.MANIFEST_FILE);
    BitswitchException e = assertThrows(BitswitchException.class,
        () -> BundleStore.publish(bundle(1), faultyUri("b"), c, false));
    assertTrue(e.getMessage().contains("injected failure creating"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("b")));
    assertEquals(List.of(), leftovers(), "temporary directory removed");
    assertThrows(CorruptDataException.class, () -> BundleStore.read(faultyUri("b"), faulty(null, null)));
  }

  @Test
  void failureMidReplaceKeepsTheExistingBundle() throws IOException {
    Bundle old = bundle(1);
    BundleStore.publish(old, fileUri("b"), conf(), false);
    byte[] oldManifest = Files.readAllBytes(tmp.resolve("b/manifest.json"));

    // Failure while writing the new files.
    Configuration c1 = faulty(FaultyFileSystem.FAIL_CREATE, Bundle.MANIFEST_FILE);
    assertThrows(BitswitchException.class, () -> BundleStore.publish(bundle(2), faultyUri("b"), c1, true));
    assertArrayEquals(oldManifest, Files.readAllBytes(tmp.resolve("b/manifest.json")));
    assertSameBundle(old, BundleStore.read(fileUri("b"), conf()));
    assertEquals(List.of(), leftovers());

    // Failure at the moment the new directory is renamed in, after the old one was moved aside.
    Configuration c2 = faulty(FaultyFileSystem.FAIL_RENAME_FROM, ".tmp-");
    BitswitchException e = assertThrows(BitswitchException.class,
        () -> BundleStore.publish(bundle(2), faultyUri("b"), c2, true));
    assertTrue(e.getMessage().contains("injected failure renaming"), e.getMessage());
    assertSameBundle(old, BundleStore.read(fileUri("b"), conf()));
    assertEquals(List.of(), leftovers(), "old bundle moved back, temporary directory removed");
  }

  @Test
  void inPlacePublishForObjectStoresWritesManifestLast() throws IOException {
    Configuration c = faulty(FaultyFileSystem.FAIL_CREATE, Bundle.MANIFEST_FILE);
    assertThrows(BitswitchException.class, () -> BundleStore.publish(bundle(1), faultyUri("s3like"), c, false, false));
    assertTrue(Files.exists(tmp.resolve("s3like/model.safetensors")), "tensors were written first");
    assertFalse(BundleStore.exists(fileUri("s3like"), conf()));
    assertTrue(assertThrows(CorruptDataException.class, () -> BundleStore.read(fileUri("s3like"), conf()))
        .getMessage().startsWith("no bundle at "));

    BundleStore.publish(bundle(1), faultyUri("s3like"), faulty(null, null), false, false);
    assertSameBundle(bundle(1), BundleStore.read(fileUri("s3like"), conf()));
    assertThrows(InvalidInputException.class,
        () -> BundleStore.publish(bundle(2), faultyUri("s3like"), faulty(null, null), false, false));
    BundleStore.publish(bundle(2), faultyUri("s3like"), faulty(null, null), true, false);
    assertSameBundle(bundle(2), BundleStore.read(fileUri("s3like"), conf()));
  }
}
