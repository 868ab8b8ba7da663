package io.bitswitch.deploy;

import static io.bitswitch.deploy.DeploymentFiles.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.cli.BitswitchCli;
import java.io.IOException;
import java.nio.file.Files;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes objects of {@code k8s/}: every file parses into objects of the bitswitch
 * namespace, once each; image, jar and main class agree across the CronJob, the
 * ScheduledSparkApplication and the Dockerfile; both schedules forbid overlapping runs; and the
 * driver's service account may manage its pods.
 */
class DeploymentObjectsTest {
  @BeforeAll
  static void loadEveryFile() throws IOException {
    DeploymentFiles.load();
  }

  // ---------------------------------------------------------------------------------------------
  // Files and objects

  @Test
  void everyManifestIsAKubernetesObjectInTheBitswitchNamespace() {
    assertFalse(manifests.isEmpty());
    Set<String> names = new TreeSet<>();
    for (Manifest m : manifests) {
      assertTrue(string(m.body(), "apiVersion").contains("v1"), () -> m + ": apiVersion");
      assertFalse(m.kind().isBlank(), () -> m + ": kind");
      assertFalse(m.name().isBlank(), () -> m + ": metadata.name");
      if (m.kind().equals("Namespace")) {
        assertEquals(NAMESPACE, m.name());
      } else if (!m.kind().equals("Kustomization")) {
        // Every object but the Kustomization, which is no object but sets the others' namespace.
        assertEquals(NAMESPACE, string(m.body(), "metadata", "namespace"), () -> m + ": metadata.namespace");
      }
      assertTrue(names.add(m.kind() + "/" + m.name()), () -> m + " is defined twice");
    }
    for (String kind : List.of("Namespace", "Role", "RoleBinding", "ConfigMap", "CronJob",
        "ScheduledSparkApplication", "PodMonitor", "PrometheusRule")) {
      assertEquals(1, manifests.stream().filter(m -> m.kind().equals(kind)).count(), () -> "one " + kind + " in k8s/");
    }
    assertEquals("batch/v1", string(single("CronJob").body(), "apiVersion"));
    assertEquals("sparkoperator.k8s.io/v1beta2", string(single("ScheduledSparkApplication").body(), "apiVersion"));
    assertEquals("monitoring.coreos.com/v1", string(single("PodMonitor").body(), "apiVersion"));
  }

  @Test
  void theLoaderRefusesDuplicateKeys() {
    // The loader refuses duplicate keys (the last one would silently win); prove that it does.
    String duplicated = "kind: CronJob\nspec:\n  concurrencyPolicy: Forbid\n  concurrencyPolicy: Allow\n";
    assertThrows(RuntimeException.class, () -> yaml().loadAll(duplicated).forEach(d -> { }));
  }

  // ---------------------------------------------------------------------------------------------
  // Image, jar, main class

  @Test
  void imageJarAndMainClassAgreeAcrossFiles() {
    String jar = "bitswitch-jobs-" + projectVersion() + "-spark.jar";
    String jarInImage = JAR_DIR + jar;
    String mainClass = BitswitchCli.class.getName();

    // Dockerfile: official Spark base image of the Spark the jar is built with, the jar copied in.
    List<String> from = dockerInstructions("FROM");
    assertEquals(1, from.size(), "one FROM");
    String sparkVersion = org.apache.spark.package$.MODULE$.SPARK_VERSION();
    String base = from.get(0).replaceFirst("^--platform=\\S+\\s+", "");
    assertTrue(base.matches("apache/spark:" + Pattern.quote(sparkVersion) + "-scala2\\.13-java17-[a-z0-9.-]+"),
        () -> "FROM an official apache/spark image of Spark " + sparkVersion + " for Java 17, got " + from.get(0));
    List<String> copies = dockerInstructions("COPY");
    assertTrue(copies.stream().anyMatch(c -> tokens(c).equals(
        List.of("--chmod=644", "jobs/target/" + jar, jarInImage))), () -> "COPY of jobs/target/" + jar + ": " + copies);
    Matcher tag = Pattern.compile("docker build .*-t (\\S+) \\.").matcher(dockerfile);
    assertTrue(tag.find(), "the Dockerfile documents its build command with -t <image>");
    String image = tag.group(1);

    Map<String, Object> container = onlyContainer(cronJobPod(), "CronJob");
    assertEquals(image, string(container, "image"), "CronJob container image");
    Submission submission = cronJobSubmission();
    assertEquals(image, submission.sparkProperties().get("spark.kubernetes.container.image"),
        "CronJob spark.kubernetes.container.image");
    assertEquals("local://" + jarInImage, submission.primaryResource());
    assertEquals(mainClass, submission.mainClass());

    Map<String, Object> app = ssaTemplate();
    assertEquals(image, string(app, "image"), "ScheduledSparkApplication image");
    assertEquals("local://" + jarInImage, string(app, "mainApplicationFile"));
    assertEquals(mainClass, string(app, "mainClass"));
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduling and RBAC

  @Test
  void schedulesForbidOverlappingRuns() {
    Map<String, Object> cron = map(single("CronJob").body().get("spec"), "CronJob spec");
    Map<String, Object> scheduled = map(single("ScheduledSparkApplication").body().get("spec"), "SSA spec");
    assertEquals("Forbid", cron.get("concurrencyPolicy"), "CronJob concurrencyPolicy");
    assertEquals("Forbid", scheduled.get("concurrencyPolicy"), "ScheduledSparkApplication concurrencyPolicy");
    assertEquals(cron.get("schedule"), scheduled.get("schedule"));
    assertEquals(cron.get("timeZone"), scheduled.get("timeZone"));
    ZoneId.of(string(cron, "timeZone"));
    for (String limit : List.of("successfulJobsHistoryLimit", "failedJobsHistoryLimit")) {
      assertInstanceOf(Integer.class, cron.get(limit), limit);
    }
    for (String limit : List.of("successfulRunHistoryLimit", "failedRunHistoryLimit")) {
      assertInstanceOf(Integer.class, scheduled.get(limit), limit);
    }
    // A retry resumes the run (--resume-if-unfinished, DeploymentSubmissionTest); the fixed driver
    // pod name and the run lock keep it from running next to a live driver.
    assertTrue(integer(cron, "jobTemplate", "spec", "backoffLimit") > 0, "a killed run is retried");
    assertEquals("Never", string(cronJobPod(), "restartPolicy"));
  }

  @Test
  void driverServiceAccountMayManageItsPods() {
    String account = string(cronJobPod(), "serviceAccountName");
    assertEquals(account,
        cronJobSubmission().sparkProperties().get("spark.kubernetes.authenticate.driver.serviceAccountName"));
    assertEquals(account, string(ssaTemplate(), "driver", "serviceAccount"));
    assertTrue(manifests.stream().anyMatch(m -> m.kind().equals("ServiceAccount") && m.name().equals(account)),
        () -> "a ServiceAccount " + account);

    Map<String, Object> binding = single("RoleBinding").body();
    List<Object> subjects = list(binding.get("subjects"), "RoleBinding subjects");
    assertTrue(subjects.stream().map(s -> map(s, "subject")).anyMatch(s -> "ServiceAccount".equals(s.get("kind"))
        && account.equals(s.get("name")) && NAMESPACE.equals(s.get("namespace"))), "RoleBinding binds " + account);
    assertEquals("Role", string(binding, "roleRef", "kind"));
    Manifest role = single("Role");
    assertEquals(role.name(), string(binding, "roleRef", "name"));

    Map<String, Set<String>> granted = new HashMap<>();
    for (Object r : list(role.body().get("rules"), "Role rules")) {
      Map<String, Object> rule = map(r, "rule");
      if (strings(rule.get("apiGroups"), "apiGroups").contains("")) {
        for (String resource : strings(rule.get("resources"), "resources")) {
          granted.computeIfAbsent(resource, k -> new TreeSet<>()).addAll(strings(rule.get("verbs"), "verbs"));
        }
      }
    }
    for (String resource : List.of("pods", "services", "configmaps")) {
      Set<String> verbs = granted.getOrDefault(resource, Set.of());
      assertTrue(verbs.containsAll(List.of("create", "get", "list", "watch", "delete")),
          () -> "the Role lets the driver manage " + resource + ": " + granted);
    }
  }
}
