package io.bitswitch.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.bundle.TensorNames;
import io.bitswitch.model.Architectures;
import io.bitswitch.model.ModelBundles;
import io.bitswitch.model.NetworkGraphs;
import io.bitswitch.model.ParamLayout;
import io.bitswitch.model.QuantizationPlan;
import io.bitswitch.model.QuantizedGraph;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.quant.DoubleRounding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.junit.jupiter.api.Test;

/**
 * Exports of small random models, run in ONNX Runtime against the DL4J network bitswitch evaluates
 * with: the integer initializers are the switched codes exactly, and the outputs agree (fmnist-cnn at
 * every bit-width and a mixed configuration, ResNet-20 with its residual Adds and projection
 * shortcuts, and FP32 bundles). The trained-model checks (accuracy against {@code evaluate}) are in
 * the jobs module.
 */
class OnnxWriterTest {
  private static final int[] BITS = {8, 6, 4, 2};
  private static final float MEAN = 0.29f;
  private static final float STD = 0.35f;
  /**
   * Largest |Δ probability| allowed between ONNX Runtime and DL4J. Both compute in float32 but sum
   * convolutions in different orders; an activation that lands within float error of a rounding
   * boundary can then take the neighbouring code, which moves a random model's probabilities by up
   * to a few hundredths. Most outputs agree to ~1e-6.
   */
  private static final float PROBABILITY_TOLERANCE = 0.05f;
  /** Largest |Δ logit| allowed, relative to the largest |logit| (at least 1); as above. */
  private static final float LOGIT_TOLERANCE = 0.05f;

  /** An INT-8/6/4/2 bundle (or FP32 with {@code bits = {32}}) of random, perturbed parameters. */
  private static Bundle randomBundle(ComputationGraphConfiguration fp, String architecture, int[] shape, int[] bits,
      long seed) {
    QuantizationPlan plan = QuantizationPlan.of(fp);
    QuantizedGraph g = new QuantizedGraph(plan, ParamLayout.of(plan, bits), shape);
    float[] theta = g.initialParameters();
    int n = 8;
    float[] x = normalised(pixels(n, shape, seed), n);
    if (bits[0] != BitWidthSet.FP32_BITS) {
      g.initActivationScales(theta, x, n);
    }
    Random r = new Random(seed);
    for (ParamLayout.Segment s : g.layout().segments()) {
      for (int i = s.offset(); i < s.offset() + s.length(); i++) {
        float f = 1 + 0.05f * (float) r.nextGaussian();
        theta[i] = s.kind() == ParamLayout.Kind.BN_VAR ? Math.abs(theta[i] * f) + 0.1f : theta[i] * f;
      }
    }
    Manifest.Builder base = Manifest.builder().architecture(architecture).modelConfig(fp.toJson())
        .inputShape(shape).numClasses(10).normalization(new io.bitswitch.bundle.Manifest.Normalization(MEAN, STD)).accuracy(Map.of());
    Map<String, byte[]> files = ModelBundles.toBundle(g, theta, base).encode();
    return Bundle.decode(files.get(Bundle.MANIFEST_FILE), files.get(Bundle.TENSORS_FILE));
  }

  private static float[] pixels(int n, int[] shape, long seed) {
    Random r = new Random(seed);
    float[] p = new float[n * shape[0] * shape[1] * shape[2]];
    for (int i = 0; i < p.length; i++) {
      p[i] = r.nextInt(256);
    }
    return p;
  }

  /** The data pipeline's normalisation, {@code (x/255 − mean)/std} in float. */
  private static float[] normalised(float[] pixels, int n) {
    float[] x = new float[pixels.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = (pixels[i] / 255f - MEAN) / STD;
    }
    return x;
  }

  /**
   * DL4J's probabilities and logits, loaded the way evaluate loads a model: a uniform or FP32 bundle as it is;
   * per-layer widths ({@code layerBits} not null) as a configuration of the INT-h bundle.
   */
  private static float[][] dl4j(Bundle bundle, Map<String, Integer> layerBits, float[] pixels, int n) {
    Manifest m = bundle.manifest();
    QuantizationPlan plan = QuantizationPlan.of(Architectures.fromJson(m.modelConfig(), m.inputShape()[0],
        m.inputShape()[1], m.inputShape()[2]));
    QuantizedGraph g = new QuantizedGraph(plan, ParamLayout.of(plan, ModelBundles.precisionsOf(bundle)),
        m.inputShape());
    float[] theta = ModelBundles.toTheta(bundle, g);
    int[] config = new int[g.quantizedLayers().size()];
    for (int q = 0; q < config.length; q++) {
      String layer = g.quantizedLayers().get(q).name();
      config[q] = m.fp32() ? BitWidthSet.FP32_BITS : layerBits != null ? layerBits.get(layer) : bundle.bitsOf(layer);
    }
    g.load(theta, config, false);
    float[] x = normalised(pixels, n);
    return new float[][] {g.output(x, n), g.logits(x, n)};
  }

  /** ONNX Runtime's output {@code name} for the model, flattened row-major. */
  static float[] onnxRuntime(byte[] model, float[] pixels, int n, int[] shape, String name) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      try (OrtSession session = env.createSession(model, options);
          OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels),
              new long[] {n, shape[0], shape[1], shape[2]});
          OrtSession.Result result = session.run(Map.of(OnnxWriter.INPUT, input))) {
        float[][] out = (float[][]) result.get(name).orElseThrow().getValue();
        float[] flat = new float[n * out[0].length];
        for (int i = 0; i < n; i++) {
          System.arraycopy(out[i], 0, flat, i * out[0].length, out[0].length);
        }
        return flat;
      }
    }
  }

  private static OnnxWriter.Result export(Bundle source, ExportTarget target) {
    Bundle deployed = target.deploy(source);
    return OnnxWriter.write(deployed, NetworkGraphs.of(deployed.manifest()),
        OnnxWriter.metadata("test", source, target), "test");
  }

  private static void assertOutputsAgree(Bundle bundle, Map<String, Integer> layerBits, byte[] model, int[] shape,
      long seed, String what) throws OrtException {
    int n = 16;
    float[] pixels = pixels(n, shape, seed);
    float[][] expected = dl4j(bundle, layerBits, pixels, n);
    float[] probabilities = onnxRuntime(model, pixels, n, shape, OnnxWriter.PROBABILITIES);
    float[] logits = onnxRuntime(model, pixels, n, shape, OnnxWriter.LOGITS);
    int argmaxAgree = 0;
    float worstP = 0;
    float worstLogit = 0;
    float logitRange = 0;
    for (int i = 0; i < n; i++) {
      int e = 0;
      int a = 0;
      for (int c = 0; c < 10; c++) {
        int k = i * 10 + c;
        worstP = Math.max(worstP, Math.abs(expected[0][k] - probabilities[k]));
        worstLogit = Math.max(worstLogit, Math.abs(expected[1][k] - logits[k]));
        logitRange = Math.max(logitRange, Math.abs(expected[1][k]));
        e = expected[0][k] > expected[0][i * 10 + e] ? c : e;
        a = probabilities[k] > probabilities[i * 10 + a] ? c : a;
      }
      argmaxAgree += e == a ? 1 : 0;
    }
    assertTrue(worstP <= PROBABILITY_TOLERANCE, what + ": largest |Δp| " + worstP);
    assertTrue(worstLogit <= LOGIT_TOLERANCE * Math.max(1, logitRange), what + ": largest |Δlogit| " + worstLogit
        + " of logits up to " + logitRange);
    assertTrue(argmaxAgree >= n - 1, what + ": argmax agrees on " + argmaxAgree + "/" + n);
  }

  private static TensorProto initializer(ModelProto model, String name) {
    return model.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no initializer " + name));
  }

  /** The codes an initializer holds, unpacked. */
  private static byte[] codes(TensorProto t) {
    int count = (int) t.getDimsList().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b);
    byte[] raw = t.getRawData().toByteArray();
    return t.getDataType() == TensorProto.DataType.INT4_VALUE ? OnnxWriter.unpackInt4(raw, count) : raw;
  }

  @Test
  void fmnistCnnAtEveryBitWidthHoldsTheSwitchedCodesAndAgreesWithDl4j() throws Exception {
    Bundle stored = randomBundle(Architectures.fmnistCnn(1, 28, 28, 10, 7), "fmnist-cnn", new int[] {1, 28, 28},
        BITS, 3);
    for (int b : BITS) {
      OnnxWriter.Result r = export(stored, ExportTarget.uniform(b));
      ModelProto model = ModelProto.parseFrom(r.model());
      for (String layer : List.of("conv2", "conv3", "conv4", "fc1")) {
        TensorProto t = initializer(model, TensorNames.weightCodes(layer));
        assertEquals(b <= 4 ? TensorProto.DataType.INT4_VALUE : TensorProto.DataType.INT8_VALUE, t.getDataType());
        byte[] switched = DoubleRounding.switchCodes(stored.tensor(TensorNames.weightCodes(layer)).codes(), 8, b);
        assertArrayEquals(switched, codes(t), layer + " at " + b + " bits");
        float[] scales = stored.tensor(TensorNames.weightScale(layer)).floats();
        ByteBuffer s = initializer(model, TensorNames.weightScale(layer)).getRawData().asReadOnlyByteBuffer()
            .order(ByteOrder.LITTLE_ENDIAN);
        for (float scale : scales) {
          assertEquals(scale * (1 << (8 - b)), s.getFloat(), 0f, "s·2^(h−b)");
        }
      }
      NodeProto dq = model.getGraph().getNodeList().stream()
          .filter(n -> n.getName().equals("conv2.weight.dequantize")).findFirst().orElseThrow();
      assertEquals("DequantizeLinear", dq.getOpType());
      assertEquals(0, dq.getAttribute(0).getI(), "per-output-channel axis");
      assertEquals(List.of("FLOAT", b <= 4 ? "INT4" : "INT8"), r.types());
      long clips = model.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Clip")).count();
      assertEquals(b < 8 ? 4 : 0, clips, "a clamp at 2^b−1 before each uint8 QuantizeLinear below 8 bits");
      assertOutputsAgree(stored.switchTo(b), null, r.model(), new int[] {1, 28, 28}, 100 + b, b + " bits");
    }
  }

  @Test
  void mixedPrecisionUsesEachLayersWidthAndBatchNormSet() throws Exception {
    Bundle stored = randomBundle(Architectures.fmnistCnn(1, 28, 28, 10, 7), "fmnist-cnn", new int[] {1, 28, 28},
        BITS, 4);
    Map<String, Integer> layerBits = new LinkedHashMap<>(Map.of("conv2", 8, "conv3", 2, "conv4", 6, "fc1", 4));
    OnnxWriter.Result r = export(stored, ExportTarget.perLayer(layerBits));
    ModelProto model = ModelProto.parseFrom(r.model());
    for (Map.Entry<String, Integer> e : layerBits.entrySet()) {
      byte[] switched = DoubleRounding.switchCodes(stored.tensor(TensorNames.weightCodes(e.getKey())).codes(), 8,
          e.getValue());
      assertArrayEquals(switched, codes(initializer(model, TensorNames.weightCodes(e.getKey()))), e.getKey());
    }
    // bn3 normalises conv3 (2 bits); bn1 follows the float conv1 and takes conv2's width (8).
    initializer(model, TensorNames.batchNorm("bn3", 2, "gamma"));
    initializer(model, TensorNames.batchNorm("bn1", 8, "gamma"));
    Map<String, String> meta = new LinkedHashMap<>();
    model.getMetadataPropsList().forEach(p -> meta.put(p.getKey(), p.getValue()));
    assertEquals("{\"conv2\": 8, \"conv3\": 2, \"conv4\": 6, \"fc1\": 4}", meta.get("bitswitch.layer_bits"));
    assertEquals(stored.manifest().tensorsSha256(), meta.get("bitswitch.bundle.sha256"));
    assertEquals("fmnist-cnn", meta.get("bitswitch.architecture"));
    assertOutputsAgree(stored, layerBits, r.model(), new int[] {1, 28, 28}, 7, "mixed");
    // The mixed bundle itself exports at exactly its widths.
    Bundle mixed = stored.switchTo(layerBits);
    assertEquals(model.getGraph(), ModelProto.parseFrom(export(mixed, ExportTarget.perLayer(layerBits)).model())
        .getGraph(), "the same graph from the switched bundle");
  }

  @Test
  void resnet20WithResidualAddsAndProjectionShortcutsAgreesWithDl4j() throws Exception {
    int[] shape = {3, 32, 32};
    Bundle stored = randomBundle(Architectures.resnet20(3, 32, 32, 10, 7), "resnet20", shape, new int[] {8, 4}, 5);
    OnnxWriter.Result r = export(stored, ExportTarget.uniform(4));
    ModelProto model = ModelProto.parseFrom(r.model());
    assertEquals(9, model.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Add")).count());
    assertEquals(1, model.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("GlobalAveragePool"))
        .count());
    assertOutputsAgree(stored.switchTo(4), null, r.model(), shape, 9, "resnet20 at 4 bits");
  }

  @Test
  void fp32BundleExportsAsFloatAtBits32Only() throws Exception {
    Bundle fp = randomBundle(Architectures.fmnistCnn(1, 28, 28, 10, 7), "fmnist-cnn", new int[] {1, 28, 28},
        new int[] {32}, 6);
    OnnxWriter.Result r = export(fp, ExportTarget.uniform(32));
    assertEquals(List.of("FLOAT"), r.types());
    assertEquals(0, r.integerWeightBytes());
    ModelProto model = ModelProto.parseFrom(r.model());
    assertTrue(model.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().endsWith("QuantizeLinear")));
    assertOutputsAgree(fp, null, r.model(), new int[] {1, 28, 28}, 8, "FP32");
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> ExportTarget.uniform(4).deploy(fp));
    assertTrue(e.getMessage().contains("FP32") && e.getMessage().contains("--bits 32"), e.getMessage());
  }

  @Test
  void targetsThatDoNotMatchTheBundleAreRefused() {
    Bundle stored = randomBundle(Architectures.fmnistCnn(1, 28, 28, 10, 7), "fmnist-cnn", new int[] {1, 28, 28},
        new int[] {8, 4}, 2);
    assertTrue(assertThrows(InvalidInputException.class, () -> ExportTarget.uniform(6).deploy(stored)).getMessage()
        .contains("allowed: 8, 4"));
    assertTrue(assertThrows(InvalidInputException.class, () -> ExportTarget.uniform(32).deploy(stored)).getMessage()
        .contains("--bits 32 exports an FP32 bundle"));
    Bundle mixed = stored.switchTo(Map.of("conv2", 8, "conv3", 4, "conv4", 4, "fc1", 8));
    assertTrue(assertThrows(InvalidInputException.class, () -> ExportTarget.uniform(4).deploy(mixed)).getMessage()
        .contains("already mixed-precision"));
    assertEquals(mixed, ExportTarget.perLayer(Map.of("conv2", 8, "conv3", 4, "conv4", 4, "fc1", 8)).deploy(mixed));
  }

  @Test
  void int4PackingIsLowNibbleFirstAndSignExtends() {
    byte[] codes = {-8, 7, -1, 0, 3};
    byte[] packed = OnnxWriter.packInt4(codes);
    assertArrayEquals(new byte[] {(byte) 0x78, (byte) 0x0F, 0x03}, packed);
    assertArrayEquals(codes, OnnxWriter.unpackInt4(packed, codes.length));
    assertThrows(IllegalArgumentException.class, () -> OnnxWriter.packInt4(new byte[] {8}));
  }
}
