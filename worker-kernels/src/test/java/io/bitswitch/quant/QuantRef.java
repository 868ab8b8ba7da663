package io.bitswitch.quant;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Independent reference implementations of docs/design/method.md §1 and §2, written from the spec and not from
 * the kernels: rounding in exact {@link BigDecimal} arithmetic, products and sums in double.
 *
 * <p>The one floating-point operation the reference shares with the kernels is the quotient
 * {@code w / s} (and {@code x / a}): the spec's {@code rhu(w / s_c)} is evaluated on the float
 * quotient, which both training and deployment compute, so the reference takes the correctly
 * rounded float quotient too ({@link #quotient}), computed in double and rounded once to float
 * (which for float operands equals the IEEE float quotient).
 */
final class QuantRef {
  private QuantRef() {}

  static final BigDecimal HALF = new BigDecimal("0.5");

  /** The float quotient {@code a / b}, computed in double and rounded once. */
  static float quotient(float a, float b) {
    return (float) ((double) a / (double) b);
  }

  /** Exact round half up {@code floor(x + 1/2)} of a finite float. */
  static long rhu(float x) {
    return new BigDecimal(x).add(HALF).setScale(0, RoundingMode.FLOOR).longValueExact();
  }

  /** Exact {@code floor(q / 2^delta + 1/2)}. */
  static long rhuDiv(long q, int delta) {
    BigDecimal d = new BigDecimal(q).divide(BigDecimal.valueOf(2).pow(delta));
    return d.add(HALF).setScale(0, RoundingMode.FLOOR).longValueExact();
  }

  static long lo(int bits) {
    return -Math.round(Math.pow(2, bits - 1));
  }

  static long hi(int bits) {
    return Math.round(Math.pow(2, bits - 1)) - 1;
  }

  static long clamp(long v, long lo, long hi) {
    return v < lo ? lo : (v > hi ? hi : v);
  }

  /** First rounding: the code at h of a weight. */
  static long codeH(float w, float s, int h) {
    return clamp(rhu(quotient(w, s)), lo(h), hi(h));
  }

  /** Second rounding: the spec's switch of a code from h to b bits. */
  static long switchRef(long qh, int h, int b) {
    if (h == b) {
      return qh;
    }
    return clamp(rhuDiv(qh, h - b), lo(b), hi(b));
  }

  /** Whether either clamp changes its argument for this weight (the STE's "clamp active"). */
  static boolean weightClamped(float w, float s, int h, int b) {
    long r = rhu(quotient(w, s));
    if (r < lo(h) || r > hi(h)) {
      return true;
    }
    if (h == b) {
      return false;
    }
    long rb = rhuDiv(r, h - b);
    return rb < lo(b) || rb > hi(b);
  }

  /** {@code q_b · s · 2^Δ}: exact in double (at most 8 + 24 significant bits), rounded once to float. */
  static float dequant(long qb, float s, int delta) {
    return (float) ((double) qb * (double) s * Math.pow(2, delta));
  }

  /** ŵ_b for one weight, from the spec. */
  static float weight(float w, float s, int h, int b) {
    return dequant(switchRef(codeH(w, s, h), h, b), s, h - b);
  }

  /** 2^b − 1. */
  static long levels(int b) {
    return Math.round(Math.pow(2, b)) - 1;
  }

  /** The activation code {@code clamp(rhu(x/a), 0, 2^b − 1)}. */
  static long actCode(float x, float a, int b) {
    return clamp(rhu(quotient(x, a)), 0, levels(b));
  }

  /** Activation region by the spec: −1 below 0, +1 above (2^b−1)·a, 0 inside (bounds included). */
  static int actRegion(float x, float a, int b) {
    double r = quotient(x, a);
    if (r < 0) {
      return -1;
    }
    return r > levels(b) ? 1 : 0;
  }
}
