package io.bitswitch.report;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The report's {@code hasb_draws}: how many SuperNet steps each quantized layer ran at each
 * bit-width (docs/design/method.md, HASB sampling).
 *
 * @param counts layer to bit-width to steps; only layers with some positive count
 */
public record HasbDraws(Map<String, Map<Integer, Double>> counts) {
  /** The bit-widths drawn, largest first, as everywhere else in the report. */
  public SortedSet<Integer> widths() {
    TreeSet<Integer> widths = new TreeSet<>(Comparator.reverseOrder());
    counts.values().forEach(c -> widths.addAll(c.keySet()));
    return widths;
  }

  /** A layer's draws over all bit-widths. */
  public static double total(Map<Integer, Double> layerCounts) {
    return layerCounts.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /**
   * Read leniently ({@code {"conv2": {"8": 1234, ...}, ...}}, bit-width keys as text or numbers);
   * null when no layer has a positive count.
   */
  static HasbDraws read(Object value) {
    Map<String, Map<Integer, Double>> counts = new LinkedHashMap<>();
    ReportValues.map(value).forEach((layer, byBits) -> {
      Map<Integer, Double> c = new LinkedHashMap<>();
      ReportValues.map(byBits).forEach((b, n) -> {
        Integer bits = ReportValues.bits(b);
        double v = ReportValues.number(n);
        if (bits != null && Double.isFinite(v) && v >= 0) {
          c.put(bits, v);
        }
      });
      if (total(c) > 0) {
        counts.put(layer, c);
      }
    });
    return counts.isEmpty() ? null : new HasbDraws(counts);
  }
}
