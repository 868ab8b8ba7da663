package io.bitswitch.train;

import io.bitswitch.model.ParamLayout;
import io.bitswitch.model.ParamLayout.Segment;
import io.bitswitch.quant.DoubleRounding;
import java.io.Serializable;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * Adam on the driver over θ's trainable segments, with L2 weight decay added to the gradient of
 * weight segments (PyTorch's {@code Adam(weight_decay=…)}). Quantization scales are optimised in
 * log space ({@code u = log s}, {@code ∂L/∂u = s·∂L/∂s}): steps are then relative to the scale's
 * size and scales stay positive, which docs/design/method.md §1 allows ("or learn log s"). One set of moments
 * serves every precision's update; an update at precision b touches only the segments active at b.
 */
public final class Adam implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double EPS = 1e-8;

  final float[] m;
  final float[] v;
  long updates;
  /** The step of the checkpoint these moments were restored from (0 when fresh). */
  transient int resumedStep;

  public Adam(int size) {
    m = new float[size];
    v = new float[size];
  }

  /**
   * One update of the segments active at {@code precision} (0 = all).
   *
   * @see #update(ParamLayout, float[], float[], Predicate, ToDoubleFunction, double)
   */
  public void update(ParamLayout layout, float[] theta, float[] grad, int precision,
      ToDoubleFunction<Segment> learningRate, double weightDecay) {
    update(layout, theta, grad, s -> precision == 0 || s.activeAt(precision), learningRate, weightDecay);
  }

  /**
   * One update of the trainable segments {@code active} selects (the others keep their values
   * and moments).
   *
   * @param grad mean gradient (summed gradient / examples) in θ's layout
   * @param learningRate learning rate of each segment
   * @param weightDecay L2 coefficient for decayed segments
   */
  public void update(ParamLayout layout, float[] theta, float[] grad, Predicate<Segment> active,
      ToDoubleFunction<Segment> learningRate, double weightDecay) {
    updates++;
    double c1 = 1 - Math.pow(BETA1, updates);
    double c2 = 1 - Math.pow(BETA2, updates);
    for (Segment s : layout.segments()) {
      if (!s.trainable() || !active.test(s)) {
        continue;
      }
      double lr = learningRate.applyAsDouble(s);
      boolean logSpace = s.isScale();
      double wd = s.decayed() ? weightDecay : 0;
      for (int i = s.offset(), end = i + s.length(); i < end; i++) {
        double g = logSpace ? grad[i] * (double) theta[i] : grad[i] + wd * theta[i];
        double mi = BETA1 * m[i] + (1 - BETA1) * g;
        double vi = BETA2 * v[i] + (1 - BETA2) * g * g;
        m[i] = (float) mi;
        v[i] = (float) vi;
        double step = lr * (mi / c1) / (Math.sqrt(vi / c2) + EPS);
        if (logSpace) {
          theta[i] = (float) Math.max(DoubleRounding.MIN_SCALE, theta[i] * Math.exp(-step));
        } else {
          theta[i] = (float) (theta[i] - step);
        }
      }
    }
  }
}
