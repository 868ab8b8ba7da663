package io.bitswitch.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Manifest.Layer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class BundleTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static byte[] manifestOf(Map<String, byte[]> files) {
    return files.get(Bundle.MANIFEST_FILE);
  }

  private static byte[] tensorsOf(Map<String, byte[]> files) {
    return files.get(Bundle.TENSORS_FILE);
  }

  /** Files of a bundle built without validation, so that tests can write what a writer must not. */
  private static Map<String, byte[]> raw(Manifest m, List<Tensor> tensors) {
    byte[] t = Safetensors.write(tensors, Map.of());
    return Map.of(Bundle.TENSORS_FILE, t,
        Bundle.MANIFEST_FILE, m.withTensorsSha256(Bundle.sha256Hex(t)).toJson());
  }

  private static byte[] editManifest(byte[] json, Consumer<ObjectNode> edit) throws Exception {
    ObjectNode tree = (ObjectNode) JSON.readTree(json);
    edit.accept(tree);
    return JSON.writeValueAsBytes(tree);
  }

  private static String rejected(byte[] manifest, byte[] tensors) {
    return assertThrows(CorruptDataException.class, () -> Bundle.decode(manifest, tensors)).getMessage();
  }

  private static List<Tensor> replace(List<Tensor> tensors, Tensor replacement) {
    List<Tensor> out = new ArrayList<>();
    for (Tensor t : tensors) {
      out.add(t.name().equals(replacement.name()) ? replacement : t);
    }
    return out;
  }

  @Test
  void encodeDecodeRoundTrip() {
    Bundle b = TestBundles.intH(1, 8, 6, 4, 2);
    Map<String, byte[]> files = b.encode();
    assertEquals(List.of(Bundle.TENSORS_FILE, Bundle.MANIFEST_FILE), new ArrayList<>(files.keySet()),
        "tensors first, manifest last");
    Bundle back = Bundle.decode(manifestOf(files), tensorsOf(files));
    assertEquals(b.tensors(), back.tensors());
    assertEquals(b.manifest().withTensorsSha256(Bundle.sha256Hex(tensorsOf(files))), back.manifest());
    assertNull(b.manifest().tensorsSha256());
    // Re-encoding a decoded bundle reproduces the files.
    Map<String, byte[]> again = back.encode();
    assertArrayEquals(tensorsOf(files), tensorsOf(again));
    assertArrayEquals(manifestOf(files), manifestOf(again));
  }

  @Test
  void identicalBundlesGiveIdenticalBytes() {
    Map<String, byte[]> x = TestBundles.intH(7, 8, 6, 4, 2).encode();
    Map<String, byte[]> y = TestBundles.intH(7, 8, 6, 4, 2).encode();
    assertArrayEquals(tensorsOf(x), tensorsOf(y));
    assertArrayEquals(manifestOf(x), manifestOf(y));
    String json = new String(manifestOf(x), StandardCharsets.UTF_8);
    assertTrue(json.startsWith("{\n  \"format_version\": 2,\n  \"producer\": \"" + Manifest.DEFAULT_PRODUCER + "\",\n"),
        json);
    assertTrue(json.contains("\"accuracy\": {\n    \"8\": 0.88,\n    \"6\": 0.86,"), json);
    assertTrue(json.endsWith("}\n"));
    assertTrue(!json.contains("\r"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void manifestKeepsExtraSectionsAndLayerOrder() {
    Bundle b = TestBundles.intH(2, 8, 4);
    Manifest m = b.manifest().toBuilder()
        .extra("sensitivity", Map.of("conv2", 0.5, "fc1", 0.25))
        .extra("aaa", List.of(1, 2))
        .build();
    Manifest back = Manifest.fromJson(m.toJson());
    assertEquals(m, back);
    assertEquals(List.of("aaa", "sensitivity"), new ArrayList<>(back.extra().keySet()));
    assertEquals(TestBundles.LAYERS, back.layers());
    assertThrows(UnsupportedOperationException.class,
        () -> ((Map<String, Object>) back.extra().get("sensitivity")).put("x", 1.0));
  }

  @Test
  void rejectsChecksumMismatch() {
    Map<String, byte[]> files = TestBundles.intH(1, 8, 6, 4, 2).encode();
    byte[] t = tensorsOf(files).clone();
    t[t.length - 1] ^= 1;
    String msg = rejected(manifestOf(files), t);
    assertTrue(msg.startsWith("checksum mismatch: model.safetensors has sha256 "), msg);
  }

  @Test
  void rejectsCodesOutOfRange() {
    Bundle b = TestBundles.intH(1, 6, 4, 2);
    byte[] q = b.tensor("conv2.weight.q").codes();
    q[5] = 40;
    List<Tensor> bad = replace(b.tensors(), Tensor.ofBytes("conv2.weight.q", new int[] {8, 4, 3, 3}, q));
    Map<String, byte[]> files = raw(b.manifest(), bad);
    String msg = rejected(manifestOf(files), tensorsOf(files));
    assertEquals("layer 'conv2' has code 40 at element 5 of 'conv2.weight.q', outside [-32, 31] for 6 bits", msg);
    q[5] = -33;
    files = raw(b.manifest(), replace(b.tensors(), Tensor.ofBytes("conv2.weight.q", new int[] {8, 4, 3, 3}, q)));
    assertTrue(rejected(manifestOf(files), tensorsOf(files)).contains("has code -33 at element 5"));
  }

  @Test
  void rejectsUnknownFormatVersionBeforeAnythingElse() throws Exception {
    Map<String, byte[]> files = TestBundles.intH(1, 8, 4).encode();
    // A future format whose other fields this build would not understand at all.
    byte[] future = editManifest(manifestOf(files), m -> {
      m.put("format_version", 3);
      m.put("bits", "all of them");
      m.remove("layers");
      m.put("newField", true);
    });
    String msg = rejected(future, new byte[0]);
    assertEquals("unsupported bundle format_version 3: this build of bitswitch reads format version 2 (and version 1, "
        + "whose keys are camelCase)", msg);
    byte[] none = editManifest(manifestOf(files), m -> m.remove("format_version"));
    assertTrue(rejected(none, tensorsOf(files)).contains("has no integer format_version"));
    // Version 1 with the keys of version 2, or the reverse, is neither.
    byte[] mixed = editManifest(manifestOf(files), m -> m.put("format_version", 1));
    assertTrue(rejected(mixed, tensorsOf(files)).startsWith("unsupported bundle format_version 1"));
  }

  /** Version 1 named the fields in camelCase; such a manifest reads as the version-2 one it equals. */
  @Test
  void readsVersion1CamelCaseManifests() throws Exception {
    Map<String, byte[]> files = TestBundles.intH(1, 8, 4).encode();
    Bundle current = Bundle.decode(manifestOf(files), tensorsOf(files));
    Map<String, String> v1Keys = Map.of("format_version", "formatVersion", "model_config", "modelConfig",
        "input_shape", "inputShape", "num_classes", "numClasses", "quantize_first_last", "quantizeFirstLast",
        "tensors_file", "tensorsFile", "tensors_sha256", "tensorsSha256");
    byte[] v1 = editManifest(manifestOf(files), m -> {
      v1Keys.forEach((key, old) -> m.set(old, m.remove(key)));
      m.put("formatVersion", 1);
    });
    assertTrue(new String(v1, StandardCharsets.UTF_8).contains("\"tensorsSha256\""));
    Bundle old = Bundle.decode(v1, tensorsOf(files));
    assertEquals(current.manifest(), old.manifest());
    assertEquals(Manifest.CURRENT_FORMAT_VERSION, old.manifest().formatVersion());
    // Written again, it is a version-2 manifest.
    assertArrayEquals(manifestOf(files), old.manifest().toJson());
  }

  @Test
  void rejectsTensorShapeNotMatchingDeclaredLayer() throws Exception {
    Map<String, byte[]> files = TestBundles.intH(1, 8, 4).encode();
    byte[] m = editManifest(manifestOf(files), node -> {
      ArrayNode shape = (ArrayNode) node.get("layers").get(2).get("shape");
      shape.set(2, 5);
      shape.set(3, 5);
    });
    String msg = rejected(m, tensorsOf(files));
    assertEquals("tensor 'conv2.weight.q' has shape [8, 4, 3, 3] but layer 'conv2' (declared shape "
        + "[8, 4, 5, 5]) needs [8, 4, 5, 5]", msg);
  }

  @Test
  void rejectsScaleShapeAndDtypeMismatch() {
    Bundle b = TestBundles.intH(1, 8, 4);
    Map<String, byte[]> files = raw(b.manifest(), replace(b.tensors(),
        Tensor.ofFloats("fc1.weight.scale", new int[] {32}, new float[32])));
    assertTrue(rejected(manifestOf(files), tensorsOf(files))
        .contains("tensor 'fc1.weight.scale' has shape [32] but layer 'fc1'"));
    files = raw(b.manifest(), replace(b.tensors(), Tensor.ofInts("fc1.bias", new int[] {16}, new int[16])));
    assertTrue(rejected(manifestOf(files), tensorsOf(files))
        .contains("tensor 'fc1.bias' of layer 'fc1' is I32; expected F32"));
  }

  @Test
  void rejectsMissingAndOrphanTensors() {
    Bundle b = TestBundles.intH(1, 8, 4);
    List<Tensor> missing = new ArrayList<>(b.tensors());
    missing.removeIf(t -> t.name().equals("bn2.bn.4.gamma"));
    Map<String, byte[]> files = raw(b.manifest(), missing);
    assertEquals("missing tensor 'bn2.bn.4.gamma' of layer 'bn2'", rejected(manifestOf(files), tensorsOf(files)));

    List<Tensor> noAct = new ArrayList<>(b.tensors());
    noAct.removeIf(t -> t.name().equals("fc1.act.4.scale"));
    files = raw(b.manifest(), noAct);
    assertTrue(rejected(manifestOf(files), tensorsOf(files)).contains("missing tensor(s) [fc1.act.4.scale]"));

    List<Tensor> orphan = new ArrayList<>(b.tensors());
    orphan.add(Tensor.ofFloats("bn2.bn.6.gamma", new int[] {8}, new float[8]));
    files = raw(b.manifest(), orphan);
    assertTrue(rejected(manifestOf(files), tensorsOf(files))
        .contains("tensor(s) [bn2.bn.6.gamma] belong to no declared layer or bit-width"));
  }

  @Test
  void rejectsInconsistentBitsAndH() throws Exception {
    Map<String, byte[]> files = TestBundles.intH(1, 8, 6, 4, 2).encode();
    byte[] t = tensorsOf(files);
    assertTrue(rejected(editManifest(manifestOf(files), m -> m.put("h", 6)), t)
        .contains("h=6 is inconsistent with bits [8, 6, 4, 2]: h must be max(bits) = 8"));
    assertTrue(rejected(editManifest(manifestOf(files), m -> m.putArray("bits").add(9).add(4)), t)
        .contains("manifest bits [9, 4] are invalid: bit-width 9 is outside the supported range 2..8"));
    assertTrue(rejected(editManifest(manifestOf(files), m -> m.putArray("bits").add(4).add(8)), t)
        .contains("not in descending order"));
    assertTrue(rejected(editManifest(manifestOf(files), m -> m.putArray("bits").add(32).add(8)), t)
        .contains("an FP32 bundle has bits [32] and h=32"));
    assertTrue(rejected(editManifest(manifestOf(files), m -> m.put("rounding", "half-even")), t)
        .contains("unsupported rounding 'half-even'"));
  }

  @Test
  void rejectsMalformedOrUnknownManifestFields() throws Exception {
    Map<String, byte[]> files = TestBundles.intH(1, 8, 4).encode();
    assertTrue(rejected("{\"format_version\": 2,".getBytes(StandardCharsets.UTF_8), tensorsOf(files))
        .startsWith("manifest.json is malformed JSON"));
    byte[] trailing = (new String(manifestOf(files), StandardCharsets.UTF_8) + "{}").getBytes(StandardCharsets.UTF_8);
    assertTrue(rejected(trailing, tensorsOf(files)).startsWith("manifest.json is malformed JSON"));
    assertEquals("manifest.json field 'colour' is not part of format version 2",
        rejected(editManifest(manifestOf(files), m -> m.put("colour", "red")), tensorsOf(files)));
    assertTrue(rejected(editManifest(manifestOf(files), m -> m.put("h", "8")), tensorsOf(files))
        .startsWith("manifest.json does not match format version 2"));
    assertTrue(rejected(editManifest(manifestOf(files),
        m -> ((ObjectNode) m.get("layers").get(0)).put("kind", "lstm")), tensorsOf(files))
        .contains("unknown layer kind 'lstm'"));
  }

  @Test
  void ofRefusesInconsistentBundlesWithInvalidInput() {
    Bundle b = TestBundles.intH(1, 8, 4);
    List<Tensor> missing = new ArrayList<>(b.tensors());
    missing.remove(0);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> Bundle.of(b.manifest(), missing));
    assertEquals("missing tensor 'conv1.weight' of layer 'conv1'", e.getMessage());
    Manifest fp32WithQuantized = b.manifest().toBuilder().fp32().build();
    assertTrue(assertThrows(InvalidInputException.class, () -> Bundle.of(fp32WithQuantized, b.tensors()))
        .getMessage().contains("is quantized but the bundle is FP32"));
  }

  /** An FP32 bundle: the quantized layers of the test CNN as float layers. */
  static Bundle fp32() {
    List<Layer> layers = TestBundles.LAYERS.stream()
        .map(l -> l.kind() == Manifest.LayerKind.QUANTIZED ? Layer.floating(l.name(), l.shape()) : l).toList();
    List<Tensor> tensors = new ArrayList<>();
    java.util.Random rnd = new java.util.Random(3);
    for (Layer l : layers) {
      if (l.kind() == Manifest.LayerKind.FLOAT) {
        tensors.add(Tensor.ofFloats(TensorNames.weight(l.name()), l.shape(),
            TestBundles.gaussian(rnd, (int) l.elementCount(), 0.1f)));
      } else {
        for (String p : TensorNames.BN_PARAMS) {
          tensors.add(Tensor.ofFloats(TensorNames.batchNorm(l.name(), 32, p), l.shape(), new float[l.outputChannels()]));
        }
      }
    }
    return Bundle.of(TestBundles.manifest(new int[] {32}).layers(layers).accuracy(Map.of("32", 0.9)).build(), tensors);
  }

  @Test
  void fp32BundleRoundTripsAndHasRatioOne() {
    Bundle b = fp32();
    Map<String, byte[]> files = b.encode();
    Bundle back = Bundle.decode(manifestOf(files), tensorsOf(files));
    assertEquals(b.tensors(), back.tensors());
    assertTrue(back.manifest().fp32());
    assertEquals(1.0, back.sizeRatioVsFp32());
    assertEquals(back.sizeBytes(), back.fp32SizeBytes());
  }

  @Test
  void sizesCountWeightsAtTheirBits() {
    Bundle b = TestBundles.intH(1, 8, 6, 4, 2);
    // conv1 36 + 4 bias, conv2 288, fc1 512 + 16 bias, out 160 + 10 bias, BN 4·(4 + 8).
    long fp32Elements = 36 + 4 + 288 + 512 + 16 + 160 + 10 + 4 * (4 + 8);
    assertEquals(fp32Elements * 4, b.fp32SizeBytes());
    long floatsAt8 = 36 + 4 + 160 + 10 + 4 * (4 + 8) + (8 + 1) + (16 + 16 + 1);
    assertEquals((288 + 512) * 8 + 32 * floatsAt8, b.deployedSizeBits());
    assertEquals((288 + 512) * 2 + 32 * floatsAt8, b.switchTo(2).deployedSizeBits());
    assertEquals(288 * 6 + 512 * 2 + 32 * floatsAt8, b.switchTo(Map.of("conv2", 6, "fc1", 2)).deployedSizeBits());
    long stored = b.tensors().stream().mapToLong(Tensor::byteSize).sum();
    assertEquals(stored, b.sizeBytes());
    assertTrue(b.switchTo(2).sizeBytes() < b.sizeBytes());
  }

  @Test
  void inspectorDescribesTheBundle() {
    Bundle b = Bundle.decode(manifestOf(TestBundles.intH(1, 8, 6, 4, 2).encode()),
        tensorsOf(TestBundles.intH(1, 8, 6, 4, 2).encode()));
    String text = BundleInspector.describe(b);
    assertTrue(text.contains("format version 2, written by " + Manifest.DEFAULT_PRODUCER), text);
    assertTrue(text.contains("architecture: test-cnn"), text);
    assertTrue(text.contains("bits:         [8, 6, 4, 2], stored h=8, rounding half-up-shift"), text);
    assertTrue(text.contains("accuracy:     8: 88.00%  6: 86.00%  4: 84.00%  2: 82.00%"), text);
    assertTrue(text.contains("  conv2  quantized  [8, 4, 3, 3]        8 bits"), text);
    assertTrue(text.contains("  conv2.weight.q      I8   [8, 4, 3, 3]        288 bytes"), text);
    assertTrue(text.contains("sha256:       " + b.manifest().tensorsSha256()), text);
    assertTrue(text.contains("× FP32 ("), text);
    String mixed = BundleInspector.describe(b.switchTo(Map.of("conv2", 4, "fc1", 8)));
    assertTrue(mixed.contains("layer bits:   conv2=4, fc1=8"), mixed);
    assertTrue(BundleInspector.describe(fp32()).contains("precision:    FP32 (bits [32])"));
  }
}
