package io.bitswitch.quant;

/**
 * The Double Rounding weight quantizer (docs/design/method.md §1): symmetric, one scale {@code s_c > 0} per
 * output channel, shared by every precision.
 *
 * <pre>
 * first rounding  (stored):  q_h = clamp(rhu(w / s_c), -2^(h-1), 2^(h-1) - 1)
 * second rounding (switch):  q_b = clamp((q_h + 2^(Δ-1)) &gt;&gt; Δ, -2^(b-1), 2^(b-1) - 1),  Δ = h - b
 * dequantized:               ŵ_b = q_b · s_c · 2^Δ
 * </pre>
 *
 * <p>Weights are laid out channel-major: channel {@code c} owns elements
 * {@code [c·K, (c+1)·K)} with {@code K = w.length / scales.length}. This is DL4J's layout for
 * convolution kernels ({@code [out, in, kh, kw]}, 'c' order) and for dense weights
 * ({@code [nIn, nOut]}, 'f' order, so each output column is contiguous).
 *
 * <p>The training-time path ({@link #fakeQuantize}) computes the very integers of the deployment
 * path ({@link #quantizeToCodes} then {@link #switchCode}) in float arithmetic, which is exact
 * for these magnitudes: dividing an integer below 2^8 by 2^Δ and adding 1/2 are exact in float,
 * and multiplying by 2^Δ is exact. That is what makes switching lossless with respect to training.
 */
public final class DoubleRounding {
  /** Smallest scale a channel may take; keeps {@code s_c} positive after an update. */
  public static final float MIN_SCALE = 1e-8f;

  /**
   * Whether the quantizer loops (and the model package's other Vector API kernels) run on the Vector API: the JVM has
   * {@code --add-modules jdk.incubator.vector} (bin/bitswitch, the tests and spark-defaults.conf
   * pass it) and {@code -Dbitswitch.vector-kernels=false} was not given. Kept here, not in
   * VectorKernels, because loading that class needs the module.
   */
  public static final boolean VECTOR_KERNELS = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
      && Boolean.parseBoolean(System.getProperty("bitswitch.vector-kernels", "true"));

  private DoubleRounding() {}

  /**
   * Round half up: {@code floor(x + 0.5)} in exact arithmetic. The sum is formed in double, where
   * it is exact for floats with 2^−29 ≤ |x| < 2^29 and, for smaller |x|, rounds to a value in
   * (0, 1) so the floor is still exact. In float, {@code x + 0.5f} rounds up to the next integer
   * for {@code x = 0.49999997f} (and for odd integers in [2^23, 2^24)), which would round such an
   * x up instead of down.
   */
  public static float rhu(float x) {
    return (float) Math.floor(x + 0.5d);
  }

  /** Largest signed code at {@code bits}: 2^(bits-1) - 1. */
  public static int maxCode(int bits) {
    return (1 << (bits - 1)) - 1;
  }

  /** Smallest signed code at {@code bits}: -2^(bits-1). */
  public static int minCode(int bits) {
    return -(1 << (bits - 1));
  }

  /** Channels' element count K; checks the layout. */
  public static int perChannel(int weightCount, int channels) {
    if (channels <= 0 || weightCount % channels != 0) {
      throw new IllegalArgumentException(weightCount + " weights cannot be split into " + channels + " channels");
    }
    return weightCount / channels;
  }

  /** First rounding of one weight: its code at {@code h}. */
  public static int quantizeToCode(float w, float scale, int h) {
    float r = rhu(w / scale);
    return (int) Math.max(minCode(h), Math.min(maxCode(h), r));
  }

  /** Integer switch h→b of one code: round-half-up arithmetic shift, then the clamp at b. */
  public static int switchCode(int qh, int h, int b) {
    int delta = h - b;
    if (delta < 0) {
      throw new IllegalArgumentException("cannot switch up from " + h + " to " + b + " bits");
    }
    if (delta == 0) {
      return qh;
    }
    int shifted = (qh + (1 << (delta - 1))) >> delta;
    return Math.max(minCode(b), Math.min(maxCode(b), shifted));
  }

  /** First rounding of a whole tensor into INT-h codes (h ≤ 8, so bytes). */
  public static byte[] quantizeToCodes(float[] w, float[] scales, int h) {
    int k = perChannel(w.length, scales.length);
    byte[] codes = new byte[w.length];
    for (int c = 0; c < scales.length; c++) {
      float s = scales[c];
      for (int i = c * k, end = i + k; i < end; i++) {
        codes[i] = (byte) quantizeToCode(w[i], s, h);
      }
    }
    return codes;
  }

  /** Integer switch of a whole tensor of codes from h to b bits. */
  public static byte[] switchCodes(byte[] qh, int h, int b) {
    byte[] out = new byte[qh.length];
    for (int i = 0; i < qh.length; i++) {
      out[i] = (byte) switchCode(qh[i], h, b);
    }
    return out;
  }

  /**
   * Dequantizes codes at {@code b} that were switched from {@code h}: {@code q_b · s_c · 2^(h-b)}.
   * With {@code b == h} this is plain {@code q_h · s_c}.
   */
  public static float[] dequantize(byte[] qb, float[] scales, int h, int b) {
    int k = perChannel(qb.length, scales.length);
    float step = (float) (1 << (h - b));
    float[] out = new float[qb.length];
    for (int c = 0; c < scales.length; c++) {
      float s = scales[c] * step;
      for (int i = c * k, end = i + k; i < end; i++) {
        out[i] = qb[i] * s;
      }
    }
    return out;
  }

  /**
   * Training-time forward: {@code out = ŵ_b(w)} computed in float, equal bit for bit to
   * {@code dequantize(switchCodes(quantizeToCodes(w, s, h), h, b), s, h, b)}. Runs
   * {@link VectorKernels} when the JVM has the Vector API, this loop otherwise (same floats).
   */
  public static void fakeQuantize(float[] w, float[] scales, int h, int b, float[] out) {
    int k = perChannel(w.length, scales.length);
    if (VECTOR_KERNELS) {
      VectorKernels.fakeQuantize(w, scales, k, h, b, out);
    } else {
      fakeQuantizeScalar(w, scales, h, b, out);
    }
  }

  /** {@link #fakeQuantize} one element at a time: the kernel without the Vector API, and the reference of its tests. */
  static void fakeQuantizeScalar(float[] w, float[] scales, int h, int b, float[] out) {
    int k = perChannel(w.length, scales.length);
    float minH = minCode(h), maxH = maxCode(h), minB = minCode(b), maxB = maxCode(b);
    float step = (float) (1 << (h - b));
    for (int c = 0; c < scales.length; c++) {
      float s = scales[c];
      float sb = s * step;
      for (int i = c * k, end = i + k; i < end; i++) {
        float qh = Math.max(minH, Math.min(maxH, rhu(w[i] / s)));
        float qb = Math.max(minB, Math.min(maxB, rhu(qh / step)));
        out[i] = qb * sb;
      }
    }
  }

  /**
   * Backward through both roundings (straight-through estimator; LSQ-style scale gradient).
   *
   * <p>{@code gradW[i] = gradOut[i]} when neither clamp is active, else 0;
   * {@code gradScale[c] = Σ_i gradOut[i] · (2^Δ·q_b − w/s_c)} over unclamped elements plus
   * {@code Σ_i gradOut[i] · 2^Δ·q_b} over clamped ones, each sum in double in index order.
   * {@code gradScale} is overwritten. Runs {@link VectorKernels} when the JVM has the Vector API,
   * this loop otherwise (same floats).
   */
  public static void backward(float[] w, float[] scales, int h, int b, float[] gradOut,
      float[] gradW, float[] gradScale) {
    int k = perChannel(w.length, scales.length);
    if (VECTOR_KERNELS) {
      VectorKernels.doubleRoundingBackward(w, scales, k, h, b, gradOut, gradW, gradScale);
    } else {
      backwardScalar(w, scales, h, b, gradOut, gradW, gradScale);
    }
  }

  /** {@link #backward} one element at a time: the kernel without the Vector API, and the reference of its tests. */
  static void backwardScalar(float[] w, float[] scales, int h, int b, float[] gradOut, float[] gradW,
      float[] gradScale) {
    int k = perChannel(w.length, scales.length);
    float minH = minCode(h), maxH = maxCode(h), minB = minCode(b), maxB = maxCode(b);
    float step = (float) (1 << (h - b));
    for (int c = 0; c < scales.length; c++) {
      float s = scales[c];
      double gs = 0;
      for (int i = c * k, end = i + k; i < end; i++) {
        float ratio = w[i] / s;
        float rh = rhu(ratio);
        boolean clamped = rh < minH || rh > maxH;
        float qh = Math.max(minH, Math.min(maxH, rh));
        float rb = rhu(qh / step);
        clamped |= rb < minB || rb > maxB;
        float qb = Math.max(minB, Math.min(maxB, rb));
        float g = gradOut[i];
        if (clamped) {
          gradW[i] = 0f;
          gs += (double) g * (step * qb);
        } else {
          gradW[i] = g;
          gs += (double) g * (step * qb - ratio);
        }
      }
      gradScale[c] = (float) gs;
    }
  }

  /**
   * LSQ's gradient scale for a weight scale, {@code 1/sqrt(K · (2^(b−1) − 1))} with K the
   * channel's element count. docs/design/method.md §2 prescribes it for activation scales; bitswitch applies
   * LSQ's rule to weight scales too (the paper builds on LSQ), because ALRS clips each layer's
   * scale gradients to [−1, 1]: a raw per-channel sum over thousands of weights always clips, and
   * ḡ_b = 1 would freeze every scale (λ_b = 0).
   */
  public static float gradScale(int perChannel, int b) {
    return (float) (1.0 / Math.sqrt((double) perChannel * maxCode(b)));
  }

  /**
   * Initial per-channel scales from trained FP32 weights: {@code max|w_c| / (2^(h-1) - 1)}, guarded
   * against all-zero channels.
   */
  public static float[] initScales(float[] w, int channels, int h) {
    int k = perChannel(w.length, channels);
    float[] scales = new float[channels];
    for (int c = 0; c < channels; c++) {
      float m = 0;
      for (int i = c * k, end = i + k; i < end; i++) {
        m = Math.max(m, Math.abs(w[i]));
      }
      scales[c] = Math.max(MIN_SCALE, m / maxCode(h));
    }
    return scales;
  }
}
