package io.bitswitch.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** First rounding, per-channel layout and scale initialisation of docs/design/method.md §1. */
class DoubleRoundingTest {

  /**
   * rhu is round half up in exact arithmetic, {@code floor(x + 1/2)}, for every float, including
   * those just below a half whose float sum {@code x + 0.5f} rounds up to the next integer.
   */
  @Test
  void rhuIsExactRoundHalfUp() {
    float[] xs = {0f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 0.49999997f, -0.49999997f,
        Math.nextDown(0.5f), Math.nextUp(0.5f), Math.nextDown(-0.5f), Math.nextUp(-0.5f),
        Math.nextDown(1.5f), Math.nextDown(127.5f), 127.5f, -128.5f, Math.nextUp(-128.5f),
        8388609f, -8388609f, 4194304.5f, -4194304.5f, 1e-30f, -1e-30f, 0.25f, -0.25f};
    for (float x : xs) {
      assertEquals(QuantRef.rhu(x), DoubleRounding.rhu(x), "rhu(" + x + ")");
    }
    SplittableRandom rnd = new SplittableRandom(7);
    for (int i = 0; i < 200_000; i++) {
      // Random bit patterns of finite floats below 2^24 in magnitude, where rhu is representable.
      float x = Float.intBitsToFloat(rnd.nextInt(0, 0x4B800000)) * (rnd.nextBoolean() ? 1 : -1);
      assertEquals(QuantRef.rhu(x), DoubleRounding.rhu(x), "rhu(" + x + ")");
    }
    assertEquals(0, DoubleRounding.quantizeToCode(0.49999997f, 1f, 8), "w/s just below 1/2");
  }

  /**
   * Codes at h lie in [−2^(h−1), 2^(h−1) − 1], equal the spec element by element with each
   * channel using its own scale (channel c owns [c·K, (c+1)·K)), and dequantizing them at b = h
   * equals fakeQuantize at b = h bit for bit.
   */
  @ParameterizedTest(name = "h={0}")
  @ValueSource(ints = {2, 3, 4, 5, 6, 7, 8})
  void codesInRangePerChannelAndEqualToFakeQuantAtH(int h) {
    SplittableRandom rnd = new SplittableRandom(100 + h);
    float[] scales = {0.013f, 2.5f, 3.7e-3f, 1f, 0.5f};
    int k = 400;
    float[] w = new float[scales.length * k];
    for (int i = 0; i < w.length; i++) {
      // Up to three times the representable range, so both clamps are exercised.
      w[i] = (float) (rnd.nextDouble(-3, 3) * QuantRef.hi(h) * scales[i / k]);
    }
    byte[] codes = DoubleRounding.quantizeToCodes(w, scales, h);
    int lowSeen = 0;
    int highSeen = 0;
    for (int i = 0; i < w.length; i++) {
      assertTrue(codes[i] >= QuantRef.lo(h) && codes[i] <= QuantRef.hi(h), "code out of range: " + codes[i]);
      assertEquals(QuantRef.codeH(w[i], scales[i / k], h), codes[i], "w=" + w[i] + " channel " + i / k);
      assertEquals(codes[i], DoubleRounding.quantizeToCode(w[i], scales[i / k], h));
      lowSeen += codes[i] == QuantRef.lo(h) ? 1 : 0;
      highSeen += codes[i] == QuantRef.hi(h) ? 1 : 0;
    }
    assertTrue(lowSeen > 0 && highSeen > 0, "the data must reach both clamps");
    float[] deq = DoubleRounding.dequantize(codes, scales, h, h);
    float[] fake = new float[w.length];
    DoubleRounding.fakeQuantize(w, scales, h, h, fake);
    for (int i = 0; i < w.length; i++) {
      float want = QuantRef.dequant(codes[i], scales[i / k], 0);
      assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(deq[i]), "dequantize at " + i);
      assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(fake[i]), "fakeQuantize at " + i);
    }
  }

  /**
   * Per-channel layout: the same weight value lands on different codes in channels with different
   * scales, and a scale change in one channel changes only that channel's block.
   */
  @Test
  void eachChannelOwnsItsContiguousBlock() {
    float[] w = {1f, 2f, -1f, 1f, 2f, -1f, 1f, 2f, -1f};
    float[] scales = {1f, 0.5f, 0.25f};
    byte[] codes = DoubleRounding.quantizeToCodes(w, scales, 8);
    assertEquals("[1, 2, -1, 2, 4, -2, 4, 8, -4]", java.util.Arrays.toString(codes));
    float[] deq = DoubleRounding.dequantize(DoubleRounding.switchCodes(codes, 8, 6), scales, 8, 6);
    // Switched to 6 bits (Δ = 2, step 4·s): codes 1,2,-1 -> 0,1,0 ; 2,4,-2 -> 1,1,0 ; 4,8,-4 -> 1,2,-1
    float[] want = {0f, 4f, 0f, 2f, 2f, 0f, 1f, 2f, -1f};
    for (int i = 0; i < w.length; i++) {
      assertEquals(want[i], deq[i], "element " + i);
    }
    float[] fake = new float[w.length];
    DoubleRounding.fakeQuantize(w, scales, 8, 6, fake);
    for (int i = 0; i < w.length; i++) {
      assertEquals(want[i], fake[i], "fake element " + i);
    }
  }

  @Test
  void layoutMismatchIsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> DoubleRounding.quantizeToCodes(new float[10], new float[3], 8));
    assertThrows(IllegalArgumentException.class,
        () -> DoubleRounding.fakeQuantize(new float[10], new float[4], 8, 4, new float[10]));
    assertThrows(IllegalArgumentException.class, () -> DoubleRounding.initScales(new float[6], 0, 8));
  }

  /**
   * {@code s_c = max|w_c| / (2^(h−1) − 1)} per channel (reference in BigDecimal, rounded once),
   * the maximum taken over absolute values (a negative extreme counts), and an all-zero channel
   * gets a positive scale that quantizes it to zeros without NaN.
   */
  @ParameterizedTest(name = "h={0}")
  @ValueSource(ints = {2, 4, 6, 8})
  void initScalesIsMaxAbsOverMaxCode(int h) {
    SplittableRandom rnd = new SplittableRandom(h);
    int channels = 5;
    int k = 37;
    float[] w = new float[channels * k];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) rnd.nextDouble(-0.2, 0.2);
    }
    w[1 * k + 5] = -0.93f; // channel 1: the extreme is negative
    w[2 * k + 36] = 0.61f; // channel 2: the extreme is the last element
    for (int i = 3 * k; i < 4 * k; i++) {
      w[i] = 0f; // channel 3 is all zero
    }
    float[] scales = DoubleRounding.initScales(w, channels, h);
    assertEquals(channels, scales.length);
    for (int c = 0; c < channels; c++) {
      BigDecimal max = BigDecimal.ZERO;
      for (int i = c * k; i < (c + 1) * k; i++) {
        max = max.max(new BigDecimal(w[i]).abs());
      }
      if (c == 3) {
        assertTrue(scales[c] > 0 && Float.isFinite(scales[c]), "zero channel scale " + scales[c]);
        continue;
      }
      float want = max.divide(BigDecimal.valueOf(QuantRef.hi(h)), MathContext.DECIMAL128).floatValue();
      assertEquals(want, scales[c], "channel " + c);
    }
    float[] out = new float[w.length];
    DoubleRounding.fakeQuantize(w, scales, h, 2, out);
    byte[] codes = DoubleRounding.quantizeToCodes(w, scales, h);
    for (int i = 3 * k; i < 4 * k; i++) {
      if (out[i] != 0f || codes[i] != 0) {
        fail("all-zero channel quantized to " + out[i] + " / code " + codes[i]);
      }
    }
    // The largest weight of each non-zero channel maps onto the largest-magnitude code exactly.
    assertEquals(-QuantRef.hi(h), codes[1 * k + 5]);
    assertEquals(QuantRef.hi(h), codes[2 * k + 36]);
  }

  @Test
  void weightScaleGradientScaleIsLsqs() {
    // 1/sqrt(K·Q_P) with Q_P = 2^(b−1) − 1
    assertEquals(1 / Math.sqrt(9.0 * 127), DoubleRounding.gradScale(9, 8), 1e-9);
    assertEquals(1 / Math.sqrt(3136.0 * 1), DoubleRounding.gradScale(3136, 2), 1e-9);
  }
}
