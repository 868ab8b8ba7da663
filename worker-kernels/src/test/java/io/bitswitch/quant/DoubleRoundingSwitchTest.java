package io.bitswitch.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The switching property of docs/design/method.md §1: the b-bit model obtained from stored INT-h codes by the
 * integer switch equals, bit for bit, the training-time fake-quantized b-bit model, and both equal
 * the spec computed independently ({@link QuantRef}: exact rounding, one float rounding of the
 * product).
 */
class DoubleRoundingSwitchTest {

  /** Scales of the exhaustive test; one channel each. */
  private static final float[] SCALES = {0.013f, 0.5f, 1f, 3.7e-3f};
  /** Offsets of w / s from the code; all at least 0.05 away from a rounding boundary. */
  private static final double[] OFFSETS = {0, 0.05, -0.05, 0.2, -0.2, 0.37, -0.37, 0.45, -0.45};

  /**
   * Every code q_h of INT-h and every b below h: latent weights w = (q_h + δ)·s (δ = 0 included)
   * in four channels with different scales; the deployment path (quantizeToCodes, switchCodes,
   * dequantize), the training path (fakeQuantize) and the spec must agree bit for bit.
   */
  @ParameterizedTest(name = "h={0}")
  @ValueSource(ints = {8, 6})
  void everyCodeEveryLowerPrecisionSwitchesLosslessly(int h) {
    int lo = (int) QuantRef.lo(h);
    int hi = (int) QuantRef.hi(h);
    int codes = hi - lo + 1;
    int k = codes * OFFSETS.length;
    float[] w = new float[SCALES.length * k];
    int[] expectedCode = new int[w.length];
    for (int c = 0; c < SCALES.length; c++) {
      int i = c * k;
      for (int q = lo; q <= hi; q++) {
        for (double d : OFFSETS) {
          w[i] = (float) ((q + d) * SCALES[c]);
          expectedCode[i] = q;
          i++;
        }
      }
    }
    byte[] stored = DoubleRounding.quantizeToCodes(w, SCALES, h);
    for (int i = 0; i < w.length; i++) {
      // Precondition of the construction, checked against the reference, then the kernel.
      assertEquals(expectedCode[i], QuantRef.codeH(w[i], SCALES[i / k], h), "construction at " + i);
      assertEquals(expectedCode[i], stored[i], "stored code of w=" + w[i] + " s=" + SCALES[i / k]);
    }
    float[] fake = new float[w.length];
    for (int b = 2; b <= h; b++) {
      int delta = h - b;
      byte[] switched = DoubleRounding.switchCodes(stored, h, b);
      float[] deployed = DoubleRounding.dequantize(switched, SCALES, h, b);
      DoubleRounding.fakeQuantize(w, SCALES, h, b, fake);
      for (int i = 0; i < w.length; i++) {
        int q = expectedCode[i];
        float s = SCALES[i / k];
        long qb = QuantRef.switchRef(q, h, b);
        String where = "h=" + h + " b=" + b + " q_h=" + q + " w=" + w[i] + " s=" + s;
        assertEquals(qb, switched[i], "switchCodes " + where);
        assertEquals(qb, DoubleRounding.switchCode(q, h, b), "switchCode " + where);
        int want = Float.floatToIntBits(QuantRef.dequant(qb, s, delta));
        if (Float.floatToIntBits(deployed[i]) != want || Float.floatToIntBits(fake[i]) != want) {
          fail(where + ": spec " + Float.intBitsToFloat(want) + ", deployed " + deployed[i]
              + ", fake-quantized " + fake[i]);
        }
      }
    }
  }

  /**
   * The property must hold everywhere, not only away from boundaries: random latent weights
   * (including out-of-range ones and exact ties w/s = k + 1/2 at dyadic scales), every h in 2..8
   * and every b ≤ h.
   */
  @Test
  void randomWeightsIncludingTiesAgreeForEveryPrecisionPair() {
    SplittableRandom rnd = new SplittableRandom(20250201L);
    float[] scales = {0.013f, 0.5f, 1f, 3.7e-3f, 0.25f, 0.0078125f};
    int k = 600;
    float[] w = new float[scales.length * k];
    for (int h = 2; h <= 8; h++) {
      double range = QuantRef.hi(h) + 8;
      for (int i = 0; i < w.length; i++) {
        float s = scales[i / k];
        if (i % 3 == 0) {
          long t = rnd.nextLong(-(long) range, (long) range);
          w[i] = (float) ((t + 0.5) * s); // an exact tie when s is dyadic
        } else {
          w[i] = (float) (rnd.nextDouble(-range, range) * s);
        }
      }
      byte[] stored = DoubleRounding.quantizeToCodes(w, scales, h);
      float[] fake = new float[w.length];
      for (int b = 2; b <= h; b++) {
        float[] deployed = DoubleRounding.dequantize(DoubleRounding.switchCodes(stored, h, b), scales, h, b);
        DoubleRounding.fakeQuantize(w, scales, h, b, fake);
        for (int i = 0; i < w.length; i++) {
          float s = scales[i / k];
          int want = Float.floatToIntBits(QuantRef.weight(w[i], s, h, b));
          if (Float.floatToIntBits(deployed[i]) != want || Float.floatToIntBits(fake[i]) != want) {
            fail("h=" + h + " b=" + b + " w=" + w[i] + " s=" + s + ": spec " + Float.intBitsToFloat(want)
                + ", deployed " + deployed[i] + ", fake-quantized " + fake[i]);
          }
        }
      }
    }
  }

  /**
   * The integer switch is {@code floor(q / 2^Δ + 1/2)} clamped to the b-bit range, for every h in
   * 2..8, every b ≤ h and every h-bit code (reference in BigDecimal).
   */
  @Test
  void integerSwitchIsRoundHalfUpThenClampForAllPairs() {
    for (int h = 2; h <= 8; h++) {
      for (int b = 2; b <= h; b++) {
        for (long q = QuantRef.lo(h); q <= QuantRef.hi(h); q++) {
          long want = b == h ? q : QuantRef.clamp(QuantRef.rhuDiv(q, h - b), QuantRef.lo(b), QuantRef.hi(b));
          assertEquals(want, DoubleRounding.switchCode((int) q, h, b), "h=" + h + " b=" + b + " q=" + q);
        }
      }
    }
  }

  /** Ties round up (towards +∞), also for negative codes; the clamps bite at both ends. */
  @ParameterizedTest(name = "h={0} b={1}: {2} -> {3}")
  @CsvSource({
      "8, 6,    2,   1",  // 0.5 -> 1
      "8, 6,   -2,   0",  // -0.5 -> 0 (half up, not half away from zero)
      "8, 6,    6,   2",  // 1.5 -> 2
      "8, 6,   -6,  -1",  // -1.5 -> -1
      "8, 6,   10,   3",  // 2.5 -> 3 (not to even)
      "8, 6,  -10,  -2",  // -2.5 -> -2
      "8, 6,  127,  31",  // rhu(31.75) = 32 clamps to 31
      "8, 6,  126,  31",  // rhu(31.5) = 32 clamps to 31
      "8, 6,  125,  31",  // rhu(31.25) = 31, no clamp
      "8, 6, -128, -32",  // -32 exactly
      "8, 6, -127, -32",  // rhu(-31.75) = -32
      "8, 6, -126, -31",  // rhu(-31.5) = -31
      "8, 2,  127,   1",  // rhu(127/64) = 2 clamps to 1
      "8, 2,  -97,  -2",  // rhu(-1.515625) = -2
      "8, 2,  -96,  -1",  // rhu(-1.5) = -1
      "8, 2, -128,  -2",
      "8, 7,  127,  63",  // rhu(63.5) = 64 clamps to 63
      "8, 7,   -1,   0",  // rhu(-0.5) = 0
      "6, 4,   31,   7",  // rhu(7.75) = 8 clamps to 7
      "6, 4,  -32,  -8",
      "8, 8,  -128, -128",
      "8, 8,  127, 127"})
  void tiesAndClampEdges(int h, int b, int q, int want) {
    assertEquals(want, DoubleRounding.switchCode(q, h, b));
    byte[] one = DoubleRounding.switchCodes(new byte[] {(byte) q}, h, b);
    assertEquals(want, one[0]);
  }

  @Test
  void switchingUpIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> DoubleRounding.switchCode(3, 4, 6));
  }
}
