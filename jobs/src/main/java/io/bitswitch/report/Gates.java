package io.bitswitch.report;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The report's {@code gates}: the quality gates a newly trained bundle passed or failed before
 * {@code latest} moved (see docs/design/architecture.md).
 *
 * @param passed every check passed
 * @param checks in order: minimum accuracies, then regressions
 */
@JsonPropertyOrder({"passed", "checks"})
public record Gates(boolean passed, List<Check> checks) {
  /**
   * One check.
   *
   * @param name e.g. {@code min-accuracy[8]}
   * @param passed whether it passed
   * @param detail the numbers compared
   */
  @JsonPropertyOrder({"name", "passed", "detail"})
  public record Check(String name, boolean passed, String detail) {}

  /** Read leniently from the report's value; null when it has no boolean {@code passed}. */
  static Gates read(Object value) {
    if (value instanceof Gates g) {
      return g;
    }
    Map<String, Object> m = ReportValues.map(value);
    if (!(m.get("passed") instanceof Boolean passed)) {
      return null;
    }
    List<Check> checks = new ArrayList<>();
    for (Map<String, Object> c : ReportValues.maps(m.get("checks"))) {
      checks.add(new Check(String.valueOf(c.get("name")), Boolean.TRUE.equals(c.get("passed")),
          ReportValues.text(c.get("detail"))));
    }
    return new Gates(passed, checks);
  }
}
