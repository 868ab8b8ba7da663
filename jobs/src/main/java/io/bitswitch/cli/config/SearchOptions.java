package io.bitswitch.cli.config;

import java.util.List;

/**
 * ILP subnet search ({@code bitswitch.search}).
 *
 * @param averageBits average weight bit-width budgets swept for the Pareto front, each positive,
 *     in the order given (unmodifiable, not empty)
 * @param bnRecalibrationBatches training mini-batches used to re-estimate each front member's
 *     BatchNorm statistics, at least 0
 */
public record SearchOptions(List<Double> averageBits, int bnRecalibrationBatches) {
  /** Copies {@code averageBits} into an unmodifiable list. */
  public SearchOptions {
    averageBits = List.copyOf(averageBits);
  }
}
