package io.bitswitch.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Backward of the Double Rounding weight quantizer (docs/design/method.md §1) for the scalar loss
 * {@code L = Σ_i r_i · ŵ_i} with random {@code r}, so that {@code gradOut = r}.
 *
 * <p>Why three different checks. The real function ŵ(w, s) is piecewise constant in w and
 * piecewise linear in s, so finite differences of it cannot confirm the STE: its w-derivative is
 * 0 almost everywhere and its s-derivative is {@code 2^Δ·q_b} everywhere (the rounded integer is
 * locally fixed). The spec's gradients are those of the <em>STE surrogate</em>, in which each
 * rounding is replaced by the identity (plus the constant offset that makes it agree with the real
 * function at the evaluation point) and each clamp keeps the state it has in the forward pass:
 * <pre>
 *   inside:   ŵ_sur(s) = s·2^Δ·( q_b + w/(s·2^Δ) − w/(s0·2^Δ) )   ⇒ dŵ_sur/ds = 2^Δ·q_b − w/s0
 *   clamped:  ŵ_sur(s) = s·2^Δ·q_b                                 ⇒ dŵ_sur/ds = 2^Δ·q_b
 * </pre>
 * So the tests check (1) the closed form, computed independently in double from {@link QuantRef},
 * on random weights including rounding ties and both clamp edges; (2) central finite differences
 * of the surrogate above (with q_b and the clamp state from the reference, not from the kernel);
 * (3) central finite differences of the <em>real</em> kernel forward ({@code fakeQuantize}),
 * which must equal the gradient plus the STE term: {@code gradScale = FD_real − Σ_inside r·w/s}
 * and, on a channel whose every element is clamped (where the real function is smooth and ŵ =
 * q_b·s·2^Δ), {@code gradScale = FD_real} outright. Check (3) ties the backward to the actual
 * forward: a backward whose clamp classification or q_b disagrees with the forward fails it.
 *
 * <p>For (3) the points are sampled so that w/s stays ≥ 0.1 from every rounding boundary k + ½,
 * and the step is {@code ε = s·2^−12}, which moves w/s by at most 0.04, so q_h is locally
 * constant (checked). q_h being an integer, the second rounding q_h/2^Δ is then fixed too (the
 * position of q_h/2^Δ relative to ½ does not move with s). The scales are dyadic with few mantissa
 * bits and ε is a power-of-two fraction of s, so ŵ(s ± ε) is exact in float and the finite
 * difference is exact up to double summation error: the tolerance is the kernel's own float
 * rounding (≈1e-7 per term), small against the STE term (≥ 0.1·|r| per inside element).
 */
class DoubleRoundingGradientTest {

  private static final float[] ANY_SCALES = {0.013f, 0.5f, 1f, 3.7e-3f};
  private static final float[] DYADIC_SCALES = {1f, 0.75f, 0.3125f, 0.046875f};

  /** Distance of u from the nearest rounding boundary k + ½. */
  private static double boundaryDistance(double u) {
    double f = u - Math.floor(u);
    return Math.abs(f - 0.5);
  }

  /** Sum of |terms|: the scale of the kernel's float rounding error in gradScale. */
  private static double tolerance(float[] w, float s, int h, int b, float[] r, int from, int to) {
    double t = 0;
    for (int i = from; i < to; i++) {
      long qb = QuantRef.switchRef(QuantRef.codeH(w[i], s, h), h, b);
      t += Math.abs(r[i]) * (Math.abs(qb) * Math.pow(2, h - b) + Math.abs((double) w[i] / s) + 1);
    }
    return 1e-6 * t + 1e-9;
  }

  /** Random r in [−1, 1] as floats. */
  private static float[] randomR(SplittableRandom rnd, int n) {
    float[] r = new float[n];
    for (int i = 0; i < n; i++) {
      r[i] = (float) rnd.nextDouble(-1, 1);
    }
    return r;
  }

  /**
   * (1) Closed form: gradW = r where neither clamp is active, 0 where one is; gradScale_c =
   * Σ r·(2^Δ q_b − w/s) + Σ_clamped r·2^Δ q_b, on random weights with ties and clamp edges.
   */
  @ParameterizedTest(name = "h={0}")
  @ValueSource(ints = {8, 6, 4})
  void closedFormAndSteMaskForEveryB(int h) {
    SplittableRandom rnd = new SplittableRandom(31 * h);
    int k = 500;
    float[] w = new float[ANY_SCALES.length * k];
    for (int i = 0; i < w.length; i++) {
      float s = ANY_SCALES[i / k];
      double u;
      switch (i % 4) {
        case 0 -> u = rnd.nextLong(QuantRef.lo(h) - 4, QuantRef.hi(h) + 4); // exact codes
        case 1 -> u = rnd.nextLong(QuantRef.lo(h) - 4, QuantRef.hi(h) + 4) + 0.5; // ties
        default -> u = rnd.nextDouble(QuantRef.lo(h) - 6, QuantRef.hi(h) + 6);
      }
      w[i] = (float) (u * s);
    }
    float[] r = randomR(rnd, w.length);
    for (int b = 2; b <= h; b++) {
      float[] gradW = new float[w.length];
      float[] gradS = new float[ANY_SCALES.length];
      DoubleRounding.backward(w, ANY_SCALES, h, b, r, gradW, gradS);
      double step = Math.pow(2, h - b);
      int clampedCount = 0;
      for (int c = 0; c < ANY_SCALES.length; c++) {
        float s = ANY_SCALES[c];
        double want = 0;
        for (int i = c * k; i < (c + 1) * k; i++) {
          long qb = QuantRef.switchRef(QuantRef.codeH(w[i], s, h), h, b);
          boolean clamped = QuantRef.weightClamped(w[i], s, h, b);
          clampedCount += clamped ? 1 : 0;
          float wantW = clamped ? 0f : r[i];
          if (Float.floatToIntBits(gradW[i]) != Float.floatToIntBits(wantW)) {
            fail("h=" + h + " b=" + b + " w/s=" + w[i] / s + " clamped=" + clamped + ": gradW " + gradW[i]
                + ", expected " + wantW);
          }
          want += r[i] * (clamped ? step * qb : step * qb - (double) w[i] / (double) s);
        }
        assertEquals(want, gradS[c], tolerance(w, s, h, b, r, c * k, (c + 1) * k),
            "gradScale h=" + h + " b=" + b + " s=" + s);
      }
      assertTrue(clampedCount > 0 && clampedCount < w.length, "both regions must occur, b=" + b);
    }
  }

  /** (2) Central finite differences of the STE surrogate in s, in double, at arbitrary scales. */
  @ParameterizedTest(name = "h={0}")
  @ValueSource(ints = {8, 6})
  void scaleGradientIsTheDerivativeOfTheSteSurrogate(int h) {
    SplittableRandom rnd = new SplittableRandom(77 + h);
    int k = 300;
    float[] w = new float[ANY_SCALES.length * k];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (rnd.nextDouble(QuantRef.lo(h) - 10, QuantRef.hi(h) + 10) * ANY_SCALES[i / k]);
    }
    float[] r = randomR(rnd, w.length);
    for (int bb = 2; bb <= h; bb++) {
      final int b = bb;
      double step = Math.pow(2, h - b);
      float[] gradW = new float[w.length];
      float[] gradS = new float[ANY_SCALES.length];
      DoubleRounding.backward(w, ANY_SCALES, h, b, r, gradW, gradS);
      for (int c = 0; c < ANY_SCALES.length; c++) {
        final int from = c * k;
        final double s0 = ANY_SCALES[c];
        final float sf = ANY_SCALES[c];
        DoubleUnaryOperator surrogate = s -> {
          double sum = 0;
          for (int i = from; i < from + k; i++) {
            long qb = QuantRef.switchRef(QuantRef.codeH(w[i], sf, h), h, b);
            double inner = QuantRef.weightClamped(w[i], sf, h, b)
                ? qb
                : qb + w[i] / (s * step) - w[i] / (s0 * step);
            sum += r[i] * s * step * inner;
          }
          return sum;
        };
        double eps = 1e-3 * s0;
        double fd = (surrogate.applyAsDouble(s0 + eps) - surrogate.applyAsDouble(s0 - eps)) / (2 * eps);
        assertEquals(fd, gradS[c], tolerance(w, sf, h, b, r, from, from + k),
            "h=" + h + " b=" + b + " s=" + s0);
      }
    }
  }

  /**
   * (3) Central finite differences of the real forward. Mixed channels: gradScale = FD_real −
   * Σ_inside r·w/s. A fully clamped channel: gradScale = FD_real = Σ r·2^Δ·q_b, nonzero.
   */
  @ParameterizedTest(name = "h={0}")
  @ValueSource(ints = {8, 6, 4})
  void scaleGradientAgainstFiniteDifferencesOfTheRealForward(int h) {
    SplittableRandom rnd = new SplittableRandom(1234 + h);
    int k = 64;
    for (int b = 2; b <= h; b++) {
      int delta = h - b;
      int channels = DYADIC_SCALES.length + 1; // the last channel is fully clamped
      float[] scales = new float[channels];
      System.arraycopy(DYADIC_SCALES, 0, scales, 0, DYADIC_SCALES.length);
      scales[channels - 1] = 0.75f;
      float[] w = new float[channels * k];
      for (int c = 0; c < channels; c++) {
        boolean allClamped = c == channels - 1;
        for (int i = c * k; i < (c + 1) * k; ) {
          double u = allClamped
              ? (rnd.nextBoolean() ? 1 : -1) * rnd.nextDouble(Math.pow(2, h - 1) - Math.pow(2, delta - 1) - 0.5,
                  QuantRef.hi(h) + 20)
              : rnd.nextDouble(QuantRef.lo(h) - 12, QuantRef.hi(h) + 12);
          if (boundaryDistance(u) < 0.1) {
            continue;
          }
          float wi = (float) (u * scales[c]);
          if (allClamped && !QuantRef.weightClamped(wi, scales[c], h, b)) {
            continue;
          }
          w[i++] = wi;
        }
      }
      float[] r = randomR(rnd, w.length);
      float[] gradW = new float[w.length];
      float[] gradS = new float[channels];
      DoubleRounding.backward(w, scales, h, b, r, gradW, gradS);
      for (int c = 0; c < channels; c++) {
        float s = scales[c];
        float sp = s + s / 4096f;
        float sm = s - s / 4096f;
        int from = c * k;
        double inside = 0;
        double closedClamp = 0;
        for (int i = from; i < from + k; i++) {
          long q = QuantRef.codeH(w[i], s, h);
          // The construction's premise: the first rounding does not move within ±ε.
          assertEquals(q, QuantRef.codeH(w[i], sp, h), "code moves at s+ε");
          assertEquals(q, QuantRef.codeH(w[i], sm, h), "code moves at s−ε");
          if (!QuantRef.weightClamped(w[i], s, h, b)) {
            inside += r[i] * ((double) w[i] / s);
          }
          closedClamp += r[i] * Math.pow(2, delta) * QuantRef.switchRef(q, h, b);
        }
        double fd = (loss(w, scales, c, sp, h, b, r) - loss(w, scales, c, sm, h, b, r)) / ((double) sp - sm);
        double tol = tolerance(w, s, h, b, r, from, from + k);
        String where = "h=" + h + " b=" + b + " channel " + c + " s=" + s;
        if (c == channels - 1) {
          assertEquals(0.0, inside, "premise: every element of the last channel is clamped");
          assertEquals(closedClamp, fd, 1e-7, "FD of the clamped channel vs Σ r·2^Δ·q_b, " + where);
          assertTrue(Math.abs(fd) > 1, "degenerate clamped channel " + where);
          assertEquals(fd, gradS[c], tol, "clamped channel: gradScale vs FD of the real function, " + where);
        } else {
          assertTrue(Math.abs(inside) > 100 * tol, "the STE term must be visible, " + where);
          assertEquals(fd - inside, gradS[c], tol, "gradScale vs FD_real − Σ_inside r·w/s, " + where);
        }
      }
    }
  }

  /** L = Σ r·ŵ with channel c's scale replaced by {@code sc}, forward by the kernel. */
  private static double loss(float[] w, float[] scales, int c, float sc, int h, int b, float[] r) {
    float[] sc2 = scales.clone();
    sc2[c] = sc;
    float[] out = new float[w.length];
    DoubleRounding.fakeQuantize(w, sc2, h, b, out);
    double l = 0;
    for (int i = 0; i < w.length; i++) {
      l += (double) r[i] * out[i];
    }
    return l;
  }
}
