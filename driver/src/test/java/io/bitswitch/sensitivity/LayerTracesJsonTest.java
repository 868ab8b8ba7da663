package io.bitswitch.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The JSON form of layer traces ({@code sensitivity.json}, a manifest's {@code sensitivity}
 * section): snake_case keys, and the camelCase keys of older files still read
 * (docs/design/architecture.md §5).
 */
class LayerTracesJsonTest {
  private static final LayerTraces RESULT = new LayerTraces("fmnist-cnn", "fp32", 512,
      2, 7, 30, 100, 1e-3, true, 1e-3, 4e-5, List.of(
          new LayerTraces.Layer("conv2", 18432, 1.2, 6.5e-5, 0.2, 30, "sensitive"),
          new LayerTraces.Layer("fc1", 401408, 6.0, 1.5e-5, 0.5, 30, "insensitive")));

  @Test
  void writtenInSnakeCaseAndReadBack() {
    Map<String, Object> json = RESULT.toJson();
    assertTrue(json.containsKey("max_probes") && json.containsKey("mean_trace_per_param"), json::toString);
    Map<?, ?> layer = (Map<?, ?>) ((List<?>) json.get("layers")).get(0);
    assertEquals(List.of("name", "params", "trace", "trace_per_param", "std_error", "probes", "samples", "class"),
        List.copyOf(layer.keySet()));
    assertEquals(RESULT, LayerTraces.fromJson(json, "test"));
  }

  @Test
  void olderCamelCaseResultsRead() {
    Map<String, Object> json = new LinkedHashMap<>(RESULT.toJson());
    json.put("maxProbes", json.remove("max_probes"));
    json.put("meanTracePerParam", json.remove("mean_trace_per_param"));
    List<Map<String, Object>> layers = new java.util.ArrayList<>();
    for (Object o : (List<?>) json.get("layers")) {
      Map<String, Object> l = new LinkedHashMap<>();
      ((Map<?, ?>) o).forEach((k, v) -> l.put(String.valueOf(k), v));
      l.put("tracePerParam", l.remove("trace_per_param"));
      l.put("stdError", l.remove("std_error"));
      layers.add(l);
    }
    json.put("layers", layers);
    assertEquals(RESULT, LayerTraces.fromJson(json, "an older sensitivity.json"));
  }
}
