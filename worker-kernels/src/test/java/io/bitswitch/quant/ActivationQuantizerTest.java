package io.bitswitch.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The unsigned activation quantizer of docs/design/method.md §2: {@code q = clamp(rhu(x/a), 0, 2^b − 1)},
 * {@code x̂ = q·a}; STE mask 1 inside [0, (2^b − 1)·a] (bounds included), 0 outside; ∂x̂/∂a =
 * q − x/a inside, 2^b − 1 above, 0 below; the scale gradient times g = 1/sqrt(N_F·(2^b − 1)).
 *
 * <p>The gradient checks use {@code L = Σ r_i·x̂_i} (gradOut = r). As for the weights (see
 * {@link DoubleRoundingGradientTest}), finite differences of the real function give
 * {@code Σ r·q} (inside), {@code (2^b−1)·Σ r} (above) and 0 (below), since q is locally constant
 * away from rounding boundaries; only the inside term differs from the STE gradient, by
 * {@code −Σ_inside r·x/a}. So: (1) closed form in double, on data that includes the region edges
 * x = 0, x = (2^b−1)·a, ties, and the slivers (−½·a, 0) and ((2^b−1)·a, (2^b−½)·a) where
 * rounding would put x back into range but the spec says outside; (2) central finite differences
 * of the STE surrogate (rounding replaced by the identity plus its frozen offset, region frozen);
 * (3) central finite differences of the real forward, region by region, exact because the scale
 * is dyadic and ε = a·2^−12 (q·(a ± ε) is exact in float); x/a stays ≥ 0.1 from rounding
 * boundaries and region edges, so ε (which moves x/a by ≤ 0.064) changes no q.
 */
class ActivationQuantizerTest {

  private static double g(long nF, int b) {
    BigDecimal root = new BigDecimal(nF * QuantRef.levels(b)).sqrt(MathContext.DECIMAL128);
    return BigDecimal.ONE.divide(root, MathContext.DECIMAL128).doubleValue();
  }

  @Test
  void lsqGradientScale() {
    long[] nfs = {1, 10, 4096, 802816};
    for (int b = 2; b <= 8; b++) {
      for (long nf : nfs) {
        assertEquals(g(nf, b), ActivationQuantizer.gradScale(nf, b), 1e-7 * g(nf, b), "N_F=" + nf + " b=" + b);
      }
    }
    assertEquals(1 / Math.sqrt(3), ActivationQuantizer.gradScale(1, 2), 1e-7);
  }

  /**
   * Outputs are integer multiples q·a with q in [0, 2^b − 1] and equal the spec bit for bit;
   * negative inputs give 0; {@code out} may alias {@code x}; only the first n elements are touched.
   */
  @ParameterizedTest(name = "b={0}")
  @ValueSource(ints = {2, 3, 4, 5, 6, 7, 8})
  void forwardGivesIntegerMultiplesInRange(int b) {
    SplittableRandom rnd = new SplittableRandom(500 + b);
    long max = QuantRef.levels(b);
    for (float a : new float[] {0.013f, 0.37f, 1f, 3.7e-3f, 0.25f}) {
      int n = 3000;
      float[] x = new float[n + 1];
      for (int i = 0; i < n; i++) {
        double u = switch (i % 5) {
          case 0 -> rnd.nextLong(-3, max + 3) + 0.5; // ties (exact at dyadic a)
          case 1 -> -rnd.nextDouble(0, 5);
          default -> rnd.nextDouble(-1, max + 4);
        };
        x[i] = (float) (u * a);
      }
      x[n] = 12345f; // beyond n: must stay untouched
      float[] out = new float[n + 1];
      out[n] = -7f;
      ActivationQuantizer.forward(x, n, a, b, out);
      int top = 0;
      for (int i = 0; i < n; i++) {
        long q = Math.round((double) out[i] / a);
        if (q < 0 || q > max || Float.floatToIntBits(out[i]) != Float.floatToIntBits((float) (q * (double) a))) {
          fail("b=" + b + " a=" + a + " x=" + x[i] + ": " + out[i] + " is not q·a with q in [0, " + max + "]");
        }
        assertEquals(QuantRef.actCode(x[i], a, b), q, "b=" + b + " a=" + a + " x=" + x[i]);
        if (x[i] < 0) {
          assertEquals(0, Float.floatToIntBits(out[i]), "negative input " + x[i] + " must give +0");
        }
        top += q == max ? 1 : 0;
      }
      assertTrue(top > 0, "the data must reach the top code");
      assertEquals(-7f, out[n]);
      float[] copy = x.clone();
      ActivationQuantizer.forward(copy, n, a, b, copy);
      for (int i = 0; i < n; i++) {
        assertEquals(Float.floatToIntBits(out[i]), Float.floatToIntBits(copy[i]), "in-place at " + i);
      }
    }
  }

  /** LSQ initialisation 2·mean|x| / sqrt(2^b − 1), reference in BigDecimal; guarded when all zero. */
  @Test
  void initScaleIsTwiceMeanAbsOverSqrtLevels() {
    SplittableRandom rnd = new SplittableRandom(9);
    float[] x = new float[1000];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextDouble(-0.5, 3);
    }
    for (int b = 2; b <= 8; b++) {
      BigDecimal sum = BigDecimal.ZERO;
      for (float v : x) {
        sum = sum.add(new BigDecimal(v).abs());
      }
      BigDecimal mean = sum.divide(BigDecimal.valueOf(x.length), MathContext.DECIMAL128);
      double want = mean.multiply(BigDecimal.valueOf(2))
          .divide(new BigDecimal(QuantRef.levels(b)).sqrt(MathContext.DECIMAL128), MathContext.DECIMAL128)
          .doubleValue();
      assertEquals(want, ActivationQuantizer.initScale(x, b), 1e-6 * want, "b=" + b);
    }
    assertEquals(2 * 1.5 / Math.sqrt(15), ActivationQuantizer.initScale(new float[] {1f, -2f}, 4), 1e-7);
    float zero = ActivationQuantizer.initScale(new float[8], 4);
    assertTrue(zero > 0 && Float.isFinite(zero), "all-zero batch gives scale " + zero);
    float empty = ActivationQuantizer.initScale(new float[0], 4);
    assertTrue(empty > 0 && Float.isFinite(empty), "empty batch gives scale " + empty);
  }

  private static float[] randomR(SplittableRandom rnd, int n) {
    float[] r = new float[n];
    for (int i = 0; i < n; i++) {
      r[i] = (float) rnd.nextDouble(-1, 1);
    }
    return r;
  }

  /** Reference ∂L/∂a before the factor g, in double. */
  private static double refGradA(float[] x, float a, int b, float[] r) {
    double s = 0;
    for (int i = 0; i < x.length; i++) {
      int region = QuantRef.actRegion(x[i], a, b);
      if (region > 0) {
        s += r[i] * (double) QuantRef.levels(b);
      } else if (region == 0) {
        s += r[i] * (QuantRef.actCode(x[i], a, b) - (double) x[i] / a);
      }
    }
    return s;
  }

  /** Scale of the kernel's float rounding in gradA (before g). */
  private static double tol(float[] x, float a, int b, float[] r) {
    double t = 0;
    for (int i = 0; i < x.length; i++) {
      t += Math.abs(r[i]) * (QuantRef.levels(b) + Math.abs((double) x[i] / a) + 1);
    }
    return 1e-6 * t + 1e-9;
  }

  /** (1) Closed form and STE mask, with region edges, ties and the slivers next to the range. */
  @ParameterizedTest(name = "b={0}")
  @ValueSource(ints = {2, 4, 6, 8})
  void closedFormGradientsInAllThreeRegions(int b) {
    SplittableRandom rnd = new SplittableRandom(600 + b);
    long max = QuantRef.levels(b);
    for (float a : new float[] {0.013f, 0.37f, 1f, 0.25f}) {
      int n = 2000;
      float[] x = new float[n];
      for (int i = 0; i < n; i++) {
        double u = switch (i % 8) {
          case 0 -> 0; // lower edge: inside
          case 1 -> max; // upper edge: inside
          case 2 -> -rnd.nextDouble(0.01, 0.49); // below, although rhu(x/a) = 0
          case 3 -> max + rnd.nextDouble(0.01, 0.49); // above, although rhu(x/a) = 2^b − 1
          case 4 -> rnd.nextLong(0, max) + 0.5; // ties
          case 5 -> -rnd.nextDouble(0.5, 4); // far below
          case 6 -> max + rnd.nextDouble(0.5, 6); // far above
          default -> rnd.nextDouble(0, max);
        };
        x[i] = (float) (u * a);
      }
      float[] r = randomR(rnd, n);
      float[] gradX = new float[n];
      double gf = ActivationQuantizer.gradScale(n, b);
      float ga = ActivationQuantizer.backward(x, n, a, b, r, gradX, (float) gf);
      int[] seen = new int[3];
      for (int i = 0; i < n; i++) {
        int region = QuantRef.actRegion(x[i], a, b);
        seen[region + 1]++;
        float want = region == 0 ? r[i] : 0f;
        if (Float.floatToIntBits(gradX[i]) != Float.floatToIntBits(want)) {
          fail("b=" + b + " a=" + a + " x/a=" + (double) x[i] / a + " region " + region + ": gradX " + gradX[i]
              + ", expected " + want);
        }
      }
      assertTrue(seen[0] > 0 && seen[1] > 0 && seen[2] > 0, "all three regions must occur");
      double gScale = (float) gf;
      assertEquals(gScale * refGradA(x, a, b, r), ga, gScale * tol(x, a, b, r) + 1e-6 * Math.abs(ga),
          "gradA b=" + b + " a=" + a);
    }
  }

  /**
   * (2) Central finite differences of the STE surrogate a ↦ Σ r·x̂_sur(a) with x̂_sur = a·(q + x/a
   * − x/a0) inside, a·(2^b − 1) above, 0 below (region and q from the reference at a0).
   */
  @ParameterizedTest(name = "b={0}")
  @ValueSource(ints = {2, 3, 5, 8})
  void scaleGradientIsTheDerivativeOfTheSteSurrogate(int b) {
    SplittableRandom rnd = new SplittableRandom(700 + b);
    long max = QuantRef.levels(b);
    for (float a0f : new float[] {0.013f, 0.37f, 3.7e-3f}) {
      int n = 400;
      float[] x = new float[n];
      for (int i = 0; i < n; i++) {
        x[i] = (float) (rnd.nextDouble(-2, max + 3) * a0f);
      }
      float[] r = randomR(rnd, n);
      double a0 = a0f;
      DoubleUnaryOperator surrogate = a -> {
        double s = 0;
        for (int i = 0; i < n; i++) {
          int region = QuantRef.actRegion(x[i], a0f, b);
          if (region > 0) {
            s += r[i] * a * max;
          } else if (region == 0) {
            s += r[i] * a * (QuantRef.actCode(x[i], a0f, b) + x[i] / a - x[i] / a0);
          }
        }
        return s;
      };
      double eps = 1e-3 * a0;
      double fd = (surrogate.applyAsDouble(a0 + eps) - surrogate.applyAsDouble(a0 - eps)) / (2 * eps);
      float[] gradX = new float[n];
      float ga = ActivationQuantizer.backward(x, n, a0f, b, r, gradX, 1f);
      assertEquals(fd, ga, tol(x, a0f, b, r), "b=" + b + " a=" + a0);
    }
  }

  /** Samples x/a in [lo, hi] at least 0.1 from rounding boundaries and from the region edges. */
  private static float[] sample(SplittableRandom rnd, int n, double lo, double hi, float a, long max) {
    float[] x = new float[n];
    for (int i = 0; i < n; ) {
      double u = rnd.nextDouble(lo, hi);
      double f = u - Math.floor(u);
      if (Math.abs(f - 0.5) < 0.1 || Math.abs(u) < 0.1 || Math.abs(u - max) < 0.1) {
        continue;
      }
      x[i++] = (float) (u * a);
    }
    return x;
  }

  private static double loss(float[] x, float a, int b, float[] r) {
    float[] out = new float[x.length];
    ActivationQuantizer.forward(x, x.length, a, b, out);
    double l = 0;
    for (int i = 0; i < x.length; i++) {
      l += (double) r[i] * out[i];
    }
    return l;
  }

  /**
   * (3) Central finite differences of the real forward, region by region. Above the range the
   * function is smooth, x̂ = (2^b − 1)·a, so the FD is (2^b − 1)·Σ r and must equal gradA / g;
   * below it is 0 and so must gradA be; inside gradA / g = FD − Σ r·x/a.
   */
  @ParameterizedTest(name = "b={0}")
  @ValueSource(ints = {2, 3, 4, 6, 8})
  void scaleGradientAgainstFiniteDifferencesOfTheRealForward(int b) {
    SplittableRandom rnd = new SplittableRandom(800 + b);
    long max = QuantRef.levels(b);
    int n = 96;
    for (float a : new float[] {0.25f, 0.375f, 1f, 0.046875f}) {
      float ap = a + a / 4096f;
      float am = a - a / 4096f;
      float[][] sets = {
          sample(rnd, n, max, max + 4, a, max), // above, the sliver (max, max + ½) included
          sample(rnd, n, -4, 0, a, max), // below, the sliver (−½, 0) included
          sample(rnd, n, 0, max, a, max), // inside
          sample(rnd, n, -3, max + 3, a, max)}; // mixed
      int[] expectRegion = {1, -1, 0, 2};
      for (int set = 0; set < sets.length; set++) {
        float[] x = sets[set];
        float[] r = randomR(rnd, n);
        double inside = 0;
        double sumR = 0;
        for (int i = 0; i < n; i++) {
          int region = QuantRef.actRegion(x[i], a, b);
          assertTrue(expectRegion[set] == 2 || region == expectRegion[set], "premise: region of x/a=" + x[i] / a);
          assertEquals(QuantRef.actCode(x[i], a, b), QuantRef.actCode(x[i], ap, b), "code moves at a+ε");
          assertEquals(QuantRef.actCode(x[i], a, b), QuantRef.actCode(x[i], am, b), "code moves at a−ε");
          assertEquals(region, QuantRef.actRegion(x[i], ap, b), "region moves at a+ε");
          assertEquals(region, QuantRef.actRegion(x[i], am, b), "region moves at a−ε");
          if (region == 0) {
            inside += r[i] * ((double) x[i] / a);
          }
          sumR += r[i];
        }
        double fd = (loss(x, ap, b, r) - loss(x, am, b, r)) / ((double) ap - am);
        float[] gradX = new float[n];
        float ga = ActivationQuantizer.backward(x, n, a, b, r, gradX, 1f);
        double t = tol(x, a, b, r);
        String where = "b=" + b + " a=" + a + " set " + set;
        switch (expectRegion[set]) {
          case 1 -> {
            assertEquals(max * sumR, fd, 1e-7 * n * max, "FD above the range must be (2^b−1)·Σr, " + where);
            assertEquals(fd, ga, t, "above: gradA vs FD of the real function, " + where);
          }
          case -1 -> {
            assertEquals(0.0, fd, "FD below the range, " + where);
            assertEquals(0f, ga, "below: gradA, " + where);
            for (float gx : gradX) {
              assertEquals(0f, gx, "below: gradX, " + where);
            }
          }
          default -> {
            assertTrue(Math.abs(inside) > 100 * t, "the STE term must be visible, " + where);
            assertEquals(fd - inside, ga, t, "gradA vs FD_real − Σ_inside r·x/a, " + where);
          }
        }
      }
    }
  }
}
