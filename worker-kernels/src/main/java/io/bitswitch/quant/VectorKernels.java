package io.bitswitch.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD versions of the quantizer loops of {@link DoubleRounding} and {@link ActivationQuantizer}
 * (JDK Vector API), equal bit for bit to their scalar loops (docs/design/method.md §1–2): the same IEEE
 * float quotient {@code w/s}, an exact round half up, the same clamps, and each scale gradient
 * summed in double one element after the other in index order, as the scalar loop does (a
 * lane-parallel sum would round differently). Elements past the last full vector run the scalar
 * code. Only touched when {@link DoubleRounding#VECTOR_KERNELS} says the incubator module is
 * present: loading this class without it fails.
 */
final class VectorKernels {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = F.length();
  /** Below this magnitude {@link #rhu} is exact. */
  private static final float TWO_22 = 4194304f;
  /** 1.5·2^23: for |x| &lt; 2^22, {@code (x + this) − this} is x rounded to an integer, ties to even. */
  private static final float ROUNDING_MAGIC = 12582912f;
  private static final FloatVector ZERO = FloatVector.zero(F);

  private VectorKernels() {}

  /**
   * {@link DoubleRounding#rhu} per lane, exact for |x| &lt; 2^22: adding and subtracting 1.5·2^23
   * rounds x to the nearest integer, ties to even (exact in float there: the sum's ulp is 1), and
   * a tie that went down to even ({@code x − r = ½}) is moved up. Larger |x|, infinities and NaN
   * come back as they are: every caller clamps the result to a code range far inside ±2^22, where
   * x and rhu(x) give the same clamped value and the same clamp flags. (A first version that took
   * the floor through a float-to-int conversion ran slower than the scalar loop on JDK 17.)
   */
  static FloatVector rhu(FloatVector x) {
    FloatVector nearestEven = x.add(ROUNDING_MAGIC).sub(ROUNDING_MAGIC);
    FloatVector tieUp = ZERO.blend(1f, x.sub(nearestEven).compare(VectorOperators.GE, 0.5f));
    VectorMask<Float> small = x.abs().compare(VectorOperators.LT, TWO_22);
    return x.blend(nearestEven.add(tieUp), small);
  }

  /** Math.max(lo, Math.min(hi, v)) per lane, NaN kept (as the scalar clamp does). */
  private static FloatVector clamp(FloatVector v, float lo, float hi) {
    return v.min(hi).max(lo);
  }

  /** {@link DoubleRounding#fakeQuantize}, channel by channel. */
  static void fakeQuantize(float[] w, float[] scales, int k, int h, int b, float[] out) {
    float minH = DoubleRounding.minCode(h), maxH = DoubleRounding.maxCode(h);
    float minB = DoubleRounding.minCode(b), maxB = DoubleRounding.maxCode(b);
    float step = (float) (1 << (h - b));
    // Dividing an integer code by the power of two step is exact, so multiplying by its inverse is too.
    float invStep = 1f / step;
    for (int c = 0; c < scales.length; c++) {
      float s = scales[c];
      float sb = s * step;
      int i = c * k;
      int end = i + k;
      for (int vEnd = i + F.loopBound(k); i < vEnd; i += LANES) {
        FloatVector qh = clamp(rhu(FloatVector.fromArray(F, w, i).div(s)), minH, maxH);
        FloatVector qb = clamp(rhu(qh.mul(invStep)), minB, maxB);
        qb.mul(sb).intoArray(out, i);
      }
      for (; i < end; i++) {
        float qh = Math.max(minH, Math.min(maxH, DoubleRounding.rhu(w[i] / s)));
        float qb = Math.max(minB, Math.min(maxB, DoubleRounding.rhu(qh / step)));
        out[i] = qb * sb;
      }
    }
  }

  /** {@link DoubleRounding#backward}, channel by channel. */
  static void doubleRoundingBackward(float[] w, float[] scales, int k, int h, int b, float[] gradOut,
      float[] gradW, float[] gradScale) {
    float minH = DoubleRounding.minCode(h), maxH = DoubleRounding.maxCode(h);
    float minB = DoubleRounding.minCode(b), maxB = DoubleRounding.maxCode(b);
    float step = (float) (1 << (h - b));
    float invStep = 1f / step;
    // Per lane: the float factor that multiplies gradOut in the scale gradient.
    float[] factor = new float[LANES];
    for (int c = 0; c < scales.length; c++) {
      float s = scales[c];
      double gs = 0;
      int i = c * k;
      int end = i + k;
      for (int vEnd = i + F.loopBound(k); i < vEnd; i += LANES) {
        FloatVector ratio = FloatVector.fromArray(F, w, i).div(s);
        FloatVector rh = rhu(ratio);
        VectorMask<Float> clamped = rh.compare(VectorOperators.LT, minH).or(rh.compare(VectorOperators.GT, maxH));
        FloatVector rb = rhu(clamp(rh, minH, maxH).mul(invStep));
        clamped = clamped.or(rb.compare(VectorOperators.LT, minB)).or(rb.compare(VectorOperators.GT, maxB));
        FloatVector stepQb = clamp(rb, minB, maxB).mul(step);
        FloatVector g = FloatVector.fromArray(F, gradOut, i);
        g.blend(0f, clamped).intoArray(gradW, i);
        stepQb.sub(ratio).blend(stepQb, clamped).intoArray(factor, 0);
        for (int j = 0; j < LANES; j++) {
          gs += (double) gradOut[i + j] * factor[j];
        }
      }
      for (; i < end; i++) {
        float ratio = w[i] / s;
        float rh = DoubleRounding.rhu(ratio);
        boolean clamped = rh < minH || rh > maxH;
        float qh = Math.max(minH, Math.min(maxH, rh));
        float rb = DoubleRounding.rhu(qh / step);
        clamped |= rb < minB || rb > maxB;
        float qb = Math.max(minB, Math.min(maxB, rb));
        float g = gradOut[i];
        gradW[i] = clamped ? 0f : g;
        gs += (double) g * (clamped ? step * qb : step * qb - ratio);
      }
      gradScale[c] = (float) gs;
    }
  }

  /** {@link ActivationQuantizer#forward}. */
  static void activationForward(float[] x, int n, float a, int b, float[] out) {
    float max = ActivationQuantizer.levels(b);
    int i = 0;
    for (int vEnd = F.loopBound(n); i < vEnd; i += LANES) {
      clamp(rhu(FloatVector.fromArray(F, x, i).div(a)), 0f, max).mul(a).intoArray(out, i);
    }
    for (; i < n; i++) {
      out[i] = Math.max(0f, Math.min(max, DoubleRounding.rhu(x[i] / a))) * a;
    }
  }

  /**
   * {@link ActivationQuantizer#backward} before the final {@code · g}. Elements below the range add
   * nothing to the scalar loop's sum; here they add {@code 0·0 = +0}, which leaves a double sum
   * that starts at +0 unchanged (it can never become −0).
   */
  static double activationBackward(float[] x, int n, float a, int b, float[] gradOut, float[] gradX) {
    float max = ActivationQuantizer.levels(b);
    float[] coefficient = new float[LANES];
    float[] factor = new float[LANES];
    double ga = 0;
    int i = 0;
    for (int vEnd = F.loopBound(n); i < vEnd; i += LANES) {
      FloatVector ratio = FloatVector.fromArray(F, x, i).div(a);
      FloatVector go = FloatVector.fromArray(F, gradOut, i);
      VectorMask<Float> below = ratio.compare(VectorOperators.LT, 0f);
      VectorMask<Float> above = ratio.compare(VectorOperators.GT, max);
      go.blend(0f, below.or(above)).intoArray(gradX, i);
      go.blend(0f, below).intoArray(coefficient, 0);
      rhu(ratio).sub(ratio).blend(max, above).blend(0f, below).intoArray(factor, 0);
      for (int j = 0; j < LANES; j++) {
        ga += (double) coefficient[j] * factor[j];
      }
    }
    for (; i < n; i++) {
      float ratio = x[i] / a;
      float go = gradOut[i];
      if (ratio < 0f) {
        gradX[i] = 0f;
      } else if (ratio > max) {
        gradX[i] = 0f;
        ga += (double) go * max;
      } else {
        gradX[i] = go;
        ga += (double) go * (DoubleRounding.rhu(ratio) - ratio);
      }
    }
    return ga;
  }
}
