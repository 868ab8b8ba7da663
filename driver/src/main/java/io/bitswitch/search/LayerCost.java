package io.bitswitch.search;

import io.bitswitch.InvalidInputException;
import java.util.Map;

/**
 * What the ILP subnet search knows about one quantized layer l.
 *
 * @param name layer name, unique within a search
 * @param params parameter count n_l (weights of the layer; the {@link BudgetKind#SIZE} weight)
 * @param macs multiply-accumulates per example, MAC_l (the {@link BudgetKind#BITOPS} weight)
 * @param tracePerParam average Hessian trace t_l, i.e. trace / parameter count. Must be ≥ 0: a
 *     stochastic estimate that came out slightly negative must be clamped by the caller, since a
 *     negative t_l would reward quantization error
 * @param perturbation e_l(b) = ‖w_l − ŵ_l^(b)‖² for (at least) every candidate bit-width b; 0 at the
 *     highest candidate by convention, but any finite value ≥ 0 is accepted
 */
public record LayerCost(String name, long params, long macs, double tracePerParam,
    Map<Integer, Double> perturbation) {

  /**
   * Checks the values that do not depend on the candidate bit-widths.
   *
   * @throws InvalidInputException if the name is blank, a count or the trace is negative, the
   *     trace is not finite, or a perturbation is negative, not finite or null
   */
  public LayerCost {
    if (name == null || name.isBlank()) {
      throw new InvalidInputException("layer name must not be blank");
    }
    if (params < 0) {
      throw new InvalidInputException("layer " + name + ": params must be ≥ 0, not " + params);
    }
    if (macs < 0) {
      throw new InvalidInputException("layer " + name + ": macs must be ≥ 0, not " + macs);
    }
    if (!(tracePerParam >= 0) || Double.isInfinite(tracePerParam)) {
      throw new InvalidInputException("layer " + name + ": tracePerParam must be finite and ≥ 0, not "
          + tracePerParam);
    }
    if (perturbation == null) {
      throw new InvalidInputException("layer " + name + ": perturbation map is missing");
    }
    for (Map.Entry<Integer, Double> e : perturbation.entrySet()) {
      Double v = e.getValue();
      if (e.getKey() == null || v == null || !(v >= 0) || v.isInfinite()) {
        throw new InvalidInputException("layer " + name + ": perturbation at " + e.getKey()
            + " bits must be finite and ≥ 0, not " + v);
      }
    }
    // Map.copyOf: immutable, and the checks above already ruled out the nulls it rejects.
    perturbation = Map.copyOf(perturbation);
  }
}
