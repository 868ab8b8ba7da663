package io.bitswitch.report;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One entry of the report's {@code layer_traces} (the {@code layers} of {@code sensitivity.json}):
 * a quantized layer's Hutchinson estimate of its Hessian trace (docs/design/method.md). Counts and
 * numbers a report lacks are NaN. In {@code report.json} its keys are snake_case like the rest of
 * the report ({@code trace_per_param}, {@code std_error}); reports written before read as well.
 *
 * @param name the layer
 * @param sensitivity {@code sensitive}, {@code insensitive}, or null
 * @param params its parameters
 * @param trace the trace estimate
 * @param tracePerParam trace / params
 * @param stdError the standard error of the trace (not of the trace per parameter)
 * @param probes Hutchinson probes used
 * @param samples examples the trace was estimated on
 */
public record LayerTrace(String name, String sensitivity, double params, double trace, double tracePerParam,
    double stdError, double probes, double samples) {

  /** The report's form: the keys of sensitivity.json's layers, in snake_case; counts as whole numbers. */
  @JsonValue
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("params", whole(params));
    m.put("trace", trace);
    m.put("trace_per_param", tracePerParam);
    m.put("std_error", stdError);
    m.put("probes", whole(probes));
    m.put("samples", whole(samples));
    m.put("class", sensitivity);
    return m;
  }

  private static Long whole(double v) {
    return Double.isFinite(v) ? Math.round(v) : null;
  }

  /**
   * The usable entries of a {@code layer_traces} value: those with a name and a finite trace per
   * parameter; snake_case keys and the camelCase keys of older files are both read.
   */
  static List<LayerTrace> readAll(Object value) {
    List<LayerTrace> out = new ArrayList<>();
    if (value instanceof List<?> list && !list.isEmpty() && list.stream().allMatch(e -> e instanceof LayerTrace)) {
      // As a command set them.
      list.forEach(e -> out.add((LayerTrace) e));
      return out;
    }
    for (Map<String, Object> l : ReportValues.maps(value)) {
      double perParam = ReportValues.number(ReportValues.first(l, "trace_per_param", "tracePerParam"));
      if (l.get("name") == null || !Double.isFinite(perParam)) {
        continue;
      }
      out.add(new LayerTrace(String.valueOf(l.get("name")), ReportValues.text(l.get("class")),
          ReportValues.number(l.get("params")), ReportValues.number(l.get("trace")), perParam,
          ReportValues.number(ReportValues.first(l, "std_error", "stdError")), ReportValues.number(l.get("probes")),
          ReportValues.number(l.get("samples"))));
    }
    return out;
  }
}
