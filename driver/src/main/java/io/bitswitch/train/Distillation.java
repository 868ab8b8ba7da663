package io.bitswitch.train;

/**
 * In-place distillation (docs/design/method.md §4): every pass below the highest precision adds
 * {@code weight · T² · KL(p_h^T ‖ p_b^T)} to {@code (1 − weight) · cross-entropy}, where p_h is the
 * highest precision's softmax of the same batch at the step's parameters, treated as a constant.
 *
 * @param weight share of the distillation term in [0, 1); 0 switches it off
 * @param temperature softmax temperature T &gt; 0 of teacher and student in the KL term
 */
public record Distillation(double weight, double temperature) implements java.io.Serializable {
  /** No distillation: every precision learns from the labels alone. */
  public static final Distillation NONE = new Distillation(0, 1);

  public Distillation {
    if (!(weight >= 0 && weight < 1) || !(temperature > 0)) {
      throw new IllegalArgumentException("distillation weight must be in [0, 1) and temperature > 0, got "
          + weight + ", " + temperature);
    }
  }

  /** Whether distillation is on. */
  public boolean enabled() {
    return weight > 0;
  }
}
