package io.bitswitch.model;

import io.bitswitch.quant.BitWidthSet;
import java.io.Serializable;
import java.util.Arrays;

/**
 * Everything an executor needs to rebuild the same {@link QuantizedGraph} the driver uses:
 * architecture, input shape, classes, seed and the precisions of the parameter layout. Executors
 * keep one graph per task thread ({@link #graph()}), so a step costs no rebuild.
 *
 * @param architecture {@code fmnist-cnn}, {@code resnet20} or {@code custom}
 * @param userConfigJson DL4J configuration JSON for {@code custom}, else empty
 * @param inputShape channels, height, width
 * @param classes number of classes
 * @param seed DL4J initialisation seed
 * @param precisions descending bit-widths, or {@code {32}} for an FP32 model
 */
public record ModelSpec(String architecture, String userConfigJson, int[] inputShape, int classes, long seed,
    int[] precisions) implements Serializable {

  private static final ThreadLocal<CachedGraph> CACHE = new ThreadLocal<>();

  private record CachedGraph(ModelSpec spec, QuantizedGraph graph) {}

  /** The same model with another parameter layout (e.g. QAT from an FP32 model). */
  public ModelSpec withPrecisions(int[] newPrecisions) {
    return new ModelSpec(architecture, userConfigJson, inputShape, classes, seed, newPrecisions);
  }

  /** Builds a fresh graph. */
  public QuantizedGraph build() {
    QuantizationPlan plan = QuantizationPlan.of(Architectures.build(architecture, userConfigJson,
        inputShape[0], inputShape[1], inputShape[2], classes, seed));
    return new QuantizedGraph(plan, ParamLayout.of(plan, precisions), inputShape);
  }

  /** This thread's graph for this spec, built on first use. */
  public QuantizedGraph graph() {
    CachedGraph cached = CACHE.get();
    if (cached == null || !cached.spec().equals(this)) {
      cached = new CachedGraph(this, build());
      CACHE.set(cached);
    }
    return cached.graph();
  }

  /** Whether this is a quantized (not FP32-only) model. */
  public boolean quantized() {
    return !(precisions.length == 1 && precisions[0] == BitWidthSet.FP32_BITS);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelSpec m && architecture.equals(m.architecture)
        && userConfigJson.equals(m.userConfigJson) && Arrays.equals(inputShape, m.inputShape)
        && classes == m.classes && seed == m.seed && Arrays.equals(precisions, m.precisions);
  }

  @Override
  public int hashCode() {
    return architecture.hashCode() * 31 + Arrays.hashCode(precisions);
  }

  @Override
  public String toString() {
    return architecture + Arrays.toString(inputShape) + " classes=" + classes + " precisions="
        + Arrays.toString(precisions);
  }
}
