package io.bitswitch.report;

import java.util.Locale;

/** Text helpers of the report page: HTML escaping and number formats. */
final class Html {
  private Html() {}

  /** HTML text escaping for element content and double-quoted attributes. */
  static String escape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** A count such as params or probes as a whole number, empty when absent (NaN). */
  static String integer(double v) {
    return Double.isFinite(v) ? Long.toString(Math.round(v)) : "";
  }

  /** {@code v} in {@code format}, empty when absent (NaN). */
  static String sci(double v, String format) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : "";
  }

  /** A large count with an SI prefix, {@code 57.8 M}; empty when absent. */
  static String si(double v) {
    if (!Double.isFinite(v)) {
      return "";
    }
    String[] prefixes = {"", " k", " M", " G", " T", " P"};
    int i = 0;
    double x = v;
    while (Math.abs(x) >= 1000 && i < prefixes.length - 1) {
      x /= 1000;
      i++;
    }
    return i == 0 ? String.format(Locale.ROOT, "%.0f", x) : String.format(Locale.ROOT, "%.1f%s", x, prefixes[i]);
  }

  /** A ratio as a percentage with two decimals, {@code 91.31 %}. */
  static String percent(double ratio) {
    return String.format(Locale.ROOT, "%.2f %%", 100 * ratio);
  }

  /** A bit-width's label: {@code FP32} for 32, else {@code 8-bit}. */
  static String label(int bits) {
    return bits == 32 ? "FP32" : bits + "-bit";
  }
}
