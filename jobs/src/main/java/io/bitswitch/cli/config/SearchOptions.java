package io.bitswitch.cli.config;

import java.util.List;

/**
 * ILP subnet search ({@code bitswitch.search}).
 *
 * @param budget what the budgets constrain
 * @param budgets the swept budgets in bits (bits per weight, average bits, or effective BitOPs
 *     bits), each positive, in the order given (unmodifiable, not empty)
 * @param bnRecalibrationBatches training mini-batches used to re-estimate each evaluated model's
 *     BatchNorm statistics, at least 0
 * @param randomDraws random per-layer allocations evaluated per budget as a baseline, at least 0
 */
public record SearchOptions(SearchBudget budget, List<Double> budgets, int bnRecalibrationBatches, int randomDraws) {
  /** Copies {@code budgets} into an unmodifiable list. */
  public SearchOptions {
    budgets = List.copyOf(budgets);
  }
}
