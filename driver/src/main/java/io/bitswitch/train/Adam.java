package io.bitswitch.train;

import io.bitswitch.model.ParamLayout;
import io.bitswitch.model.ParamLayout.Segment;
import io.bitswitch.quant.DoubleRounding;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * Adam on the driver over θ's trainable segments, with L2 weight decay added to the gradient of
 * weight segments (PyTorch's {@code Adam(weight_decay=…)}).
 *
 * <p>Every segment of the layout keeps its own step count, as PyTorch keeps one per parameter: a
 * multi-precision step updates the shared weights once per bit-width but BatchNorm set b and the
 * activation scales a_{l,b} once, and each is bias-corrected with the number of updates it has
 * actually had (a global counter would make their early steps 1.5–2× too large).
 *
 * <p>Quantization scales are learned as {@linkplain ScaleParameterisation chosen}: directly (a
 * positive clamp after each step) or in log space ({@code u = log s}, {@code ∂L/∂u = s·∂L/∂s}).
 */
public final class Adam {
  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double EPS = 1e-8;

  private final ParamLayout layout;
  private final ScaleParameterisation scales;
  private final float[] m;
  private final float[] v;
  private final long[] steps;

  /** A fresh optimiser over {@code layout}: zero moments, every step count 0. */
  public Adam(ParamLayout layout, ScaleParameterisation scales) {
    this.layout = layout;
    this.scales = scales;
    this.m = new float[layout.size()];
    this.v = new float[layout.size()];
    this.steps = new long[layout.segments().size()];
  }

  /**
   * The optimiser's state, for checkpoints: the moments in θ's layout and the step count of every
   * segment in {@link ParamLayout#segments()} order.
   */
  public record State(float[] m, float[] v, long[] steps) {}

  /** A copy of the current state. */
  public State snapshot() {
    return new State(m.clone(), v.clone(), steps.clone());
  }

  /**
   * Replaces the state with {@code state}.
   *
   * @throws IllegalArgumentException when it was made for another layout
   */
  public void restore(State state) {
    if (state.m().length != m.length || state.v().length != v.length || state.steps().length != steps.length) {
      throw new IllegalArgumentException("optimiser state of " + state.m().length + " values and "
          + state.steps().length + " segments does not fit a layout of " + m.length + " values and "
          + steps.length + " segments");
    }
    System.arraycopy(state.m(), 0, m, 0, m.length);
    System.arraycopy(state.v(), 0, v, 0, v.length);
    System.arraycopy(state.steps(), 0, steps, 0, steps.length);
  }

  /** Updates segment {@code s} has had. */
  public long steps(Segment s) {
    return steps[layout.segments().indexOf(s)];
  }

  /**
   * One Adam step of each trainable segment {@code active} selects (the others keep their values,
   * moments and step counts).
   *
   * @param grad mean gradient (summed gradient / examples) in θ's layout
   * @param learningRate learning rate of each segment
   * @param weightDecay L2 coefficient for {@linkplain Segment#decayed() decayed} segments
   */
  public void update(float[] theta, float[] grad, Predicate<Segment> active, ToDoubleFunction<Segment> learningRate,
      double weightDecay) {
    List<Segment> segments = layout.segments();
    for (int k = 0; k < segments.size(); k++) {
      Segment s = segments.get(k);
      if (!s.trainable() || !active.test(s)) {
        continue;
      }
      long t = ++steps[k];
      double c1 = 1 - Math.pow(BETA1, t);
      double c2 = 1 - Math.pow(BETA2, t);
      double lr = learningRate.applyAsDouble(s);
      boolean logSpace = s.isScale() && scales == ScaleParameterisation.LOG;
      boolean clamp = s.isScale() && scales == ScaleParameterisation.LINEAR;
      double wd = s.decayed() ? weightDecay : 0;
      int i = s.offset();
      int end = i + s.length();
      if (!logSpace && !clamp && DoubleRounding.VECTOR_KERNELS) {
        i = AdamKernel.plainSteps(theta, grad, m, v, i, end, lr, wd, c1, c2, BETA1, BETA2, EPS);
      }
      for (; i < end; i++) {
        double g = logSpace ? grad[i] * (double) theta[i] : grad[i] + wd * theta[i];
        double mi = BETA1 * m[i] + (1 - BETA1) * g;
        double vi = BETA2 * v[i] + (1 - BETA2) * g * g;
        m[i] = (float) mi;
        v[i] = (float) vi;
        double step = lr * (mi / c1) / (Math.sqrt(vi / c2) + EPS);
        if (logSpace) {
          theta[i] = (float) Math.max(DoubleRounding.MIN_SCALE, theta[i] * Math.exp(-step));
        } else if (clamp) {
          theta[i] = (float) Math.max(DoubleRounding.MIN_SCALE, theta[i] - step);
        } else {
          theta[i] = (float) (theta[i] - step);
        }
      }
    }
  }

  @Override
  public String toString() {
    return "Adam" + Arrays.toString(steps);
  }
}
