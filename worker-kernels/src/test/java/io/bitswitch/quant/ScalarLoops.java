package io.bitswitch.quant;

/**
 * The scalar loops of {@link DoubleRounding} and {@link ActivationQuantizer} as they were before the
 * Vector API kernels (docs/design/method.md §1–2): the reference of {@link VectorKernelsTest} and the
 * "before" of {@link QuantKernelBenchmark}.
 */
final class ScalarLoops {
  private ScalarLoops() {}

  static void fakeQuantize(float[] w, float[] scales, int h, int b, float[] out) {
    int k = DoubleRounding.perChannel(w.length, scales.length);
    float minH = DoubleRounding.minCode(h), maxH = DoubleRounding.maxCode(h);
    float minB = DoubleRounding.minCode(b), maxB = DoubleRounding.maxCode(b);
    float step = (float) (1 << (h - b));
    for (int c = 0; c < scales.length; c++) {
      float s = scales[c];
      float sb = s * step;
      for (int i = c * k, end = i + k; i < end; i++) {
        float qh = Math.max(minH, Math.min(maxH, DoubleRounding.rhu(w[i] / s)));
        float qb = Math.max(minB, Math.min(maxB, DoubleRounding.rhu(qh / step)));
        out[i] = qb * sb;
      }
    }
  }

  static void backward(float[] w, float[] scales, int h, int b, float[] gradOut, float[] gradW, float[] gradScale) {
    int k = DoubleRounding.perChannel(w.length, scales.length);
    float minH = DoubleRounding.minCode(h), maxH = DoubleRounding.maxCode(h);
    float minB = DoubleRounding.minCode(b), maxB = DoubleRounding.maxCode(b);
    float step = (float) (1 << (h - b));
    for (int c = 0; c < scales.length; c++) {
      float s = scales[c];
      double gs = 0;
      for (int i = c * k, end = i + k; i < end; i++) {
        float ratio = w[i] / s;
        float rh = DoubleRounding.rhu(ratio);
        boolean clamped = rh < minH || rh > maxH;
        float qh = Math.max(minH, Math.min(maxH, rh));
        float rb = DoubleRounding.rhu(qh / step);
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

  static void activationForward(float[] x, int n, float a, int b, float[] out) {
    float max = ActivationQuantizer.levels(b);
    for (int i = 0; i < n; i++) {
      float q = Math.max(0f, Math.min(max, DoubleRounding.rhu(x[i] / a)));
      out[i] = q * a;
    }
  }

  static float activationBackward(float[] x, int n, float a, int b, float[] gradOut, float[] gradX, float g) {
    float max = ActivationQuantizer.levels(b);
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
