package io.bitswitch.report;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The conventions a run's numbers were measured under, the last fields of {@code report.json}
 * (docs/design/method.md explains each). A component is null when a report read back lacks it.
 *
 * @param seed {@code seed}
 * @param quantizeFirstLast {@code quantize_first_last}
 * @param updateMode {@code update_mode}: how the precisions' gradients are combined
 * @param warmupSteps {@code warmup_steps}: steps of learning-rate warm-up at the start of joint training
 * @param alrs {@code alrs}: whether the scale learning rate is adapted per precision
 * @param scaleParam {@code scale_param}: how the scales are parameterised
 * @param distill {@code distill}: in-place distillation or none
 * @param weightInit {@code weight_init}
 */
public record Conventions(Long seed, Boolean quantizeFirstLast, String updateMode, Integer warmupSteps, Boolean alrs,
    String scaleParam, String distill, String weightInit) {
  /** The report keys, in the order they are written. */
  static final java.util.List<String> KEYS = java.util.List.of("seed", "quantize_first_last", "update_mode",
      "warmup_steps", "alrs", "scale_param", "distill", "weight_init");

  /** The report fields, in order; absent components are left out. */
  Map<String, Object> toFields() {
    Map<String, Object> m = new LinkedHashMap<>();
    Object[] values = {seed, quantizeFirstLast, updateMode, warmupSteps, alrs, scaleParam, distill, weightInit};
    for (int i = 0; i < values.length; i++) {
      if (values[i] != null) {
        m.put(KEYS.get(i), values[i]);
      }
    }
    return m;
  }

  /** From a report's top-level fields; keys that are absent or of another type read as null. */
  static Conventions read(Map<String, Object> report) {
    Object seed = report.get("seed");
    Object warmup = report.get("warmup_steps");
    return new Conventions(seed instanceof Number n ? n.longValue() : null,
        flag(report.get("quantize_first_last")), string(report.get("update_mode")),
        warmup instanceof Number w ? w.intValue() : null, flag(report.get("alrs")),
        string(report.get("scale_param")), string(report.get("distill")), string(report.get("weight_init")));
  }

  private static Boolean flag(Object o) {
    return o instanceof Boolean b ? b : null;
  }

  private static String string(Object o) {
    return o instanceof String s ? s : null;
  }
}
