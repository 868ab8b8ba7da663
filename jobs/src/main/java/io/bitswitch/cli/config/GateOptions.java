package io.bitswitch.cli.config;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Quality gates a new bundle must pass before it is published as {@code latest}
 * ({@code bitswitch.gates}).
 *
 * @param minAccuracy minimum accuracy (ratio in [0, 1]) per bit-width (2..8, or 32 for FP32);
 *     bit-widths not in the map are not gated (unmodifiable)
 * @param maxRegression largest allowed accuracy drop (ratio in [0, 1]) at any bit-width against the
 *     previously published bundle; 1.0 never fails
 */
public record GateOptions(SortedMap<Integer, Double> minAccuracy, double maxRegression) {
  /** Copies {@code minAccuracy} into an unmodifiable sorted map. */
  public GateOptions {
    minAccuracy = Collections.unmodifiableSortedMap(new TreeMap<>(minAccuracy));
  }
}
