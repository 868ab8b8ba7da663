package io.bitswitch.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lenient reading of report values, which may be what Jackson read from {@code report.json} or
 * Java objects a stage put in (any {@link Number}, {@link Map} or {@link List}): a value of the
 * wrong shape reads as absent (empty, NaN or null) rather than failing, so that a malformed field
 * still shows as data instead of breaking the page.
 */
final class ReportValues {
  private ReportValues() {}

  /** A value as a map with String keys ({@code String.valueOf}, insertion order kept), or empty. */
  static Map<String, Object> map(Object o) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (o instanceof Map<?, ?> m) {
      m.forEach((k, v) -> out.put(String.valueOf(k), v));
    }
    return out;
  }

  /** A value as a list of maps (elements that are not maps skipped), or empty. */
  static List<Map<String, Object>> maps(Object o) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (o instanceof List<?> list) {
      for (Object e : list) {
        if (e instanceof Map<?, ?>) {
          out.add(map(e));
        }
      }
    }
    return out;
  }

  /** A value as a double: any Number, or a numeric string; NaN otherwise. */
  static double number(Object o) {
    if (o instanceof Number n) {
      return n.doubleValue();
    }
    if (o instanceof String s) {
      try {
        return Double.parseDouble(s.trim());
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }
    return Double.NaN;
  }

  /** A bit-width key ({@code "8"}, or 8 from Java code) as an integer, or null. */
  static Integer bits(Object key) {
    try {
      return Integer.valueOf(String.valueOf(key).trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** {@code {"8": 0.91, ...}} as String keys and doubles in their order; entries without a number dropped. */
  static Map<String, Double> ratios(Object o) {
    Map<String, Double> out = new LinkedHashMap<>();
    map(o).forEach((k, v) -> {
      double d = number(v);
      if (Double.isFinite(d)) {
        out.put(k, d);
      }
    });
    return out;
  }

  /** A value as text, null when absent. */
  static String text(Object o) {
    return o == null ? null : String.valueOf(o);
  }

  /**
   * The first present value among {@code keys}: the report's snake_case key first, then the
   * camelCase key that files written before the one key style used (see
   * docs/design/architecture.md §5, "JSON key style").
   */
  static Object first(Map<String, Object> m, String... keys) {
    for (String k : keys) {
      if (m.get(k) != null) {
        return m.get(k);
      }
    }
    return null;
  }
}
