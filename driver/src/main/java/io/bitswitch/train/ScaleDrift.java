package io.bitswitch.train;

import io.bitswitch.model.ParamLayout;
import io.bitswitch.model.ParamLayout.Kind;
import io.bitswitch.model.ParamLayout.Segment;
import io.bitswitch.model.QuantizationPlan.LayerInfo;
import io.bitswitch.model.QuantizedGraph;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How far training moved the quantization scales, for {@code report.json}: whether a precision's
 * scales were learned at all or stayed where they were initialised is what ALRS decides.
 */
final class ScaleDrift {
  private ScaleDrift() {}

  /**
   * {@code {"activation": {bits: {layer: {"first": a, "last": a'}}}, "weight": {layer: {"mean_ratio":
   * mean(s'_c / s_c)}}}} between {@code before} and {@code after}; empty for an FP32 model.
   */
  static Map<String, Object> of(QuantizedGraph graph, float[] before, float[] after) {
    ParamLayout layout = graph.layout();
    if (!layout.quantized()) {
      return Map.of();
    }
    Map<String, Object> activation = new LinkedHashMap<>();
    for (int b : layout.precisions()) {
      Map<String, Object> layers = new LinkedHashMap<>();
      for (LayerInfo l : graph.quantizedLayers()) {
        int i = layout.get(l.name(), Kind.ACT_SCALE, b).offset();
        Map<String, Object> drift = new LinkedHashMap<>();
        drift.put("first", (double) before[i]);
        drift.put("last", (double) after[i]);
        layers.put(l.name(), drift);
      }
      activation.put(Integer.toString(b), layers);
    }
    Map<String, Object> weight = new LinkedHashMap<>();
    for (LayerInfo l : graph.quantizedLayers()) {
      Segment s = layout.get(l.name(), Kind.WEIGHT_SCALE, 0);
      double ratio = 0;
      for (int i = s.offset(); i < s.offset() + s.length(); i++) {
        ratio += after[i] / (double) before[i];
      }
      weight.put(l.name(), Map.of("mean_ratio", ratio / s.length()));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("activation", activation);
    out.put("weight", weight);
    return out;
  }
}
