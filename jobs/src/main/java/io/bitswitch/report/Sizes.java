package io.bitswitch.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The report's {@code sizes}: the stored bundle's tensor bytes, what the same model takes in FP32,
 * and the deployed size of each bit-width switched from it (absent for an FP32 bundle).
 *
 * @param bundleBytes tensor bytes of the stored bundle
 * @param fp32ModelBytes bytes of the same model in FP32
 * @param deployedBytes bit-width key ({@code "8"}) to deployed bytes, largest first; null for FP32
 */
@JsonPropertyOrder({"bundle_bytes", "fp32_model_bytes", "deployed_bytes"})
public record Sizes(@JsonProperty("bundle_bytes") long bundleBytes,
    @JsonProperty("fp32_model_bytes") long fp32ModelBytes,
    @JsonProperty("deployed_bytes") @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Long> deployedBytes) {

  /** The deployed bytes, empty for an FP32 bundle. */
  public Map<String, Long> deployed() {
    return deployedBytes == null ? Map.of() : deployedBytes;
  }

  /** The size at a bit-width key of the accuracy table: FP32 for {@code "32"}, else the deployed size; null if unknown. */
  public Long bytesAt(String bitsKey) {
    if (bitsKey.equals("32")) {
      return fp32ModelBytes > 0 ? fp32ModelBytes : null;
    }
    return deployed().get(bitsKey);
  }

  /** Read leniently from the report's value; null when it is not a map. */
  static Sizes read(Object value) {
    if (value instanceof Sizes s) {
      return s;
    }
    if (!(value instanceof Map<?, ?>)) {
      return null;
    }
    Map<String, Object> m = ReportValues.map(value);
    double bundle = ReportValues.number(m.get("bundle_bytes"));
    double fp32 = ReportValues.number(m.get("fp32_model_bytes"));
    Map<String, Long> deployed = null;
    if (m.get("deployed_bytes") instanceof Map<?, ?>) {
      deployed = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : ReportValues.map(m.get("deployed_bytes")).entrySet()) {
        double v = ReportValues.number(e.getValue());
        if (Double.isFinite(v)) {
          deployed.put(e.getKey(), (long) v);
        }
      }
    }
    return new Sizes(Double.isFinite(bundle) ? (long) bundle : -1, Double.isFinite(fp32) ? (long) fp32 : 0, deployed);
  }
}
