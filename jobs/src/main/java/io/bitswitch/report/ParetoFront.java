package io.bitswitch.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report's {@code pareto} (the content of the search's {@code pareto.json}): accuracy against
 * deployed size of the ILP front, the uniform-precision models and random allocations
 * (docs/design/method.md, mixed-precision search). Both the snake_case keys and the camelCase keys
 * of older files are read.
 *
 * @param architecture the model, or null
 * @param bundle the SuperNet bundle searched, or null
 * @param budgetKind {@code size} or {@code bitops}, or null
 * @param tracesSource where the traces came from, or null
 * @param layerOrder the quantized layers in graph order
 * @param members the ILP front
 * @param uniform the uniform-precision models
 * @param random the random allocations (mean and spread over draws)
 */
public record ParetoFront(String architecture, String bundle, String budgetKind, String tracesSource,
    List<String> layerOrder, List<Point> members, List<Point> uniform, List<Point> random) {

  /**
   * One model of the front; numbers a row lacks are NaN.
   *
   * @param budget the budget it was selected under (text as written), or null
   * @param bits the uniform bit-width, or null
   * @param layerBits layer to bit-width, empty for uniform and random rows
   * @param sizeBytes deployed size
   * @param bitOps bit operations of one forward pass
   * @param averageBits parameter-weighted average bit-width
   * @param accuracy test accuracy (mean over draws for random rows)
   * @param accuracyStd standard deviation over draws (random rows)
   * @param draws how many random allocations (random rows), or NaN
   */
  public record Point(String budget, Integer bits, Map<String, Integer> layerBits, double sizeBytes, double bitOps,
      double averageBits, double accuracy, double accuracyStd, double draws) {}

  /** Read leniently; null when neither the front nor the uniform models have an entry. */
  static ParetoFront read(Object value) {
    Map<String, Object> p = ReportValues.map(value);
    List<Point> members = points(p.get("members"));
    List<Point> uniform = points(p.get("uniform"));
    if (members.isEmpty() && uniform.isEmpty()) {
      return null;
    }
    List<String> order = new ArrayList<>();
    for (Map<String, Object> l : ReportValues.maps(p.get("layers"))) {
      if (l.get("name") != null) {
        order.add(String.valueOf(l.get("name")));
      }
    }
    return new ParetoFront(ReportValues.text(p.get("architecture")), ReportValues.text(p.get("bundle")),
        ReportValues.text(ReportValues.first(p, "budget_kind", "budgetKind")),
        ReportValues.text(ReportValues.first(p, "traces_source", "tracesSource")), order, members, uniform,
        points(p.get("random")));
  }

  private static List<Point> points(Object rows) {
    List<Point> out = new ArrayList<>();
    for (Map<String, Object> r : ReportValues.maps(rows)) {
      Map<String, Integer> layerBits = new LinkedHashMap<>();
      ReportValues.map(ReportValues.first(r, "layer_bits", "layerBits")).forEach((layer, b) -> {
        double v = ReportValues.number(b);
        if (Double.isFinite(v)) {
          layerBits.put(layer, (int) Math.round(v));
        }
      });
      double bits = ReportValues.number(r.get("bits"));
      out.add(new Point(ReportValues.text(r.get("budget")), Double.isFinite(bits) ? (int) Math.round(bits) : null,
          layerBits, ReportValues.number(ReportValues.first(r, "size_bytes", "sizeBytes")),
          ReportValues.number(ReportValues.first(r, "bit_ops", "bitOps")),
          ReportValues.number(ReportValues.first(r, "average_bits", "averageBits")),
          ReportValues.number(r.get("accuracy")),
          ReportValues.number(ReportValues.first(r, "accuracy_std", "accuracyStd")),
          ReportValues.number(r.get("draws"))));
    }
    return out;
  }
}
