package io.bitswitch.quant;

/**
 * Adaptive Learning Rate Scaling for the quantization scales of each precision (docs/design/method.md §4).
 *
 * <pre>
 * η_b = 10^(−Δ/2)           Δ even     (8→1, 6→0.1, 4→0.01, 2→0.001 for h = 8)
 *       5 · 10^(−(Δ+1)/2)   Δ odd      (7→0.5, 5→0.05, 3→0.005)
 * ḡ_b = (1/L) Σ_l min(max_abs(clip(∇s_b^l, −1, 1)), 1)
 * λ_b = η_b · λ · max(0, 1 − ḡ_b)
 * </pre>
 *
 * A layer's "scale gradients" are its per-channel weight-scale gradients together with its
 * activation-scale gradient at precision b.
 */
public final class Alrs {
  private Alrs() {}

  /** The precision factor η_b for stored precision h. */
  public static double eta(int h, int b) {
    int delta = h - b;
    if (delta < 0) {
      throw new IllegalArgumentException("b=" + b + " exceeds h=" + h);
    }
    if (delta % 2 == 0) {
      return Math.pow(10, -delta / 2.0);
    }
    return 5 * Math.pow(10, -(delta + 1) / 2.0);
  }

  /** One layer's term {@code min(max_abs(clip(grad, −1, 1)), 1)}. */
  public static double layerTerm(float[]... scaleGradients) {
    double m = 0;
    for (float[] g : scaleGradients) {
      for (float v : g) {
        m = Math.max(m, Math.min(1.0, Math.abs(v)));
      }
    }
    return Math.min(m, 1.0);
  }

  /** ḡ_b: the mean of the layers' terms. */
  public static double meanTerm(double[] layerTerms) {
    if (layerTerms.length == 0) {
      return 0;
    }
    double s = 0;
    for (double t : layerTerms) {
      s += t;
    }
    return s / layerTerms.length;
  }

  /** The scale learning rate λ_b = η_b · λ · max(0, 1 − ḡ_b). */
  public static double rate(double baseLr, int h, int b, double gBar) {
    return eta(h, b) * baseLr * Math.max(0, 1 - gBar);
  }
}
