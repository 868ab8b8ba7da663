package io.bitswitch.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The report's {@code scale_drift}: how far training moved the quantization scales, which tells
 * whether a precision's scales were learned at all (what ALRS decides, docs/design/method.md).
 * Empty (written as {@code {}}) for an FP32 model.
 *
 * @param activation bit-width key to layer to the activation scale before and after training
 * @param weight layer to the mean ratio of the weight scales after/before training
 */
@JsonPropertyOrder({"activation", "weight"})
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ScaleDrift(Map<String, Map<String, Activation>> activation, Map<String, Weight> weight) {
  /** No drift: an FP32 model. */
  public static final ScaleDrift NONE = new ScaleDrift(Map.of(), Map.of());

  /**
   * An activation scale at the first and the last step.
   *
   * @param first before training
   * @param last after training
   */
  @JsonPropertyOrder({"first", "last"})
  public record Activation(double first, double last) {}

  /**
   * A layer's weight scales.
   *
   * @param meanRatio mean over channels of scale after / scale before
   */
  public record Weight(@JsonProperty("mean_ratio") double meanRatio) {}

  /**
   * The drift in the form the training stage hands over
   * ({@code {"activation": {bits: {layer: {"first", "last"}}}, "weight": {layer: {"mean_ratio"}}}}),
   * or as read back from {@code report.json}; entries without numbers are dropped.
   */
  public static ScaleDrift of(Object value) {
    if (value instanceof ScaleDrift d) {
      return d;
    }
    Map<String, Object> m = ReportValues.map(value);
    Map<String, Map<String, Activation>> activation = new LinkedHashMap<>();
    ReportValues.map(m.get("activation")).forEach((bits, layers) -> {
      Map<String, Activation> byLayer = new LinkedHashMap<>();
      ReportValues.map(layers).forEach((layer, d) -> {
        Map<String, Object> fl = ReportValues.map(d);
        byLayer.put(layer, new Activation(ReportValues.number(fl.get("first")), ReportValues.number(fl.get("last"))));
      });
      activation.put(bits, byLayer);
    });
    Map<String, Weight> weight = new LinkedHashMap<>();
    ReportValues.map(m.get("weight")).forEach((layer, w) ->
        weight.put(layer, new Weight(ReportValues.number(ReportValues.map(w).get("mean_ratio")))));
    return new ScaleDrift(activation, weight);
  }
}
