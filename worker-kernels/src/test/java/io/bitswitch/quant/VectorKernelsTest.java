package io.bitswitch.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The Vector API kernels against the straightforward scalar loops they replace (which still run
 * without the Vector API: {@code DoubleRounding.fakeQuantizeScalar} etc.), bit for bit (docs/design/method.md §1–2): random inputs plus exact ties
 * (x.5 at both roundings), clamp boundaries, the activation range's edges and slivers, signed
 * zeros, and lengths that leave a scalar tail.
 */
class VectorKernelsTest {
  private static final int[] CHANNEL_LENGTHS = {1, 3, 7, 8, 9, 16, 17, 33, 300};

  @Test
  void surefireRunsTheVectorKernels() {
    assertTrue(DoubleRounding.VECTOR_KERNELS, "the tests should exercise the Vector API path");
  }

  @Test
  void rhuMatchesScalarRhuBitForBit() {
    SplittableRandom random = new SplittableRandom(11);
    int lanes = FloatVector.SPECIES_PREFERRED.length();
    float[] specials = {0f, -0f, 0.5f, -0.5f, 0.49999997f, -0.49999997f, 1.5f, -1.5f, 2.5f, -2.5f,
        4194303.5f, -4194303.5f, 4194304f, -4194304.5f, 2097151.5f, -2097152.5f, 8388607.5f, -8388607.5f, 8388608f, -8388608f, 8388609f, 16777215f, 2.1474836E9f, -2.1474836E9f,
        3e9f, -3e9f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 127.5f, -128.5f, 255.5f};
    float[] x = new float[specials.length + 200_000];
    System.arraycopy(specials, 0, x, 0, specials.length);
    for (int i = specials.length; i < x.length; i++) {
      x[i] = switch (i % 4) {
        case 0 -> (float) ((random.nextInt(-600, 600)) + 0.5); // ties
        case 1 -> (float) random.nextDouble(-300, 300);
        case 2 -> Float.intBitsToFloat(random.nextInt()); // any bit pattern
        default -> Math.nextUp((float) (random.nextInt(-600, 600) + 0.5)) * (random.nextBoolean() ? 1 : -1);
      };
    }
    float[] padded = java.util.Arrays.copyOf(x, (x.length + lanes - 1) / lanes * lanes);
    float[] got = new float[padded.length];
    for (int i = 0; i < padded.length; i += lanes) {
      VectorKernels.rhu(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, padded, i)).intoArray(got, i);
    }
    int exact = 0;
    for (int i = 0; i < x.length; i++) {
      if (Math.abs(x[i]) < 4194304f) {
        assertBits(DoubleRounding.rhu(x[i]), got[i], "rhu(" + x[i] + ")");
        exact++;
      } else {
        // Beyond 2^22 (and for ±inf and NaN) the kernel keeps x: it clamps to every code range exactly as rhu(x) does.
        assertBits(x[i], got[i], "rhu(" + x[i] + ") passes x through");
        for (float[] range : new float[][] {{-128f, 127f}, {0f, 255f}, {-2f, 1f}}) {
          float expected = Math.max(range[0], Math.min(range[1], DoubleRounding.rhu(x[i])));
          float actual = Math.max(range[0], Math.min(range[1], got[i]));
          assertEquals(Float.isNaN(expected), Float.isNaN(actual), "NaN stays NaN");
          if (!Float.isNaN(expected)) {
            assertBits(expected, actual, "clamped rhu(" + x[i] + ")");
          }
        }
      }
    }
    assertTrue(exact > 150_000, "most inputs take the exact path");
  }

  @Test
  void fakeQuantizeAndBackwardMatchScalarLoops() {
    SplittableRandom random = new SplittableRandom(12);
    int h = 8;
    for (int k : CHANNEL_LENGTHS) {
      for (int b = 2; b <= h; b++) {
        for (int trial = 0; trial < 4; trial++) {
          int channels = 1 + random.nextInt(5);
          float[] scales = new float[channels];
          float[] w = new float[channels * k];
          float[] gradOut = new float[w.length];
          for (int c = 0; c < channels; c++) {
            // Dyadic scales make w = code·s exact, so ties and boundaries land exactly; the others are arbitrary.
            scales[c] = trial % 2 == 0 ? (float) Math.scalb(1.0, -random.nextInt(4, 12))
                : (float) random.nextDouble(1e-4, 0.05);
            for (int i = c * k; i < (c + 1) * k; i++) {
              w[i] = weight(random, scales[c], h, b);
              gradOut[i] = (float) random.nextGaussian();
            }
          }
          float[] expected = new float[w.length];
          float[] got = new float[w.length];
          DoubleRounding.fakeQuantizeScalar(w, scales, h, b, expected);
          VectorKernels.fakeQuantize(w, scales, k, h, b, got);
          assertAllBits(expected, got, "fakeQuantize k=" + k + " b=" + b);

          float[] gwExpected = new float[w.length];
          float[] gsExpected = new float[channels];
          float[] gw = new float[w.length];
          float[] gs = new float[channels];
          DoubleRounding.backwardScalar(w, scales, h, b, gradOut, gwExpected, gsExpected);
          VectorKernels.doubleRoundingBackward(w, scales, k, h, b, gradOut, gw, gs);
          assertAllBits(gwExpected, gw, "gradW k=" + k + " b=" + b);
          assertAllBits(gsExpected, gs, "gradScale k=" + k + " b=" + b);
        }
      }
    }
  }

  /** A weight at a tie or clamp edge of either rounding, or anywhere in (and a bit beyond) range. */
  private static float weight(SplittableRandom random, float s, int h, int b) {
    int step = 1 << (h - b);
    return switch (random.nextInt(6)) {
      case 0 -> (random.nextInt(-130, 130) + 0.5f) * s; // first-rounding tie
      case 1 -> (random.nextInt(-64, 64) * step + step / 2f) * s; // second-rounding tie (a code at k·step + step/2)
      case 2 -> new float[] {-128.5f, -128f, -127.5f, 126.5f, 127f, 127.5f, 128f,
          DoubleRounding.minCode(b) * step - step / 2f, DoubleRounding.maxCode(b) * step + step / 2f,
          -0f, 0f, 0.5f, -0.5f}[random.nextInt(13)] * s;
      case 3 -> Math.nextUp((random.nextInt(-130, 130) + 0.5f) * s);
      default -> (float) random.nextDouble(-140, 140) * s;
    };
  }

  @Test
  void activationForwardAndBackwardMatchScalarLoops() {
    SplittableRandom random = new SplittableRandom(13);
    for (int b = 2; b <= 8; b++) {
      int levels = ActivationQuantizer.levels(b);
      for (int n : new int[] {1, 7, 8, 15, 16, 31, 1000, 4099}) {
        for (int trial = 0; trial < 4; trial++) {
          float a = trial % 2 == 0 ? (float) Math.scalb(1.0, -random.nextInt(2, 9)) : (float) random.nextDouble(1e-3, 0.5);
          float[] x = new float[n];
          float[] gradOut = new float[n];
          for (int i = 0; i < n; i++) {
            float r = switch (random.nextInt(6)) {
              case 0 -> random.nextInt(-2, levels + 2) + 0.5f; // ties
              case 1 -> new float[] {0f, -0f, levels, levels + 0.25f, levels + 0.5f, -0.25f, -0.5f, -0.75f}[random.nextInt(8)];
              case 2 -> random.nextInt(-3, levels + 3);
              default -> (float) random.nextDouble(-2, levels + 2);
            };
            x[i] = r * a;
            gradOut[i] = (float) random.nextGaussian();
          }
          float[] expected = new float[n];
          float[] got = new float[n];
          ActivationQuantizer.forwardScalar(x, n, a, b, expected);
          VectorKernels.activationForward(x, n, a, b, got);
          assertAllBits(expected, got, "forward b=" + b + " n=" + n);

          float g = ActivationQuantizer.gradScale(n, b);
          float[] gxExpected = new float[n];
          float[] gx = new float[n];
          float gaExpected = ActivationQuantizer.backwardScalar(x, n, a, b, gradOut, gxExpected, g);
          float ga = (float) (VectorKernels.activationBackward(x, n, a, b, gradOut, gx) * g);
          assertAllBits(gxExpected, gx, "gradX b=" + b + " n=" + n);
          assertBits(gaExpected, ga, "scale gradient b=" + b + " n=" + n);
        }
      }
    }
  }

  @Test
  void nonFiniteInputsGiveTheScalarLoopsResults() {
    float[] odd = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e30f, -1e30f, 0f, -0f, 0.3f,
        Float.NaN, 2f, -2f, 5e-39f, 100f, -100f, 0.5f, -0.5f, 1f};
    float[] scales = {0.01f};
    for (int b = 2; b <= 8; b++) {
      float[] expected = new float[odd.length];
      float[] got = new float[odd.length];
      DoubleRounding.fakeQuantizeScalar(odd, scales, 8, b, expected);
      VectorKernels.fakeQuantize(odd, scales, odd.length, 8, b, got);
      assertAllBits(expected, got, "fakeQuantize of non-finite inputs b=" + b);
      ActivationQuantizer.forwardScalar(odd, odd.length, 0.01f, b, expected);
      VectorKernels.activationForward(odd, odd.length, 0.01f, b, got);
      assertAllBits(expected, got, "activation forward of non-finite inputs b=" + b);
      float[] gradOut = odd.clone();
      float[] gxExpected = new float[odd.length];
      float[] gx = new float[odd.length];
      float gaExpected = ActivationQuantizer.backwardScalar(odd, odd.length, 0.01f, b, gradOut, gxExpected, 1f);
      float ga = (float) VectorKernels.activationBackward(odd, odd.length, 0.01f, b, gradOut, gx);
      assertAllBits(gxExpected, gx, "activation backward of non-finite inputs b=" + b);
      assertBits(gaExpected, ga, "activation scale gradient of non-finite inputs b=" + b);
    }
  }

  @Test
  void publicEntryPointsUseTheKernels() {
    float[] w = {0.26f, -0.74f, 1.5f, 3f, -3f, 0.01f, 0.125f, -0.125f, 0.3f};
    float[] scales = {0.25f};
    float[] expected = new float[w.length];
    float[] got = new float[w.length];
    DoubleRounding.fakeQuantizeScalar(w, scales, 8, 4, expected);
    DoubleRounding.fakeQuantize(w, scales, 8, 4, got);
    assertAllBits(expected, got, "DoubleRounding.fakeQuantize");
    ActivationQuantizer.forwardScalar(w, w.length, 0.25f, 3, expected);
    ActivationQuantizer.forward(w, w.length, 0.25f, 3, got);
    assertAllBits(expected, got, "ActivationQuantizer.forward");
  }

  private static void assertBits(float expected, float actual, String what) {
    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
        () -> what + ": expected " + expected + ", got " + actual);
  }

  private static void assertAllBits(float[] expected, float[] actual, String what) {
    for (int i = 0; i < expected.length; i++) {
      assertBits(expected[i], actual[i], what + " at " + i);
    }
  }
}
