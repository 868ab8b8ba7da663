package io.bitswitch.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import io.bitswitch.quant.DoubleRounding;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BundleSwitchTest {
  private static final List<int[]> BIT_SETS = List.of(
      new int[] {8, 6, 4, 2}, new int[] {8, 7, 5, 3}, new int[] {6, 4, 2}, new int[] {4, 3, 2});
  private static final List<String> QUANTIZED = List.of("conv2", "fc1");

  private static int[] bitsOf(float[] v) {
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Float.floatToRawIntBits(v[i]);
    }
    return out;
  }

  /**
   * The b-bit model switched from the stored INT-h bundle is, bit for bit, the model the
   * training-time fake quantizer produces at b from the latent weights (docs/design/method.md §1) — on every
   * quantized layer, every b, several bit sets, and after an encode/decode round trip.
   */
  @Test
  void switchedWeightsEqualTrainingTimeFakeQuantizationBitForBit() {
    for (int[] set : BIT_SETS) {
      int h = set[0];
      Map<String, float[]> w = new HashMap<>();
      Map<String, float[]> s = new HashMap<>();
      Bundle intH = TestBundles.intH(11 + h, set, w, s);
      // The fixture's scales make the clamp at h active somewhere, so the test covers it.
      int clamped = 0;
      for (String layer : QUANTIZED) {
        for (byte q : intH.tensor(TensorNames.weightCodes(layer)).codes()) {
          clamped += q == DoubleRounding.minCode(h) || q == DoubleRounding.maxCode(h) ? 1 : 0;
        }
      }
      assertTrue(clamped > 0, "no code at the clamp of h=" + h);
      for (int b : set) {
        Map<String, byte[]> files = intH.switchTo(b).encode();
        Bundle switched = Bundle.decode(files.get(Bundle.MANIFEST_FILE), files.get(Bundle.TENSORS_FILE));
        for (String layer : QUANTIZED) {
          byte[] qh = intH.tensor(TensorNames.weightCodes(layer)).codes();
          byte[] qb = switched.tensor(TensorNames.weightCodes(layer)).codes();
          for (int i = 0; i < qh.length; i++) {
            assertEquals(DoubleRounding.switchCode(qh[i], h, b), qb[i], layer + " element " + i);
          }
          float[] trained = new float[w.get(layer).length];
          DoubleRounding.fakeQuantize(w.get(layer), s.get(layer), h, b, trained);
          assertArrayEquals(bitsOf(trained), bitsOf(switched.dequantizedWeights(layer)),
              "h=" + h + " b=" + b + " layer " + layer);
          float[] scale = switched.tensor(TensorNames.weightScale(layer)).floats();
          for (int c = 0; c < scale.length; c++) {
            assertEquals(s.get(layer)[c] * (1 << (h - b)), scale[c]);
          }
        }
      }
    }
  }

  @Test
  void switchKeepsOnlyTheTargetPrecisionsSets() {
    Bundle intH = TestBundles.intH(5, 8, 6, 4, 2);
    Bundle b4 = intH.switchTo(4);
    Manifest m = b4.manifest();
    assertEquals(List.of(4), m.bits());
    assertEquals(4, m.h());
    assertEquals(Map.of("4", 0.84), m.accuracy());
    assertNull(m.layerBits());
    assertNull(m.tensorsSha256());
    assertTrue(b4.hasTensor("conv2.act.4.scale"));
    assertTrue(b4.hasTensor("bn2.bn.4.gamma"));
    for (String gone : List.of("conv2.act.8.scale", "fc1.act.2.scale", "bn1.bn.8.mean", "bn1.bn.32.var")) {
      assertFalse(b4.hasTensor(gone), gone);
    }
    // Float layers, biases and the kept sets are untouched.
    for (String same : List.of("conv1.weight", "conv1.bias", "fc1.bias", "out.weight", "bn2.bn.4.var", "fc1.act.4.scale")) {
      assertEquals(intH.tensor(same), b4.tensor(same), same);
    }
    // Tensor order follows the INT-h bundle's.
    List<String> order = new ArrayList<>(intH.tensors().stream().map(Tensor::name).toList());
    order.retainAll(b4.tensors().stream().map(Tensor::name).toList());
    assertEquals(order, b4.tensors().stream().map(Tensor::name).toList());
    // Switching to h changes no code.
    assertArrayEquals(intH.tensor("fc1.weight.q").codes(), intH.switchTo(8).tensor("fc1.weight.q").codes());
  }

  @Test
  void refusesWidthsOutsideTheSetAndFp32Bundles() {
    Bundle intH = TestBundles.intH(5, 8, 6, 4, 2);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> intH.switchTo(5));
    assertEquals("cannot switch to 5 bits: this bundle holds bits [8, 6, 4, 2]; allowed: 8, 6, 4, 2", e.getMessage());
    assertThrows(InvalidInputException.class, () -> intH.switchTo(32));
    assertThrows(InvalidInputException.class, () -> intH.switchTo(4).switchTo(2));
    assertTrue(assertThrows(InvalidInputException.class, () -> BundleTest.fp32().switchTo(8))
        .getMessage().startsWith("this is an FP32 bundle"));
    assertTrue(assertThrows(InvalidInputException.class, () -> BundleTest.fp32().switchTo(Map.of()))
        .getMessage().startsWith("this is an FP32 bundle"));
  }

  @Test
  void mixedSwitchUsesEachLayersOwnBits() {
    Map<String, float[]> w = new HashMap<>();
    Map<String, float[]> s = new HashMap<>();
    Bundle intH = TestBundles.intH(9, new int[] {8, 6, 4, 2}, w, s);
    Map<String, Integer> config = Map.of("fc1", 2, "conv2", 6);
    Bundle mixed = intH.switchTo(config);
    Map<String, byte[]> files = mixed.encode();
    Bundle back = Bundle.decode(files.get(Bundle.MANIFEST_FILE), files.get(Bundle.TENSORS_FILE));
    assertEquals(mixed.tensors(), back.tensors());
    Manifest m = back.manifest();
    assertEquals(List.of("conv2", "fc1"), new ArrayList<>(m.layerBits().keySet()), "in layer order");
    assertEquals(config, m.layerBits());
    assertEquals(List.of(6, 2), m.bits());
    assertEquals(6, m.h());
    assertTrue(m.accuracy().isEmpty());
    for (String layer : QUANTIZED) {
      int b = config.get(layer);
      assertEquals(b, back.bitsOf(layer));
      float[] trained = new float[w.get(layer).length];
      DoubleRounding.fakeQuantize(w.get(layer), s.get(layer), 8, b, trained);
      assertArrayEquals(bitsOf(trained), bitsOf(back.dequantizedWeights(layer)), layer);
      assertArrayEquals(DoubleRounding.switchCodes(intH.tensor(layer + ".weight.q").codes(), 8, b),
          back.tensor(layer + ".weight.q").codes());
    }
    assertTrue(back.hasTensor("conv2.act.6.scale"));
    assertFalse(back.hasTensor("conv2.act.2.scale"));
    assertTrue(back.hasTensor("fc1.act.2.scale"));
    assertFalse(back.hasTensor("fc1.act.6.scale"));
    assertTrue(back.hasTensor("bn1.bn.6.gamma") && back.hasTensor("bn1.bn.2.gamma"));
    assertFalse(back.hasTensor("bn1.bn.8.gamma") || back.hasTensor("bn1.bn.32.gamma"));
    assertThrows(InvalidInputException.class, () -> back.switchTo(2), "already mixed");
  }

  @Test
  void mixedBundleCodesAreCheckedAgainstTheirLayersBits() {
    Bundle mixed = TestBundles.intH(9, 8, 6, 4, 2).switchTo(Map.of("fc1", 2, "conv2", 6));
    byte[] q = mixed.tensor("fc1.weight.q").codes();
    q[3] = 2; // fine at 6 bits, out of range at fc1's 2 bits
    List<Tensor> bad = new ArrayList<>();
    for (Tensor t : mixed.tensors()) {
      bad.add(t.name().equals("fc1.weight.q") ? Tensor.ofBytes(t.name(), t.shape(), q) : t);
    }
    byte[] tensors = Safetensors.write(bad, Map.of());
    byte[] manifest = mixed.manifest().withTensorsSha256(Bundle.sha256Hex(tensors)).toJson();
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> Bundle.decode(manifest, tensors));
    assertEquals("layer 'fc1' has code 2 at element 3 of 'fc1.weight.q', outside [-2, 1] for 2 bits", e.getMessage());
  }

  @Test
  void mixedSwitchNamesBadLayersAndWidths() {
    Bundle intH = TestBundles.intH(9, 8, 6, 4, 2);
    String unknown = assertThrows(InvalidInputException.class,
        () -> intH.switchTo(Map.of("conv2", 4, "fc1", 4, "conv1", 4, "nope", 2))).getMessage();
    assertEquals("unknown layer(s) [conv1, nope] in the per-layer bit-widths; quantized layers: [conv2, fc1]", unknown);
    String missing = assertThrows(InvalidInputException.class, () -> intH.switchTo(Map.of("conv2", 4))).getMessage();
    assertEquals("no bit-width given for quantized layer(s) [fc1]; every quantized layer needs one", missing);
    String width = assertThrows(InvalidInputException.class,
        () -> intH.switchTo(Map.of("conv2", 4, "fc1", 5))).getMessage();
    assertEquals("layer 'fc1': bit-width 5 is not in this bundle's bits [8, 6, 4, 2]; allowed: 8, 6, 4, 2", width);
  }
}
