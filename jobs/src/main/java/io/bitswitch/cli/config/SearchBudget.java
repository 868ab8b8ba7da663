package io.bitswitch.cli.config;

import io.bitswitch.search.BudgetKind;

/** What the subnet search's budgets constrain ({@code bitswitch.search.budget}). */
public enum SearchBudget implements ConfigEnum {
  /** Model size: Σ n_l·b_l ≤ ω·Σ n_l (ω in bits per quantized weight). */
  SIZE(BudgetKind.SIZE),
  /** Unweighted average bit-width over the quantized layers: Σ b_l ≤ ω·L. */
  AVERAGE_BITS(BudgetKind.AVERAGE_BITS),
  /** BitOPs: Σ MAC_l·b_l² ≤ ω²·Σ MAC_l (ω in effective bits). */
  BITOPS(BudgetKind.BITOPS);

  private final BudgetKind kind;

  SearchBudget(BudgetKind kind) {
    this.kind = kind;
  }

  @Override
  public String configName() {
    return kind.configName();
  }

  /** The solver's budget kind. */
  public BudgetKind kind() {
    return kind;
  }
}
