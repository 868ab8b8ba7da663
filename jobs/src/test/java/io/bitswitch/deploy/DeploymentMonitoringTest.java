package io.bitswitch.deploy;

import static io.bitswitch.deploy.DeploymentFiles.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.bitswitch.cli.config.BitswitchConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The monitoring objects against the code: the PodMonitor scrapes the driver's metrics port, the
 * Grafana dashboard is a model with a Prometheus datasource variable, and the dashboard and the
 * alert rules query only metrics the code exports (the metrics module's
 * {@code MetricNames.exported()} when it is on the classpath, else the contract list below); a
 * misspelled metric is reported.
 */
class DeploymentMonitoringTest {
  /**
   * The bitswitch metrics of the contract (docs/design/architecture.md §6) and the ones the metrics
   * module adds (base learning rate, ND4J's off-heap bytes and their JavaCPP limit), with the type
   * that decides which series a query can select: a histogram is queried through its
   * _bucket/_sum/_count series, never by its base name. When the metrics module's
   * {@code io.bitswitch.metrics.MetricNames} is on the classpath, its list of what the registry
   * really serves is the allow-list, and these names must all be in it.
   */
  private static final Map<String, MetricType> BITSWITCH_METRICS = new TreeMap<>(Map.ofEntries(
      Map.entry("bitswitch_train_loss", MetricType.GAUGE),
      Map.entry("bitswitch_train_learning_rate", MetricType.GAUGE),
      Map.entry("bitswitch_eval_accuracy_ratio", MetricType.GAUGE),
      Map.entry("bitswitch_scale_learning_rate", MetricType.GAUGE),
      Map.entry("bitswitch_train_samples_total", MetricType.COUNTER),
      Map.entry("bitswitch_train_step_duration_seconds", MetricType.HISTOGRAM),
      Map.entry("bitswitch_hasb_layer_bits_total", MetricType.COUNTER),
      Map.entry("bitswitch_checkpoint_write_duration_seconds", MetricType.HISTOGRAM),
      Map.entry("bitswitch_checkpoint_size_bytes", MetricType.GAUGE),
      Map.entry("bitswitch_job_last_success_timestamp_seconds", MetricType.GAUGE),
      Map.entry("bitswitch_job_duration_seconds", MetricType.GAUGE),
      Map.entry("bitswitch_build_info", MetricType.GAUGE),
      Map.entry("bitswitch_offheap_bytes", MetricType.GAUGE),
      Map.entry("bitswitch_offheap_max_bytes", MetricType.GAUGE)));

  /**
   * Series of prometheus-metrics-instrumentation-jvm 1.x ({@code JvmMetrics}, which includes
   * {@code ProcessMetrics}) that the dashboard uses. jvm_gc_collection_seconds is a summary.
   */
  private static final Set<String> JVM_SERIES = Set.of(
      "jvm_memory_used_bytes", "jvm_memory_max_bytes",
      "jvm_gc_collection_seconds_count", "jvm_gc_collection_seconds_sum",
      "process_resident_memory_bytes");

  private static final Set<String> PROMQL_FUNCTIONS = Set.of(
      "abs", "absent", "absent_over_time", "avg", "avg_over_time", "bottomk", "ceil", "changes", "clamp",
      "clamp_max", "clamp_min", "count", "count_over_time", "count_values", "delta", "deriv", "exp", "floor",
      "group", "histogram_quantile", "idelta", "increase", "irate", "label_join", "label_replace",
      "last_over_time", "ln", "log10", "log2", "max", "max_over_time", "min", "min_over_time", "predict_linear",
      "quantile", "quantile_over_time", "rate", "resets", "round", "scalar", "sort", "sort_desc", "sqrt",
      "stddev", "stdvar", "sum", "sum_over_time", "time", "timestamp", "topk", "vector");
  private static final Set<String> PROMQL_KEYWORDS = Set.of(
      "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset");

  enum MetricType { GAUGE, COUNTER, HISTOGRAM }

  @BeforeAll
  static void loadEveryFile() throws IOException {
    DeploymentFiles.load();
  }

  // ---------------------------------------------------------------------------------------------
  // Monitoring

  @Test
  void podMonitorScrapesTheDriverMetricsPort() throws IOException {
    BitswitchConfig config = configMapConfig();
    Map<String, Object> monitor = map(single("PodMonitor").body().get("spec"), "PodMonitor spec");
    Map<String, Object> selector = map(path(monitor, "selector", "matchLabels"), "selector.matchLabels");
    List<Object> endpoints = list(monitor.get("podMetricsEndpoints"), "podMetricsEndpoints");
    assertEquals(1, endpoints.size());
    String portName = string(map(endpoints.get(0), "endpoint"), "port");

    Map<String, Object> configMapTemplate = map(yaml().load(configMapData().get("driver-pod-template.yaml")),
        "driver-pod-template.yaml");
    Map<String, Object> ssaDriverTemplate = map(path(ssaTemplate(), "driver", "template"), "driver.template");
    for (Map<String, Object> template : List.of(configMapTemplate, ssaDriverTemplate)) {
      // Spark labels every driver pod spark-role=driver on top of the template's labels.
      Map<String, Object> labels = new HashMap<>(map(path(template, "metadata", "labels"), "labels"));
      labels.put("spark-role", "driver");
      for (Map.Entry<String, Object> wanted : selector.entrySet()) {
        assertEquals(wanted.getValue(), labels.get(wanted.getKey()), () -> "driver pods carry " + wanted);
      }
      assertEquals(config.metrics().job(), labels.get(string(monitor, "jobLabel")),
          "the PodMonitor's job label is bitswitch.metrics.job, as on the pushed series");
      List<Object> ports = list(onlyContainer(spec(template), "driver template").get("ports"), "ports");
      Map<String, Object> port = ports.stream().map(p -> map(p, "port")).filter(p -> portName.equals(p.get("name")))
          .findFirst().orElseThrow(() -> new AssertionError("driver template has no port named " + portName));
      assertEquals(config.metrics().port(), port.get("containerPort"), "metrics port = bitswitch.metrics.port");
    }
  }

  @Test
  void dashboardIsAGrafanaModelWithAPrometheusDatasourceVariable() {
    assertFalse(dashboard.path("title").asText().isBlank(), "title");
    assertTrue(dashboard.path("uid").asText().matches("[A-Za-z0-9_-]{1,40}"), "uid");
    assertTrue(dashboard.path("schemaVersion").isInt(), "schemaVersion");
    JsonNode variables = dashboard.path("templating").path("list");
    JsonNode datasource = null;
    for (JsonNode variable : variables) {
      if (variable.path("type").asText().equals("datasource")) {
        datasource = variable;
      }
    }
    assertNotNull(datasource, "a datasource variable");
    assertEquals("prometheus", datasource.path("query").asText());
    String datasourceRef = "${" + datasource.path("name").asText() + "}";

    Set<Integer> ids = new LinkedHashSet<>();
    List<String> rows = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      String title = panel.path("title").asText();
      assertTrue(panel.path("id").isInt() && ids.add(panel.path("id").asInt()), () -> "unique id: " + title);
      JsonNode grid = panel.path("gridPos");
      for (String field : List.of("h", "w", "x", "y")) {
        assertTrue(grid.path(field).isInt(), () -> title + ": gridPos." + field);
      }
      assertTrue(grid.path("x").asInt() >= 0 && grid.path("x").asInt() + grid.path("w").asInt() <= 24,
          () -> title + ": inside the 24 columns");
      if (panel.path("type").asText().equals("row")) {
        rows.add(title);
        continue;
      }
      assertEquals("prometheus", panel.path("datasource").path("type").asText(), title);
      assertEquals(datasourceRef, panel.path("datasource").path("uid").asText(), title);
      assertTrue(panel.path("targets").size() > 0, () -> title + ": targets");
      for (JsonNode target : panel.path("targets")) {
        assertFalse(target.path("refId").asText().isBlank(), () -> title + ": refId");
        assertFalse(target.path("expr").asText().isBlank(), () -> title + ": expr");
      }
    }
    for (String row : List.of("Run health", "Optimisation per bit-width", "Quality per bit-width", "HASB draws",
        "Resources", "Artifacts")) {
      assertTrue(rows.stream().anyMatch(r -> r.startsWith(row)), () -> "a row '" + row + "' in " + rows);
    }
  }

  @Test
  void dashboardAndAlertsQueryOnlyExportedMetrics() {
    Set<String> exported = exportedSeries();
    Map<String, String> queries = queries();
    assertFalse(queries.isEmpty());
    Set<String> used = new TreeSet<>();
    for (Map.Entry<String, String> query : queries.entrySet()) {
      Set<String> names = metricNames(query.getValue());
      assertFalse(names.isEmpty(), () -> query.getKey() + " queries no metric: " + query.getValue());
      for (String name : names) {
        assertTrue(exported.contains(name), () -> query.getKey() + " queries " + name
            + ", which the code does not export: " + query.getValue());
      }
      used.addAll(names);
    }
    // Every metric of the contract is exported (when the code can say) and has a panel or an alert.
    for (String series : contractSeries()) {
      assertTrue(exported.contains(series), () -> series + " is in the contract but the code does not export it");
      if (series.startsWith("bitswitch_") && !series.endsWith("_sum") && !series.endsWith("_count")) {
        assertTrue(used.contains(series), () -> series + " is shown nowhere");
      }
    }
  }

  @Test
  void alertsUseTheJobOfTheConfiguration() throws IOException {
    String job = configMapConfig().metrics().job();
    for (Map.Entry<String, String> query : queries().entrySet()) {
      if (query.getKey().startsWith("k8s/prometheusrule.yaml")) {
        Matcher m = Pattern.compile("\\bjob\\s*=\\s*\"([^\"]*)\"").matcher(query.getValue());
        assertTrue(m.find(), () -> query.getKey() + " selects a job");
        do {
          assertEquals(job, m.group(1), query.getKey());
        } while (m.find());
      }
    }
  }

  @Test
  void aMisspelledMetricIsReported() {
    Set<String> exported = exportedSeries();
    // A histogram has no series under its base name.
    assertFalse(exported.contains("bitswitch_train_step_duration_seconds"));
    assertEquals(Set.of("bitswitch_train_sample_total"),
        metricNames("sum(rate(bitswitch_train_sample_total{job=~\"$job\"}[$__rate_interval]))"));
    assertFalse(exported.contains("bitswitch_train_sample_total"));
    assertEquals(Set.of("bitswitch_eval_accuracy_ratio"), metricNames(
        "max by (bits) (bitswitch_eval_accuracy_ratio{job=~\"$job\", bits=~\"$bits\"}) - ignoring (bits) group_left () "
            + "max(bitswitch_eval_accuracy_ratio{bits=\"8\"}) > 1e-3"));
    // A misspelled function is no function: it shows up as an unknown metric.
    assertEquals(Set.of("rtae", "bitswitch_train_samples_total"),
        metricNames("rtae(bitswitch_train_samples_total[5m])"));
  }

  // ---------------------------------------------------------------------------------------------
  // Metrics and queries

  /** What queries may select: the metrics module's own list when present, else the contract. */
  private static Set<String> exportedSeries() {
    return exportedByTheCode().orElseGet(DeploymentMonitoringTest::contractSeries);
  }

  /** The series of {@link #BITSWITCH_METRICS} and {@link #JVM_SERIES}. */
  private static Set<String> contractSeries() {
    Set<String> series = new TreeSet<>(JVM_SERIES);
    BITSWITCH_METRICS.forEach((name, type) -> {
      if (type == MetricType.HISTOGRAM) {
        series.addAll(List.of(name + "_bucket", name + "_sum", name + "_count"));
      } else {
        series.add(name);
      }
    });
    return series;
  }

  /** Every series name the metrics registry serves ({@link io.bitswitch.metrics.MetricNames#exported()}). */
  private static Optional<Set<String>> exportedByTheCode() {
    return Optional.of(Set.copyOf(io.bitswitch.metrics.MetricNames.exported()));
  }

  /** Every PromQL query of the dashboard (panels and variables) and of the alert rules, by where it is. */
  private static Map<String, String> queries() {
    Map<String, String> queries = new LinkedHashMap<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        queries.put("panel '" + panel.path("title").asText() + "' " + target.path("refId").asText(),
            target.path("expr").asText());
      }
    }
    Pattern labelValues = Pattern.compile("label_values\\((.*),\\s*[A-Za-z_][A-Za-z0-9_]*\\)");
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (!variable.path("type").asText().equals("query")) {
        continue;
      }
      JsonNode query = variable.path("query");
      String text = query.isObject() ? query.path("query").asText() : query.asText();
      if (variable.has("definition")) {
        // What Grafana shows as the variable's query; it must not tell a different story.
        assertEquals(text, variable.path("definition").asText(), "definition of variable " + variable.path("name"));
      }
      Matcher m = labelValues.matcher(text);
      assertTrue(m.matches(),
          () -> "variable " + variable.path("name").asText() + ": label_values(<selector>, <label>)");
      queries.put("variable " + variable.path("name").asText(), m.group(1));
    }
    Manifest rules = single("PrometheusRule");
    for (Object g : list(path(rules.body(), "spec", "groups"), "groups")) {
      for (Object r : list(map(g, "group").get("rules"), "rules")) {
        Map<String, Object> rule = map(r, "rule");
        queries.put(rules.file() + " " + rule.getOrDefault("alert", rule.get("record")), string(rule, "expr"));
      }
    }
    return queries;
  }

  /**
   * The metric names a PromQL expression selects: identifiers outside strings, label matchers,
   * ranges and grouping clauses (removed whole, so that {@code sum by (x) (...)} reads as a call of
   * sum) that are neither keywords nor PromQL functions. An identifier
   * followed by "(" that is not a known function is reported as a name too, so that it fails the
   * allow-list instead of passing unnoticed.
   */
  static Set<String> metricNames(String expr) {
    String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'", " ")
        .replaceAll("\\$\\{[^}]*}|\\$[A-Za-z_][A-Za-z0-9_]*", " ")
        .replaceAll("\\{[^}]*}", " ")
        .replaceAll("\\[[^\\]]*\\]", " ")
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    Matcher m = Pattern.compile("\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?[a-z]*|([A-Za-z_:][A-Za-z0-9_:]*)(\\s*\\()?")
        .matcher(s);
    Set<String> names = new LinkedHashSet<>();
    while (m.find()) {
      String identifier = m.group(1);
      if (identifier == null || PROMQL_KEYWORDS.contains(identifier)) {
        continue;
      }
      boolean call = m.group(2) != null;
      if (!(call && PROMQL_FUNCTIONS.contains(identifier))) {
        names.add(identifier);
      }
    }
    return names;
  }
}
