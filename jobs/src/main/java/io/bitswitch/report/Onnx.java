package io.bitswitch.report;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/**
 * The demo report's {@code onnx}: the ONNX model it exported.
 *
 * @param bits the uniform bit-width exported
 * @param path the local file
 * @param bytes its size
 * @param weights the ONNX weight types, {@code /}-separated
 */
@JsonPropertyOrder({"bits", "path", "bytes", "weights"})
public record Onnx(int bits, String path, long bytes, String weights) {
  /** Read leniently; null when the value has no bit-width. */
  static Onnx read(Object value) {
    if (value instanceof Onnx o) {
      return o;
    }
    Map<String, Object> m = ReportValues.map(value);
    double bits = ReportValues.number(m.get("bits"));
    if (!Double.isFinite(bits)) {
      return null;
    }
    double bytes = ReportValues.number(m.get("bytes"));
    return new Onnx((int) bits, ReportValues.text(m.get("path")), Double.isFinite(bytes) ? (long) bytes : -1,
        ReportValues.text(m.get("weights")));
  }
}
