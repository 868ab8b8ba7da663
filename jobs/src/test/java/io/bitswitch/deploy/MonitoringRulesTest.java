package io.bitswitch.deploy;

import static io.bitswitch.deploy.DeploymentFiles.list;
import static io.bitswitch.deploy.DeploymentFiles.map;
import static io.bitswitch.deploy.DeploymentFiles.maps;
import static io.bitswitch.deploy.DeploymentFiles.path;
import static io.bitswitch.deploy.DeploymentFiles.single;
import static io.bitswitch.deploy.DeploymentFiles.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.bitswitch.testing.RequiredPackages;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alerts of {@code k8s/prometheusrule.yaml} and the dashboard's queries mean what
 * docs/OPERATIONS.md says: every alert links a runbook section that exists, the rule groups pass
 * {@code promtool check rules}, promtool's rule unit tests ({@code prometheusrule-tests.yaml})
 * show each alert firing on its cause and not on look-alikes, alerts on pushed series select the
 * nightly {@code train}'s push, and the dashboard's rate() and increase() leave the Pushgateway's
 * copies out.
 */
class MonitoringRulesTest {
  /** promtool comes with Debian's prometheus package, which bin/test installs. */
  static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  static final Set<String> ALERTS = Set.of("BitswitchRetrainingStale", "BitswitchRetrainingNeverSucceeded",
      "BitswitchQualityGatesFailed", "BitswitchRetrainingTooLong", "BitswitchOffHeapMemoryNearLimit");
  /** Series that exist only as pushed copies: an alert on them must say which command's push it means. */
  static final Set<String> PUSHED_ONLY = Set.of("bitswitch_job_last_success_timestamp_seconds",
      "bitswitch_job_last_failure_timestamp_seconds", "bitswitch_gates_passed");
  private static final Pattern RUNBOOK = Pattern.compile("https://\\S+/docs/OPERATIONS\\.md#([a-z0-9-]+)");

  @TempDir static Path work;
  static List<Map<String, Object>> groups;
  static Map<String, Map<String, Object>> alerts;

  @BeforeAll
  static void loadRules() throws IOException {
    DeploymentFiles.load();
    var rule = single("k8s/prometheusrule.yaml", "PrometheusRule");
    groups = maps(path(rule.body(), "spec", "groups"), "spec.groups");
    alerts = new LinkedHashMap<>();
    for (Map<String, Object> group : groups) {
      for (Map<String, Object> r : maps(group.get("rules"), "rules")) {
        if (r.get("alert") instanceof String name) {
          alerts.put(name, r);
        }
      }
    }
  }

  @Test
  void theAlertsOfTheRunbookExist() {
    assertTrue(alerts.keySet().containsAll(ALERTS), () -> "alerts " + alerts.keySet() + " lack some of " + ALERTS);
  }

  @Test
  void everyAlertLinksARunbookSectionThatExists() throws IOException {
    Set<String> anchors = headingAnchors(Files.readString(
        DeploymentFiles.repo.resolve("docs/OPERATIONS.md"), StandardCharsets.UTF_8));
    Set<String> linked = new TreeSet<>();
    for (Map.Entry<String, Map<String, Object>> alert : alerts.entrySet()) {
      Object url = path(alert.getValue(), "annotations", "runbook_url");
      assertTrue(url instanceof String, () -> alert.getKey() + " has an annotation runbook_url");
      Matcher m = RUNBOOK.matcher((String) url);
      assertTrue(m.matches(), () -> alert.getKey() + ": runbook_url into docs/OPERATIONS.md#<anchor>, got " + url);
      assertTrue(anchors.contains(m.group(1)),
          () -> alert.getKey() + ": docs/OPERATIONS.md has no heading #" + m.group(1) + "; anchors: " + anchors);
      assertTrue(linked.add(m.group(1)), () -> alert.getKey() + " shares its runbook section with another alert");
    }
  }

  @Test
  void githubAnchorsAreComputedAsGithubDoes() {
    assertEquals(Set.of("title", "bitswitchretrainingstale", "checking-the-deployment", "metrics-and-what-they-mean"),
        headingAnchors("# Title\n### BitswitchRetrainingStale\n## Checking the deployment\n"
            + "## Metrics, and what they mean\n```\n# not a heading\n```\n"));
  }

  @Test
  void alertsOnPushedSeriesSelectTheNightlyTrain() {
    for (Map.Entry<String, Map<String, Object>> alert : alerts.entrySet()) {
      String expr = (String) alert.getValue().get("expr");
      for (String series : PUSHED_ONLY) {
        Matcher m = Pattern.compile(Pattern.quote(series) + "\\{([^}]*)}").matcher(expr);
        while (m.find()) {
          String selector = m.group(1);
          assertTrue(selector.matches(".*\\bcommand=\"train\".*"),
              () -> alert.getKey() + ": " + series + " without command=\"train\" would count an ad-hoc evaluate: "
                  + expr);
        }
      }
    }
  }

  @Test
  void dashboardRatesReadTheLiveSeriesOnly() {
    JsonNode dashboard = DeploymentFiles.dashboard;
    int rates = 0;
    Pattern selector = Pattern.compile("(?:rate|increase)\\(\\s*[A-Za-z_:][A-Za-z0-9_:]*\\{([^}]*)}");
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        String expr = target.path("expr").asText();
        Matcher m = selector.matcher(expr);
        while (m.find()) {
          rates++;
          String labels = m.group(1);
          for (String matcher : List.of("command=\"\"", "exported_job=\"\"")) {
            assertTrue(labels.contains(matcher), () -> "panel '" + panel.path("title").asText() + "': " + matcher
                + " keeps the Pushgateway's copies out of " + expr);
          }
        }
      }
    }
    assertTrue(rates > 0, "the dashboard has rate() panels");
  }

  @Test
  void theRuleGroupsPassPromtoolCheck() throws Exception {
    Path rules = writeGroups("check.yaml", false);
    Result result = promtool("check", "rules", rules.toString());
    assertEquals(0, result.exit(), () -> "promtool check rules k8s/prometheusrule.yaml (spec.groups):\n" + result.output());
    assertTrue(result.output().contains("SUCCESS"), result::output);
  }

  @Test
  void theAlertsFireOnTheirCauseAndNotOnLookAlikes() throws Exception {
    // Annotations are text for people (checked above for their runbook links); promtool's unit tests
    // compare them literally, so the tests run on the rules without them and check when alerts fire.
    writeGroups("rules.yaml", true);
    Path tests = work.resolve("prometheusrule-tests.yaml");
    try (InputStream in = MonitoringRulesTest.class.getResourceAsStream("prometheusrule-tests.yaml")) {
      assertTrue(in != null, "prometheusrule-tests.yaml next to this class in the test resources");
      Files.copy(in, tests);
    }
    Result result = promtool("test", "rules", tests.toString());
    assertEquals(0, result.exit(), () -> "promtool test rules:\n" + result.output());
  }

  @Test
  void aBrokenExpressionFailsPromtoolCheck() throws Exception {
    Path broken = work.resolve("broken.yaml");
    Files.writeString(broken, "groups:\n  - name: broken\n    rules:\n      - alert: Broken\n"
        + "        expr: max(bitswitch_gates_passed{job=\"x\"} == 0\n");
    Result result = promtool("check", "rules", broken.toString());
    assertTrue(result.exit() != 0, result::output);
  }

  /** The rule groups as a Prometheus rule file ({@code groups:} at the top), optionally without annotations. */
  private static Path writeGroups(String name, boolean withoutAnnotations) throws IOException {
    List<Object> copy = new ArrayList<>();
    for (Map<String, Object> group : groups) {
      Map<String, Object> g = new LinkedHashMap<>(group);
      List<Object> rules = new ArrayList<>();
      for (Object r : list(group.get("rules"), "rules")) {
        Map<String, Object> rule = new LinkedHashMap<>(map(r, "rule"));
        if (withoutAnnotations) {
          rule.remove("annotations");
        }
        rules.add(rule);
      }
      g.put("rules", rules);
      copy.add(g);
    }
    Path file = work.resolve(name);
    Files.writeString(file, yaml().dump(Map.of("groups", copy)));
    return file;
  }

  record Result(int exit, String output) {}

  private static Result promtool(String... args) throws IOException, InterruptedException {
    if (!Files.isExecutable(PROMTOOL)) {
      fail(RequiredPackages.notFound("prometheus", PROMTOOL) + "; " + RequiredPackages.REMEDY);
    }
    List<String> command = new ArrayList<>(List.of(PROMTOOL.toString()));
    command.addAll(List.of(args));
    Path log = Files.createTempFile(work, "promtool", ".log");
    Process process = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      fail("promtool " + String.join(" ", args) + " did not finish within 60 s: " + Files.readString(log));
    }
    return new Result(process.exitValue(), Files.readString(log));
  }

  /** GitHub's anchors of the Markdown headings of {@code markdown} (outside code fences). */
  static Set<String> headingAnchors(String markdown) {
    Set<String> anchors = new TreeSet<>();
    boolean fenced = false;
    for (String line : markdown.lines().toList()) {
      if (line.startsWith("```")) {
        fenced = !fenced;
      } else if (!fenced && line.matches("#{1,6} .*")) {
        String text = line.replaceFirst("#{1,6} ", "").strip().toLowerCase(Locale.ROOT);
        anchors.add(text.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
      }
    }
    return anchors;
  }
}
