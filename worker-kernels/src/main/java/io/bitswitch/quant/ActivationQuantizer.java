package io.bitswitch.quant;

/**
 * The unsigned activation quantizer (docs/design/method.md §2), one learnable scale {@code a} per layer per
 * bit-width:
 *
 * <pre>
 * q = clamp(rhu(x / a), 0, 2^b - 1),   x̂ = q · a
 * ∂x̂/∂x = 1 inside [0, (2^b - 1)·a], else 0
 * ∂x̂/∂a = q - x/a inside; 2^b - 1 above the range; 0 below
 * </pre>
 *
 * The scale gradient is multiplied by LSQ's {@code g = 1/sqrt(N_F · (2^b − 1))} so that its
 * magnitude does not grow with the layer's size.
 */
public final class ActivationQuantizer {
  /** Smallest activation scale; keeps {@code a} positive after an update. */
  public static final float MIN_SCALE = 1e-8f;

  private ActivationQuantizer() {}

  /** Largest code 2^b − 1. */
  public static int levels(int b) {
    return (1 << b) - 1;
  }

  /** LSQ's gradient scale {@code 1/sqrt(nFeatures · (2^b − 1))}. */
  public static float gradScale(long nFeatures, int b) {
    return (float) (1.0 / Math.sqrt((double) nFeatures * levels(b)));
  }

  /** LSQ initialisation from a batch of inputs: {@code 2·mean|x| / sqrt(2^b − 1)}. */
  public static float initScale(float[] x, int b) {
    double sum = 0;
    for (float v : x) {
      sum += Math.abs(v);
    }
    double mean = x.length == 0 ? 0 : sum / x.length;
    return (float) Math.max(MIN_SCALE, 2 * mean / Math.sqrt(levels(b)));
  }

  /**
   * Forward over {@code x[0..n)}: {@code out = x̂}. {@code out} may be {@code x}. Runs
   * {@link VectorKernels} when the JVM has the Vector API, this loop otherwise (same floats).
   */
  public static void forward(float[] x, int n, float a, int b, float[] out) {
    if (DoubleRounding.VECTOR_KERNELS) {
      VectorKernels.activationForward(x, n, a, b, out);
    } else {
      forwardScalar(x, n, a, b, out);
    }
  }

  /** {@link #forward} one element at a time: the kernel without the Vector API, and the reference of its tests. */
  static void forwardScalar(float[] x, int n, float a, int b, float[] out) {
    float max = levels(b);
    for (int i = 0; i < n; i++) {
      float q = Math.max(0f, Math.min(max, DoubleRounding.rhu(x[i] / a)));
      out[i] = q * a;
    }
  }

  /**
   * Backward over {@code x[0..n)}: writes {@code gradX} and returns {@code ∂L/∂a} already
   * multiplied by {@code g} ({@link #gradScale}).
   *
   * <p>The region is decided on the unrounded {@code x/a}, as the spec (and LSQ) state it: inside
   * is {@code 0 ≤ x/a ≤ 2^b − 1}. Inputs in (−a/2, 0) are below the range and inputs in
   * ((2^b − 1)·a, (2^b − ½)·a) above it, even though rounding alone would land them on a code.
   * The sum is taken in double in index order; {@link VectorKernels} computes it when the JVM has
   * the Vector API, this loop otherwise (same floats).
   */
  public static float backward(float[] x, int n, float a, int b, float[] gradOut, float[] gradX, float g) {
    if (DoubleRounding.VECTOR_KERNELS) {
      return (float) (VectorKernels.activationBackward(x, n, a, b, gradOut, gradX) * g);
    }
    return backwardScalar(x, n, a, b, gradOut, gradX, g);
  }

  /** {@link #backward} one element at a time: the kernel without the Vector API, and the reference of its tests. */
  static float backwardScalar(float[] x, int n, float a, int b, float[] gradOut, float[] gradX, float g) {
    float max = levels(b);
    double ga = 0;
    for (int i = 0; i < n; i++) {
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
    return (float) (ga * g);
  }
}
