package io.bitswitch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Vector API loops of {@link LayerVectorKernels} give the scalar loops' floats bit for bit, on
 * data with what a select or a maximum could get wrong: ties, signed zeros, NaN, values of many
 * magnitudes, and lengths and row widths with and without a scalar tail.
 */
class LayerVectorKernelsTest {

  @BeforeAll
  static void theVectorLoopsAreOn() {
    assertTrue(LayerHelpers.VECTOR_LOOPS, "the tests run with jdk.incubator.vector on a machine with 256-bit vectors");
  }

  /** Values with ties (few distinct values), ±0, a NaN and an infinity among them. */
  private static float[] awkward(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = switch (r.nextInt(12)) {
        case 0 -> 0f;
        case 1 -> -0f;
        case 2 -> 1f;
        case 3 -> -1f;
        case 4 -> r.nextInt(50) == 0 ? Float.NaN : Float.POSITIVE_INFINITY;
        default -> (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
      };
    }
    return x;
  }

  private static void assertSameBits(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
          what + ", element " + i + ": " + expected[i] + " vs " + actual[i]);
    }
  }

  @Test
  void reluBackwardEqualsTheScalarLoop() {
    for (int n = 0; n <= 70; n++) {
      float[] x = awkward(n, n);
      float[] dy = awkward(n, 1000 + n);
      float[] scalar = new float[n];
      float[] vector = new float[n];
      java.util.Arrays.fill(vector, Float.NaN); // every element must be written
      ReluLayer.backwardScalar(x, dy, scalar, 0);
      LayerVectorKernels.reluBackward(x, dy, vector);
      assertSameBits(scalar, vector, "length " + n);
    }
  }

  /** Every even row width from 8 to 36 (four-tile vector steps, the last overlapping when the tile count is not a multiple of four), 3 planes of 4 rows. */
  @Test
  void maxPoolingForwardAndBackwardEqualTheScalarLoops() {
    int planes = 3;
    int h = 4;
    for (int w = 2 * LayerVectorKernels.TILES; w <= 36; w += 2) {
      float[] x = awkward(planes * h * w, w);
      int ow = w / 2;
      float[] dy = awkward(planes * (h / 2) * ow, 100 + w);
      float[] scalarY = new float[dy.length];
      float[] scalarDx = new float[x.length];
      for (int row = 0; row < planes * (h / 2); row++) {
        MaxPoolingHelper.forward2x2Tiles(x, 2 * row * w, 2 * row * w + w, scalarY, row * ow, 0, ow);
        MaxPoolingHelper.backward2x2Tiles(x, dy, 2 * row * w, 2 * row * w + w, row * ow, 0, ow, scalarDx);
      }
      float[] vectorY = new float[dy.length];
      float[] vectorDx = new float[x.length];
      java.util.Arrays.fill(vectorDx, Float.NaN); // every element must be written
      LayerVectorKernels.maxPool2x2Forward(x, planes, h, w, vectorY);
      LayerVectorKernels.maxPool2x2Backward(x, dy, planes, h, w, vectorDx);
      assertSameBits(scalarY, vectorY, "forward, width " + w);
      assertSameBits(scalarDx, vectorDx, "backward, width " + w);
    }
  }
}
