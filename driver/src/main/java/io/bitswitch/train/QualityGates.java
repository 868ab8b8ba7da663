package io.bitswitch.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The checks a newly trained bundle must pass before {@code latest} moves to it: a minimum test
 * accuracy per bit-width, and a largest allowed drop at any bit-width against the previously
 * published bundle's accuracies.
 */
public final class QualityGates {
  private QualityGates() {}

  /**
   * One check.
   *
   * @param name e.g. {@code min-accuracy[8]} or {@code max-regression[4]}
   * @param passed whether it passed
   * @param detail the numbers compared, as the report holds them ({@code 0.3750 >= 0.9900})
   * @param message the check in words, for the failure message ({@code accuracy at 2 bits needs ≥ 0.99, got 0.375})
   */
  public record Check(String name, boolean passed, String detail, String message) {}

  /**
   * All checks and their verdict.
   *
   * @param passed every check passed
   * @param checks in order: minimum accuracies, then regressions
   */
  public record Result(boolean passed, List<Check> checks) {
    /** The report's form: {@code {"passed": …, "checks": [{name, passed, detail}, …]}}. */
    public Map<String, Object> toReport() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("passed", passed);
      List<Map<String, Object>> list = new ArrayList<>();
      for (Check c : checks) {
        Map<String, Object> cm = new LinkedHashMap<>();
        cm.put("name", c.name());
        cm.put("passed", c.passed());
        cm.put("detail", c.detail());
        list.add(cm);
      }
      m.put("checks", list);
      return m;
    }

    /** The failed checks in words, separated by "; ". */
    public String failures() {
      StringBuilder sb = new StringBuilder();
      for (Check c : checks) {
        if (!c.passed()) {
          sb.append(sb.length() == 0 ? "" : "; ").append(c.message());
        }
      }
      return sb.toString();
    }
  }

  /**
   * Checks {@code accuracy} (bit-width → ratio).
   *
   * @param minAccuracy bit-width → minimum ratio; a gated bit-width missing from {@code accuracy}
   *     fails
   * @param previous accuracies of the previously published bundle, empty when there is none
   * @param maxRegression largest allowed drop (ratio) at any bit-width present in both
   */
  public static Result check(Map<String, Double> accuracy, Map<Integer, Double> minAccuracy,
      Map<String, Double> previous, double maxRegression) {
    List<Check> checks = new ArrayList<>();
    minAccuracy.forEach((bits, min) -> {
      Double acc = accuracy.get(Integer.toString(bits));
      boolean ok = acc != null && acc >= min;
      checks.add(new Check("min-accuracy[" + bits + "]", ok, acc == null ? "no accuracy at " + bits + " bits"
          : String.format(Locale.ROOT, "%.4f >= %.4f", acc, min),
          acc == null ? "accuracy at " + bits + " bits needs ≥ " + number(min) + ", got none (not evaluated)"
              : "accuracy at " + bits + " bits needs ≥ " + number(min) + ", got " + number(acc)));
    });
    accuracy.forEach((bits, acc) -> {
      Double before = previous.get(bits);
      if (before != null) {
        boolean ok = before - acc <= maxRegression;
        checks.add(new Check("max-regression[" + bits + "]", ok,
            String.format(Locale.ROOT, "%.4f -> %.4f, drop %.4f <= %.4f", before, acc, before - acc, maxRegression),
            "accuracy at " + bits + " bits may drop by ≤ " + number(maxRegression) + " from the previous bundle's "
                + number(before) + ", got " + number(acc) + " (a drop of " + number(before - acc) + ")"));
      }
    });
    return new Result(checks.stream().allMatch(Check::passed), checks);
  }

  /** A ratio for people: at most four decimals, no trailing zeros ({@code 0.375}, {@code 0.99}). */
  private static String number(double ratio) {
    return java.math.BigDecimal.valueOf(ratio).setScale(4, java.math.RoundingMode.HALF_UP).stripTrailingZeros()
        .toPlainString();
  }
}
