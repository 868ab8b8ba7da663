package io.bitswitch.train;

/**
 * How the optimiser learns the quantization scales (weight scales s_c, activation scales a_{l,b}).
 * The choice and the measurement behind it are in docs/design/method.md §4.
 */
public enum ScaleParameterisation {
  /** Adam on s itself, clamped to a small positive value after each step (the paper's form). */
  LINEAR,
  /** Adam on u = log s: steps relative to the scale's size, positive by construction. */
  LOG
}
