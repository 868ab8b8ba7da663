package io.bitswitch.deploy;

import static io.bitswitch.deploy.DeploymentFiles.cronJobPod;
import static io.bitswitch.deploy.DeploymentFiles.list;
import static io.bitswitch.deploy.DeploymentFiles.manifests;
import static io.bitswitch.deploy.DeploymentFiles.map;
import static io.bitswitch.deploy.DeploymentFiles.maps;
import static io.bitswitch.deploy.DeploymentFiles.onlyContainer;
import static io.bitswitch.deploy.DeploymentFiles.path;
import static io.bitswitch.deploy.DeploymentFiles.single;
import static io.bitswitch.deploy.DeploymentFiles.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.deploy.DeploymentFiles.Manifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hardening of the deployment in {@code k8s/} (docs/OPERATIONS.md), on the parsed YAML:
 * images named by digest or git SHA through the kustomization, never by a mutable tag; the
 * Dockerfile's downloads checksummed and its platform fixed; every pod (the CronJob's submitter,
 * the driver and executor pod templates of both schedules) on amd64 nodes and at the "restricted"
 * Pod Security level; the CronJob bounded in time, without overlap, with one driver pod name per
 * run that it deletes when the run ends; executors under a ServiceAccount without API rights; the
 * Role limited to what Spark's driver manages; and the kustomization setting image, namespace and
 * configuration in one place.
 */
class KubernetesHardeningTest {
  static final String PLACEHOLDER_IMAGE = "bitswitch-jobs";
  static final String EXECUTOR_ACCOUNT = "bitswitch-executor";
  /** What Spark on Kubernetes manages in its namespace, and the verbs it uses on them. */
  static final Set<String> SPARK_RESOURCES = Set.of("pods", "services", "configmaps", "persistentvolumeclaims");
  static final Set<String> SPARK_VERBS = Set.of("get", "list", "watch", "create", "patch", "delete",
      "deletecollection");
  static final Path KUBECTL = Path.of("/usr/bin/kubectl");

  @TempDir static Path work;
  static Path k8s;

  @BeforeAll
  static void load() throws IOException {
    DeploymentFiles.load();
    k8s = DeploymentFiles.repo.resolve("k8s");
  }

  // ---------------------------------------------------------------------------------------------
  // Images

  /** A reference that names one image for good: by digest, or by a full git SHA as its tag. */
  static boolean immutable(String image) {
    return image.matches("[^@\\s]+@sha256:[0-9a-f]{64}") || image.matches("[^@:\\s]+(:\\d+)?/[^@:\\s]+:[0-9a-f]{40}");
  }

  @Test
  void immutableMeansDigestOrGitSha() {
    assertTrue(immutable("registry.example.com/bitswitch/bitswitch-jobs@sha256:" + "ab".repeat(32)));
    assertTrue(immutable("registry.example.com/bitswitch/bitswitch-jobs:" + "0123456789abcdef0123".repeat(2)));
    assertTrue(immutable("registry.example.com:5000/bitswitch/bitswitch-jobs:" + "0123456789abcdef0123".repeat(2)));
    assertFalse(immutable("registry.example.com/bitswitch/bitswitch-jobs:latest"));
    assertFalse(immutable("registry.example.com/bitswitch/bitswitch-jobs:0.1.0-SNAPSHOT"));
    assertFalse(immutable("registry.example.com/bitswitch/bitswitch-jobs"));
    assertFalse(immutable("registry.example.com/bitswitch/bitswitch-jobs:0123456"), "a short SHA can be ambiguous");
  }

  @Test
  void manifestsNameThePlaceholderThatTheKustomizationPinsToADigestOrSha() {
    for (Map.Entry<String, Map<String, Object>> pod : pods().entrySet()) {
      for (Map<String, Object> container : maps(pod.getValue().get("containers"), pod.getKey() + " containers")) {
        Object image = container.get("image");
        assertTrue(image == null || PLACEHOLDER_IMAGE.equals(image),
            () -> pod.getKey() + ": container image " + image + "; name the placeholder " + PLACEHOLDER_IMAGE
                + " (or none in a Spark template, where Spark sets it), which the kustomization pins");
      }
    }
    assertEquals(PLACEHOLDER_IMAGE, path(ssa().body(), "spec", "template", "image"), "ScheduledSparkApplication image");
    assertEquals("$(SPARK_IMAGE)", cronJobConf().get("spark.kubernetes.container.image"),
        "driver and executors run the submitter's image");

    Map<String, Object> kustomization = kustomization();
    List<Map<String, Object>> images = maps(kustomization.get("images"), "kustomization images");
    assertEquals(1, images.size(), "one image");
    Map<String, Object> image = images.get(0);
    assertEquals(PLACEHOLDER_IMAGE, image.get("name"));
    String pinned = image.get("newName") + (image.containsKey("digest") ? "@" + image.get("digest")
        : ":" + image.get("newTag"));
    assertTrue(immutable(pinned), () -> "the kustomization pins the image by digest or git SHA, got " + pinned);

    // The images transformer only rewrites container images: a replacement copies it into SPARK_IMAGE.
    String replacements = yaml().dump(kustomization.get("replacements"));
    assertTrue(replacements.contains("containers.[name=spark-submit].image"), replacements);
    assertTrue(replacements.contains("env.[name=SPARK_IMAGE].value"), replacements);
  }

  @Test
  void theRenderedDeploymentNamesOnlyImmutableImages() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(KUBECTL),
        "kubectl not found at " + KUBECTL + ": the rendering check of `kubectl kustomize k8s/` is skipped");
    Path out = work.resolve("rendered.yaml");
    Process p = new ProcessBuilder(KUBECTL.toString(), "kustomize", k8s.toString()).redirectErrorStream(true)
        .redirectOutput(out.toFile()).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "kubectl kustomize finished");
    String rendered = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), rendered);
    List<String> images = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)^\\s*(?:-\\s+)?image:\\s*(\\S+)\\s*$").matcher(rendered);
    while (m.find()) {
      images.add(m.group(1));
    }
    assertFalse(images.isEmpty(), rendered);
    for (String image : images) {
      assertTrue(immutable(image), () -> "rendered image " + image + " is not pinned");
    }
    String sparkImage = "spark.kubernetes.container.image=$(SPARK_IMAGE)";
    assertTrue(rendered.contains(sparkImage), rendered);
    Matcher env = Pattern.compile("name: SPARK_IMAGE\\s+value: (\\S+)").matcher(rendered);
    assertTrue(env.find(), rendered);
    assertEquals(images.get(0), env.group(1), "SPARK_IMAGE is the submitter's image");
    for (Object document : yaml().loadAll(rendered)) {
      Map<String, Object> object = map(document, "rendered object");
      if (!"Namespace".equals(object.get("kind"))) {
        assertEquals("bitswitch", path(object, "metadata", "namespace"), () -> "namespace of " + object.get("kind"));
      }
    }
  }

  @Test
  void dockerfileChecksumsItsDownloadsAndFixesThePlatform() throws IOException {
    List<String> lines = dockerInstructions(Files.readString(k8s.resolve("Dockerfile"), StandardCharsets.UTF_8));
    List<String> froms = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
    assertFalse(froms.isEmpty());
    for (String from : froms) {
      assertTrue(from.startsWith("FROM --platform=linux/amd64 "), () -> "fixed platform: " + from);
    }
    List<String> downloads = lines.stream().filter(l -> l.startsWith("ADD ") && l.matches(".*\\shttps?://.*")).toList();
    for (String add : downloads) {
      assertTrue(add.matches("ADD .*--checksum=sha256:\\S+ .*"), () -> "a download without --checksum: " + add);
      // A checksum named by a build argument needs the argument's default: the build works as written.
      java.util.regex.Matcher arg = java.util.regex.Pattern.compile("--checksum=sha256:\\$\\{(\\w+)}").matcher(add);
      if (arg.find()) {
        String name = arg.group(1);
        assertTrue(lines.stream().anyMatch(l -> l.matches("ARG " + name + "=[0-9a-f]{64}")),
            () -> "ARG " + name + " needs the SHA-256 of the download as its default");
      }
    }
  }

  /** The instructions of a Dockerfile, continuation lines joined, comments left out. */
  static List<String> dockerInstructions(String dockerfile) {
    List<String> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : dockerfile.lines().toList()) {
      String stripped = line.strip();
      if (stripped.startsWith("#") || stripped.isEmpty()) {
        continue;
      }
      if (stripped.endsWith("\\")) {
        current.append(stripped, 0, stripped.length() - 1).append(' ');
      } else {
        instructions.add(current.append(stripped).toString());
        current.setLength(0);
      }
    }
    return instructions;
  }

  // ---------------------------------------------------------------------------------------------
  // Pods

  @Test
  void everyPodRunsOnAmd64() {
    for (Map.Entry<String, Map<String, Object>> pod : pods().entrySet()) {
      assertEquals("amd64", path(pod.getValue(), "nodeSelector", "kubernetes.io/arch"),
          () -> pod.getKey() + ": nodeSelector kubernetes.io/arch: amd64 (the image is amd64 only)");
    }
  }

  @Test
  void everyPodMeetsTheRestrictedPodSecurityLevel() {
    Map<String, Object> namespace = single("Namespace").body();
    assertEquals("restricted", path(namespace, "metadata", "labels", "pod-security.kubernetes.io/enforce"),
        "the namespace enforces the restricted level");
    Map<String, Map<String, Object>> pods = pods();
    assertEquals(5, pods.size(), () -> pods.keySet().toString());
    for (Map.Entry<String, Map<String, Object>> pod : pods.entrySet()) {
      List<String> problems = restrictedProblems(pod.getValue());
      assertTrue(problems.isEmpty(), () -> pod.getKey() + ": " + problems);
    }
  }

  @Test
  void aPrivilegedPodIsReported() {
    Map<String, Object> pod = map(yaml().load("""
        hostNetwork: true
        securityContext: {runAsUser: 0}
        containers:
          - name: c
            securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN]}}
        volumes:
          - name: v
            hostPath: {path: /}
        """), "pod");
    List<String> problems = restrictedProblems(pod);
    for (String expected : List.of("hostNetwork", "runAsNonRoot", "runAsUser 0", "seccompProfile", "privileged",
        "allowPrivilegeEscalation", "drop ALL", "adds", "hostPath")) {
      assertTrue(problems.stream().anyMatch(p -> p.contains(expected)), () -> expected + " in " + problems);
    }
  }

  /**
   * What keeps a pod spec from the "restricted" Pod Security Standard (the checks of the baseline
   * and restricted levels that a pod spec can fail).
   */
  static List<String> restrictedProblems(Map<String, Object> pod) {
    List<String> problems = new ArrayList<>();
    for (String host : List.of("hostNetwork", "hostPID", "hostIPC")) {
      if (Boolean.TRUE.equals(pod.get(host))) {
        problems.add(host);
      }
    }
    Object podContext = pod.getOrDefault("securityContext", Map.of());
    boolean podNonRoot = Boolean.TRUE.equals(path(podContext, "runAsNonRoot"));
    Object podSeccomp = path(podContext, "seccompProfile", "type");
    if (Integer.valueOf(0).equals(path(podContext, "runAsUser"))) {
      problems.add("pod runAsUser 0");
    }
    for (Object v : (List<?>) pod.getOrDefault("volumes", List.of())) {
      if (map(v, "volume").containsKey("hostPath")) {
        problems.add("hostPath volume " + map(v, "volume").get("name"));
      }
    }
    List<Map<String, Object>> containers = new ArrayList<>(maps(pod.get("containers"), "containers"));
    containers.addAll(maps(pod.getOrDefault("initContainers", List.of()), "initContainers"));
    for (Map<String, Object> container : containers) {
      String name = String.valueOf(container.get("name"));
      Object context = container.getOrDefault("securityContext", Map.of());
      if (!podNonRoot && !Boolean.TRUE.equals(path(context, "runAsNonRoot"))) {
        problems.add(name + ": runAsNonRoot true (pod or container)");
      }
      if (Integer.valueOf(0).equals(path(context, "runAsUser"))) {
        problems.add(name + ": runAsUser 0");
      }
      Object seccomp = path(context, "seccompProfile", "type");
      if (!Set.of("RuntimeDefault", "Localhost").contains(seccomp == null ? String.valueOf(podSeccomp) : seccomp)) {
        problems.add(name + ": seccompProfile RuntimeDefault (pod or container)");
      }
      if (Boolean.TRUE.equals(path(context, "privileged"))) {
        problems.add(name + ": privileged");
      }
      if (!Boolean.FALSE.equals(path(context, "allowPrivilegeEscalation"))) {
        problems.add(name + ": allowPrivilegeEscalation false");
      }
      Object drop = path(context, "capabilities", "drop");
      if (!(drop instanceof List<?> dropped && dropped.contains("ALL"))) {
        problems.add(name + ": capabilities drop ALL");
      }
      if (path(context, "capabilities", "add") instanceof List<?> added
          && !Set.of("NET_BIND_SERVICE").containsAll(added)) {
        problems.add(name + ": capabilities adds " + added);
      }
      if (container.get("ports") instanceof List<?> ports) {
        for (Object port : ports) {
          if (map(port, "port").containsKey("hostPort")) {
            problems.add(name + ": hostPort");
          }
        }
      }
    }
    return problems;
  }

  // ---------------------------------------------------------------------------------------------
  // The CronJob

  @Test
  void theCronJobIsBoundedInTimeAndNeverOverlaps() {
    Map<String, Object> spec = map(single("CronJob").body().get("spec"), "CronJob spec");
    assertEquals("Forbid", spec.get("concurrencyPolicy"));
    Object deadline = path(spec, "jobTemplate", "spec", "activeDeadlineSeconds");
    assertInstanceOf(Integer.class, deadline, "jobTemplate.spec.activeDeadlineSeconds");
    int seconds = (Integer) deadline;
    assertTrue(seconds > 0 && seconds < 24 * 3600, () -> "a run ends before the next night's starts: " + seconds);

    // The overlong-run alert warns before the deadline stops the run.
    var rules = single("k8s/prometheusrule.yaml", "PrometheusRule");
    String expr = null;
    for (Map<String, Object> group : maps(path(rules.body(), "spec", "groups"), "groups")) {
      for (Map<String, Object> rule : maps(group.get("rules"), "rules")) {
        if ("BitswitchRetrainingTooLong".equals(rule.get("alert"))) {
          expr = (String) rule.get("expr");
        }
      }
    }
    assertNotNull(expr, "alert BitswitchRetrainingTooLong");
    Matcher threshold = Pattern.compile(">\\s*(\\d+)\\s*$").matcher(expr);
    assertTrue(threshold.find(), expr);
    int alertAt = Integer.parseInt(threshold.group(1));
    assertTrue(alertAt < seconds, () -> "the alert at " + alertAt + " s warns before the deadline of " + seconds + " s");
  }

  @Test
  void eachRunHasOneDriverPodNameAndDeletesItsDriverWhenItEnds() {
    assertEquals("$(JOB_NAME)-driver", cronJobConf().get("spark.kubernetes.driver.pod.name"),
        "one driver pod name per run: the Job's name");
    Map<String, Object> container = cronJobContainer();
    List<String> command = strings(container.get("command"));
    assertEquals(List.of("/bin/sh", "-c"), command.subList(0, 2));
    String script = command.get(2);
    assertTrue(script.contains("--kill \"$POD_NAMESPACE:$JOB_NAME-driver\""), script);
    assertTrue(script.matches("(?s).*trap '[^']*delete_driver[^']*' TERM.*"), () -> "deletes the driver on SIGTERM too:\n"
        + script);
    assertTrue(script.matches("(?s).*wait \"\\$submit\"\\s+status=\\$\\?.*exit \"\\$status\"\\s*"),
        () -> "keeps spark-submit's exit status:\n" + script);
    Set<String> env = new HashSet<>();
    for (Map<String, Object> variable : maps(container.get("env"), "env")) {
      env.add((String) variable.get("name"));
    }
    assertTrue(env.containsAll(Set.of("POD_NAMESPACE", "JOB_NAME", "SPARK_MASTER_URL", "SPARK_IMAGE")), env::toString);
    assertEquals("$(POD_NAMESPACE)", cronJobConf().get("spark.kubernetes.namespace"),
        "the kustomization's namespace reaches Spark through the pod's own namespace");
  }

  // ---------------------------------------------------------------------------------------------
  // Service accounts and RBAC

  @Test
  void executorsRunUnderAnAccountWithoutApiRights() {
    Manifest account = manifests.stream()
        .filter(m -> "ServiceAccount".equals(m.kind()) && EXECUTOR_ACCOUNT.equals(m.name())).findFirst()
        .orElseThrow(() -> new AssertionError("ServiceAccount " + EXECUTOR_ACCOUNT));
    assertEquals(false, account.body().get("automountServiceAccountToken"));
    for (Manifest binding : manifests) {
      if (binding.kind() != null && binding.kind().endsWith("RoleBinding")) {
        for (Map<String, Object> subject : maps(binding.body().get("subjects"), "subjects")) {
          assertFalse(EXECUTOR_ACCOUNT.equals(subject.get("name")), () -> binding + " grants the executors rights");
        }
      }
    }
    assertEquals(EXECUTOR_ACCOUNT, cronJobConf().get("spark.kubernetes.authenticate.executor.serviceAccountName"));
    assertEquals(EXECUTOR_ACCOUNT, path(ssa().body(), "spec", "template", "executor", "serviceAccount"));
    for (Map.Entry<String, Map<String, Object>> pod : pods().entrySet()) {
      if (pod.getKey().contains("executor")) {
        assertEquals(false, pod.getValue().get("automountServiceAccountToken"), () -> pod.getKey() + ": no token");
      }
    }
  }

  @Test
  void theRoleGrantsOnlyWhatSparksDriverManages() {
    assertTrue(manifests.stream().noneMatch(m -> Set.of("ClusterRole", "ClusterRoleBinding").contains(m.kind())),
        "no cluster-wide rights");
    List<Manifest> roles = manifests.stream().filter(m -> "Role".equals(m.kind())).toList();
    assertEquals(1, roles.size());
    Map<String, Set<String>> granted = new LinkedHashMap<>();
    for (Map<String, Object> rule : maps(roles.get(0).body().get("rules"), "rules")) {
      assertEquals(List.of(""), rule.get("apiGroups"), () -> "core API group only: " + rule);
      assertFalse(rule.containsKey("nonResourceURLs"), rule::toString);
      for (String resource : strings(rule.get("resources"))) {
        assertTrue(SPARK_RESOURCES.contains(resource), () -> "Spark's driver does not manage " + resource);
        for (String verb : strings(rule.get("verbs"))) {
          assertTrue(SPARK_VERBS.contains(verb), () -> resource + ": Spark's driver does not need " + verb);
          granted.computeIfAbsent(resource, r -> new TreeSet<>()).add(verb);
        }
      }
    }
    for (String resource : SPARK_RESOURCES) {
      assertTrue(granted.getOrDefault(resource, Set.of()).containsAll(Set.of("list", "create", "delete")),
          () -> "Spark's driver lists, creates and deletes " + resource + ": " + granted);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The kustomization

  @Test
  void theKustomizationSetsImageNamespaceAndConfigurationForEveryManifest() throws IOException {
    Map<String, Object> kustomization = kustomization();
    assertEquals("bitswitch", kustomization.get("namespace"));
    List<String> resources = strings(kustomization.get("resources"));
    for (String resource : resources) {
      assertTrue(Files.isRegularFile(k8s.resolve(resource)), () -> "k8s/" + resource + " exists");
    }
    assertTrue(resources.contains("configmap.yaml"), "the configuration (ConfigMap bitswitch-config)");
    Set<String> yamlFiles = new TreeSet<>();
    try (Stream<Path> files = Files.list(k8s)) {
      files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".yaml")).forEach(yamlFiles::add);
    }
    // The operator's schedule is the alternative to the CronJob, not deployed next to it.
    yamlFiles.removeAll(Set.of("kustomization.yaml", "scheduledsparkapplication.yaml"));
    assertEquals(yamlFiles, new TreeSet<>(resources), "every manifest but the alternative schedule is deployed");
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private static Manifest ssa() {
    return single("ScheduledSparkApplication");
  }

  private static Map<String, Object> kustomization() {
    return single("Kustomization").body();
  }

  private static Map<String, Object> cronJobContainer() {
    return onlyContainer(cronJobPod(), "CronJob");
  }

  /** The CronJob's {@code --conf key=value} settings, as written (before Kubernetes expands $(VAR)). */
  private static Map<String, String> cronJobConf() {
    List<String> args = strings(cronJobContainer().get("args"));
    Map<String, String> conf = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.size(); i++) {
      if (args.get(i).equals("--conf")) {
        String[] kv = args.get(i + 1).split("=", 2);
        conf.put(kv[0], kv.length > 1 ? kv[1] : "");
      }
    }
    return conf;
  }

  /** Every pod spec the deployment creates, by where it is written. */
  private static Map<String, Map<String, Object>> pods() {
    Map<String, Map<String, Object>> pods = new LinkedHashMap<>();
    pods.put("CronJob pod", cronJobPod());
    Map<String, Object> data = map(single("ConfigMap").body().get("data"), "ConfigMap data");
    for (String template : List.of("driver-pod-template.yaml", "executor-pod-template.yaml")) {
      Object text = data.get(template);
      assertInstanceOf(String.class, text, () -> "ConfigMap key " + template);
      pods.put("ConfigMap " + template, map(path(yaml().load((String) text), "spec"), template));
    }
    for (String role : List.of("driver", "executor")) {
      pods.put("ScheduledSparkApplication " + role + ".template",
          map(path(ssa().body(), "spec", "template", role, "template", "spec"), role + ".template.spec"));
    }
    return pods;
  }

  private static List<String> strings(Object node) {
    return list(node, "list").stream().map(String::valueOf).toList();
  }
}
