package io.bitswitch.train;

/**
 * How a multi-precision step turns the bit-widths' gradients into updates (docs/design/method.md
 * §4). No mode takes several optimiser steps on gradients computed at the same parameters.
 */
public enum UpdateMode {
  /**
   * The paper's loop: for each bit-width, high to low, a gradient round at the current parameters
   * and then its update; n distributed rounds per step.
   */
  SEQUENTIAL,
  /**
   * One round: every bit-width's gradient at the step's parameters, then one Adam step per segment:
   * shared weights take the mean gradient, each precision's own segments their own gradient, the
   * shared weight scales the ALRS-weighted mean.
   */
  AVERAGED
}
