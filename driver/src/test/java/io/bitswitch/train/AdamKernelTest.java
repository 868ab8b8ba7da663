package io.bitswitch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.quant.DoubleRounding;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link AdamKernel} against the scalar update of {@link Adam}, bit for bit. */
class AdamKernelTest {
  private static final double B1 = 0.9;
  private static final double B2 = 0.999;
  private static final double EPS = 1e-8;

  @Test
  void vectorStepsEqualTheScalarLoopBitForBit() {
    assertTrue(DoubleRounding.VECTOR_KERNELS, "the tests run with jdk.incubator.vector");
    Random r = new Random(5);
    int n = 1003;
    for (int trial = 0; trial < 20; trial++) {
      float[] theta = values(r, n);
      float[] grad = values(r, n);
      float[] m = values(r, n);
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = Math.abs(values(r, 1)[0]);
      }
      double lr = 1e-3 * (1 + r.nextDouble());
      double wd = trial % 2 == 0 ? 0 : 5e-5;
      long t = 1 + r.nextInt(5000);
      double c1 = 1 - Math.pow(B1, t);
      double c2 = 1 - Math.pow(B2, t);
      int from = r.nextInt(5);
      int end = n - r.nextInt(5);

      float[] eTheta = theta.clone();
      float[] eM = m.clone();
      float[] eV = v.clone();
      for (int i = from; i < end; i++) {
        double g = grad[i] + wd * eTheta[i];
        double mi = B1 * eM[i] + (1 - B1) * g;
        double vi = B2 * eV[i] + (1 - B2) * g * g;
        eM[i] = (float) mi;
        eV[i] = (float) vi;
        double step = lr * (mi / c1) / (Math.sqrt(vi / c2) + EPS);
        eTheta[i] = (float) (eTheta[i] - step);
      }
      int done = AdamKernel.plainSteps(theta, grad, m, v, from, end, lr, wd, c1, c2, B1, B2, EPS);
      assertTrue(done > end - 4 && done <= end, "stops within the last four: " + done);
      for (int i = from; i < done; i++) {
        assertEquals(Float.floatToRawIntBits(eTheta[i]), Float.floatToRawIntBits(theta[i]), "theta " + i);
        assertEquals(Float.floatToRawIntBits(eM[i]), Float.floatToRawIntBits(m[i]), "m " + i);
        assertEquals(Float.floatToRawIntBits(eV[i]), Float.floatToRawIntBits(v[i]), "v " + i);
      }
    }
  }

  /** Values over many magnitudes, signed zeros included. */
  private static float[] values(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = i % 97 == 0 ? (r.nextBoolean() ? 0f : -0f) : (float) (r.nextGaussian() * Math.pow(10, r.nextInt(13) - 8));
    }
    return a;
  }
}
