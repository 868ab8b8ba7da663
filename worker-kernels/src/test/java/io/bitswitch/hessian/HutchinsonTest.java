package io.bitswitch.hessian;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hutchinson's estimator against softmax regression, whose Hessian block trace for W is known in
 * closed form: {@code Tr(H_WW) = (1/N) Σ_n Σ_c p_nc (1 − p_nc) ‖x_n‖²}.
 */
class HutchinsonTest {
  private static final int N = 64;
  private static final int D = 6;
  private static final int C = 4;

  /** θ = [W (C×D, row-major), b (C)]; mean cross-entropy over the N samples. */
  private record Softmax(double[][] x, int[] y) {
    double[] probabilities(float[] theta, int n) {
      double[] z = new double[C];
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < C; c++) {
        double s = theta[C * D + c];
        for (int d = 0; d < D; d++) {
          s += theta[c * D + d] * x[n][d];
        }
        z[c] = s;
        max = Math.max(max, s);
      }
      double sum = 0;
      for (int c = 0; c < C; c++) {
        z[c] = Math.exp(z[c] - max);
        sum += z[c];
      }
      for (int c = 0; c < C; c++) {
        z[c] /= sum;
      }
      return z;
    }

    double[] gradient(float[] theta) {
      double[] g = new double[C * D + C];
      for (int n = 0; n < N; n++) {
        double[] p = probabilities(theta, n);
        for (int c = 0; c < C; c++) {
          double e = (p[c] - (y[n] == c ? 1 : 0)) / N;
          for (int d = 0; d < D; d++) {
            g[c * D + d] += e * x[n][d];
          }
          g[C * D + c] += e;
        }
      }
      return g;
    }

    double closedFormTrace(float[] theta) {
      double t = 0;
      for (int n = 0; n < N; n++) {
        double[] p = probabilities(theta, n);
        double norm = 0;
        for (int d = 0; d < D; d++) {
          norm += x[n][d] * x[n][d];
        }
        for (int c = 0; c < C; c++) {
          t += p[c] * (1 - p[c]) * norm;
        }
      }
      return t / N;
    }
  }

  private static Softmax data(long seed) {
    Random r = new Random(seed);
    double[][] x = new double[N][D];
    int[] y = new int[N];
    for (int n = 0; n < N; n++) {
      for (int d = 0; d < D; d++) {
        x[n][d] = r.nextGaussian();
      }
      y[n] = r.nextInt(C);
    }
    return new Softmax(x, y);
  }

  private static float[] theta(long seed) {
    Random r = new Random(seed);
    float[] t = new float[C * D + C];
    for (int i = 0; i < t.length; i++) {
      t[i] = (float) (0.5 * r.nextGaussian());
    }
    return t;
  }

  private static final Hutchinson.Blocks W = new Hutchinson.Blocks(new String[] {"W"}, new int[] {0},
      new int[] {C * D});

  @Test
  void softmaxRegressionTraceMatchesTheClosedFormWithin2Percent() {
    Softmax s = data(1);
    float[] theta = theta(2);
    double exact = s.closedFormTrace(theta);
    Hutchinson.Estimate e = Hutchinson.estimate(s::gradient, theta, W, 7L, 20_000, 0);
    double est = e.traces()[0];
    double se = e.standardErrors()[0];
    assertEquals(20_000, e.probes());
    assertTrue(Math.abs(est - exact) <= 0.02 * exact, () -> "estimate " + est + " exact " + exact + " se " + se);
    assertTrue(Math.abs(est - exact) <= 4 * se, () -> "estimate " + est + " exact " + exact + " se " + se);
    assertTrue(se < 0.01 * exact, () -> "standard error " + se + " of " + exact);
  }

  @Test
  void everyProbeEqualsTheQuadraticFormOfTheFiniteDifferenceHessian() {
    Softmax s = data(3);
    float[] theta = theta(4);
    int p = theta.length;
    double h = Hutchinson.epsilon(theta, W);
    double[][] hess = new double[p][];
    for (int i = 0; i < p; i++) {
      float[] up = theta.clone();
      float[] down = theta.clone();
      up[i] = (float) (theta[i] + h);
      down[i] = (float) (theta[i] - h);
      hess[i] = Hutchinson.hessianVector(s.gradient(up), s.gradient(down), (up[i] - (double) down[i]) / 2);
    }
    double trace = 0;
    for (int i = 0; i < C * D; i++) {
      trace += hess[i][i];
    }
    assertEquals(s.closedFormTrace(theta), trace, 1e-4 * trace, "finite-difference Hessian trace vs closed form");
    for (int k = 0; k < 20; k++) {
      float[] v = Hutchinson.rademacher(11L, k, p, W);
      double quad = 0;
      for (int i = 0; i < p; i++) {
        for (int j = 0; j < p; j++) {
          quad += v[i] * hess[j][i] * v[j];
        }
      }
      double got = Hutchinson.probe(s::gradient, theta, W, 11L, k)[0];
      assertEquals(quad, got, 1e-3 * Math.abs(quad) + 1e-6, "probe " + k);
    }
  }

  @Test
  void probesAreSeededPerSeedAndIndexAndZeroOutsideTheBlocks() {
    Hutchinson.Blocks b = new Hutchinson.Blocks(new String[] {"a", "b"}, new int[] {2, 10}, new int[] {5, 3});
    float[] v = Hutchinson.rademacher(5L, 3, 16, b);
    assertArrayEquals(v, Hutchinson.rademacher(5L, 3, 16, b));
    int nonZero = 0;
    for (int i = 0; i < v.length; i++) {
      boolean inside = (i >= 2 && i < 7) || (i >= 10 && i < 13);
      assertEquals(inside, v[i] != 0f, "coordinate " + i);
      if (inside) {
        assertEquals(1f, Math.abs(v[i]));
        nonZero++;
      }
    }
    assertEquals(8, nonZero);
    assertTrue(!java.util.Arrays.equals(v, Hutchinson.rademacher(5L, 4, 16, b)));
    assertTrue(!java.util.Arrays.equals(v, Hutchinson.rademacher(6L, 3, 16, b)));
    float[] theta = new float[16];
    theta[3] = -4f;
    theta[0] = 100f;
    assertEquals(1e-3 * 5, Hutchinson.epsilon(theta, b), 1e-12);
  }

  @Test
  void theEstimateStopsAtTheToleranceAndReportsRunningStatistics() {
    Hutchinson.Estimate e = Hutchinson.estimate(k -> new double[] {k % 2 == 0 ? 1.0 : 3.0}, 1, 1000, 1e-2);
    assertTrue(e.probes() < 1000 && e.probes() > 2, "stopped after " + e.probes());
    assertTrue(e.relativeChanges()[0] < 1e-2);
    Hutchinson.Estimate f = new Hutchinson.Estimate(2);
    f.add(new double[] {1, 2});
    f.add(new double[] {3, 2});
    f.add(new double[] {5, 2});
    assertArrayEquals(new double[] {3, 2}, f.traces(), 1e-12);
    assertEquals(2 / Math.sqrt(3), f.standardErrors()[0], 1e-12);
    assertEquals(0, f.standardErrors()[1], 1e-12);
    assertTrue(!f.converged(1e-3));
  }
}
