package io.bitswitch.search;

import io.bitswitch.InvalidInputException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The resource an ILP subnet search budgets (docs/design/method.md §7). Every kind is expressed in "bits" ω so
 * one sweep list serves every kind, and each is a weighted sum {@code Σ_l w_l · b_l^p ≤ ω^p · Σ_l w_l}:
 * <ul>
 *   <li>{@link #SIZE}: w = parameter count, p = 1 — ω is the bits per quantized weight;
 *   <li>{@link #AVERAGE_BITS}: w = 1, p = 1 — ω is the unweighted mean bit-width of the layers;
 *   <li>{@link #BITOPS}: w = multiply-accumulates per example, p = 2 — ω is the "effective bits" of a
 *       uniform model with the same bit operations.
 * </ul>
 */
public enum BudgetKind {
  /** Model size: {@code Σ n_l·b_l ≤ ω·Σ n_l}. */
  SIZE("size", 1),
  /** Mean bit-width over the layers: {@code Σ b_l ≤ ω·L}. */
  AVERAGE_BITS("average-bits", 1),
  /** Bit operations: {@code Σ MAC_l·b_l² ≤ ω²·Σ MAC_l}. */
  BITOPS("bitops", 2);

  private final String configName;
  private final int power;

  BudgetKind(String configName, int power) {
    this.configName = configName;
    this.power = power;
  }

  /** The spelling in configuration files and on the command line, e.g. {@code "average-bits"}. */
  public String configName() {
    return configName;
  }

  /**
   * The kind spelled {@code name} in configuration ({@link #configName()}).
   *
   * @throws InvalidInputException if no kind has that name
   */
  public static BudgetKind fromConfigName(String name) {
    for (BudgetKind k : values()) {
      if (k.configName.equals(name)) {
        return k;
      }
    }
    throw new InvalidInputException("unknown budget kind '" + name + "'; expected one of "
        + Arrays.stream(values()).map(BudgetKind::configName).collect(Collectors.joining(", ")));
  }

  /** Exponent p of the bit-width in the budgeted sum (2 for bit operations, else 1). */
  int power() {
    return power;
  }

  /** Weight w_l of a layer in the budgeted sum. */
  long weight(LayerCost layer) {
    return switch (this) {
      case SIZE -> layer.params();
      case AVERAGE_BITS -> 1;
      case BITOPS -> layer.macs();
    };
  }

  /** The term {@code b^p} of one layer at bit-width {@code b}. */
  long cost(int bits) {
    return power == 2 ? (long) bits * bits : bits;
  }
}
