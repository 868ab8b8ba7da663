package io.bitswitch.model;

/**
 * How a fresh built-in architecture's weights and biases are drawn (docs/design/method.md §4). A
 * custom DL4J configuration keeps its own initialisation.
 */
public enum ParameterInit {
  /**
   * Weights and biases uniform in ±1/√fan_in (fan_in = inputs per output channel: in-channels ×
   * kernel area, or dense inputs), PyTorch's default for {@code Conv2d} and {@code Linear}.
   */
  FAN_IN_UNIFORM,
  /** DL4J's {@code WeightInit.RELU} (He-normal, std √(2/fan_in)) on weights, zero biases. */
  HE_NORMAL;

  /**
   * Draws the weights and biases of every layer of {@code plan} but BatchNorm, in layer order, into
   * θ uniform in ±1/√fan_in ({@link #FAN_IN_UNIFORM}) from {@code seed}.
   */
  static void drawFanInUniform(QuantizationPlan plan, ParamLayout layout, float[] theta, long seed) {
    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
    for (QuantizationPlan.LayerInfo l : plan.layers()) {
      if (l.role() == QuantizationPlan.Role.BATCHNORM) {
        continue;
      }
      long fanIn = l.weightCount() / l.outChannels();
      ParamLayout.Segment w = layout.find(l.name(), ParamLayout.Kind.WEIGHT, 0);
      drawFanInUniform(theta, w != null ? w : layout.get(l.name(), ParamLayout.Kind.FLOAT_WEIGHT, 0), fanIn, random);
      drawFanInUniform(theta, layout.find(l.name(), ParamLayout.Kind.BIAS, 0), fanIn, random);
    }
  }

  /**
   * Draws the elements of segment {@code s} of θ uniform in ±1/√fanIn; nothing when {@code s} is
   * null (a layer without bias).
   */
  private static void drawFanInUniform(float[] theta, ParamLayout.Segment s, long fanIn,
      java.util.SplittableRandom random) {
    if (s == null) {
      return;
    }
    double bound = 1 / Math.sqrt((double) fanIn);
    for (int i = s.offset(), end = i + s.length(); i < end; i++) {
      theta[i] = (float) ((2 * random.nextDouble() - 1) * bound);
    }
  }
}
