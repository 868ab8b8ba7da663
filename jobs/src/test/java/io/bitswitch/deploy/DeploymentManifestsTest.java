package io.bitswitch.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import io.bitswitch.InvalidInputException;
import io.bitswitch.cli.BitswitchCli;
import io.bitswitch.cli.BitswitchCommand;
import io.bitswitch.cli.CommonOptions;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.spark.BitswitchKryoRegistrator;
import io.bitswitch.spark.SparkSessions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.deploy.SparkSubmitArguments;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.yaml.snakeyaml.DumperOptions;
import org.nd4j.shade.yaml.snakeyaml.LoaderOptions;
import org.nd4j.shade.yaml.snakeyaml.Yaml;
import org.nd4j.shade.yaml.snakeyaml.constructor.SafeConstructor;
import org.nd4j.shade.yaml.snakeyaml.representer.Representer;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The deployment artifacts in {@code k8s/} and {@code conf/spark-defaults.conf} against the code
 * they deploy: every file parses; the command lines the manifests pass are accepted by the real
 * spark-submit argument parser and the real bitswitch CLI, with the configuration they mount
 * loaded and validated the way the job loads it; image, jar and main class agree across the
 * CronJob, the ScheduledSparkApplication and the Dockerfile; no credential is written into any of
 * them; and the Grafana dashboard and alert rules query only metrics the code exports (the
 * metrics module's {@code MetricNames.exported()} when it is on the classpath, else the contract
 * list below). Each kind of check also has a test that feeds it a mistake and sees it fail.
 *
 * <p>The YAML parser is the SnakeYAML that ND4J ships (relocated under {@code org.nd4j.shade}),
 * already on the classpath through DL4J; no YAML library is added for this test.
 */
class DeploymentManifestsTest {
  /** The namespace every namespaced object of k8s/ lives in. */
  private static final String NAMESPACE = "bitswitch";
  /** Where the shaded jar lives in the image (k8s/Dockerfile). */
  private static final String JAR_DIR = "/opt/bitswitch/";
  /** The value of a CronJob-created Job's name in the test: {@code <cronjob>-<scheduled minute>}. */
  private static final String SCHEDULED_MINUTE = "29000000";

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

  /** Setting names that would hold a credential. */
  private static final Pattern SENSITIVE_NAME = Pattern.compile(
      "(?i).*(secret|password|passwd|token|credential|access[._-]?key|private[._-]?key|session[._-]?key).*");
  /** YAML keys whose value names a Secret instead of holding one. */
  private static final Set<String> SECRET_REFERENCE_KEYS = Set.of("secretName", "secretKeyRef", "secretRef");
  /** Text that is a credential wherever it appears: AWS key ids and PEM private keys. */
  private static final Pattern CREDENTIAL_TEXT =
      Pattern.compile("\\b(AKIA|ASIA)[A-Z0-9]{16}\\b|-----BEGIN [A-Z ]*PRIVATE KEY-----");
  private static final Pattern SECRET_KEY_REF_CONF =
      Pattern.compile("spark\\.kubernetes\\.(driver|executor)\\.secretKeyRef\\.[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern SECRET_MOUNT_CONF =
      Pattern.compile("spark\\.kubernetes\\.(driver|executor)\\.secrets\\.[-a-z0-9.]+");
  /** {@code <secret name>:<key>}, what Spark's secretKeyRef settings take. */
  private static final Pattern SECRET_NAME_AND_KEY = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?:[-._A-Za-z0-9]+");

  private static Path repo;
  private static List<Manifest> manifests;
  private static JsonNode dashboard;
  private static String dockerfile;
  private static Properties sparkDefaults;

  @TempDir static Path work;

  enum MetricType { GAUGE, COUNTER, HISTOGRAM }

  /** One YAML document of a file in k8s/. */
  record Manifest(String file, Map<String, Object> body) {
    String kind() {
      return string(body, "kind");
    }

    String name() {
      return string(body, "metadata", "name");
    }

    @Override
    public String toString() {
      return file + ": " + kind() + "/" + name();
    }
  }

  /** The command a manifest submits, as spark-submit understands it. */
  record Submission(String master, String deployMode, String mainClass, String primaryResource,
      List<String> appArgs, Map<String, String> sparkProperties, Map<String, String> explicitConf) {}

  /** A file a pod sees through a ConfigMap volume. */
  record MountedFile(String configMap, String key, String content) {}

  @BeforeAll
  static void loadEveryFile() throws IOException {
    repo = findRepositoryRoot();
    manifests = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> list = Files.list(repo.resolve("k8s"))) {
      files = list.sorted().toList();
    }
    for (Path file : files) {
      String name = file.getFileName().toString();
      if (Files.isDirectory(file)) {
        fail("k8s/" + name + " is a directory: DeploymentManifestsTest only reads the files of k8s/ itself");
      }
      String text = Files.readString(file, StandardCharsets.UTF_8);
      if (name.endsWith(".yaml") || name.endsWith(".yml")) {
        for (Object document : yaml().loadAll(text)) {
          assertNotNull(document, () -> "k8s/" + name + " has an empty YAML document");
          manifests.add(new Manifest("k8s/" + name, map(document, "k8s/" + name)));
        }
      } else if (name.endsWith(".json")) {
        assertEquals("grafana-dashboard.json", name, "the only JSON file in k8s/ is the Grafana dashboard");
        dashboard = new ObjectMapper().readTree(text);
      } else if (name.equals("Dockerfile")) {
        dockerfile = text;
      } else {
        fail("k8s/" + name + ": a file DeploymentManifestsTest does not know how to check; teach it");
      }
    }
    assertNotNull(dashboard, "k8s/grafana-dashboard.json");
    assertNotNull(dockerfile, "k8s/Dockerfile");
    sparkDefaults = new Properties();
    try (var reader = Files.newBufferedReader(repo.resolve("conf/spark-defaults.conf"))) {
      sparkDefaults.load(reader);
    }
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
  // The command lines

  @Test
  void cronJobSubmitsACommandLineThatSparkSubmitAndTheCliAccept() throws IOException {
    Map<String, Object> pod = cronJobPod();
    Map<String, Object> container = onlyContainer(pod, "CronJob");
    List<String> command = strings(container.get("command"), "CronJob command");
    assertEquals(List.of("/bin/sh", "-c"), command.subList(0, 2), "the CronJob pod runs a shell script");
    assertTrue(command.get(2).contains("/opt/spark/bin/spark-submit \"$@\""),
        "the CronJob pod runs spark-submit with its args");
    Submission submission = cronJobSubmission();
    assertTrue(submission.master().startsWith("k8s://https://"), submission.master());
    assertEquals("cluster", submission.deployMode());
    assertEquals(NAMESPACE, submission.sparkProperties().get("spark.kubernetes.namespace"));
    assertEquals("true", submission.sparkProperties().get("spark.kubernetes.submission.waitAppCompletion"),
        "concurrencyPolicy: Forbid only holds while spark-submit waits for the application");
    for (String key : submission.explicitConf().keySet()) {
      assertTrue(key.startsWith("spark."), () -> "spark-submit ignores --conf " + key + ": not a spark.* key");
    }

    // spark-submit reads the driver pod template from the submitter pod's ConfigMap mount.
    Map<String, MountedFile> submitterFiles = mountedFiles(pod, "CronJob pod");
    String templatePath = submission.sparkProperties().get("spark.kubernetes.driver.podTemplateFile");
    assertNotNull(templatePath, "spark.kubernetes.driver.podTemplateFile");
    MountedFile template = submitterFiles.get(templatePath);
    assertNotNull(template, () -> templatePath + " is not a file of a ConfigMap mounted into the CronJob pod: "
        + submitterFiles.keySet());
    Map<String, Object> driverPod = map(yaml().load(template.content()), templatePath);
    assertEquals("Pod", string(driverPod, "kind"));
    String containerName = submission.sparkProperties().get("spark.kubernetes.driver.podTemplateContainerName");
    assertEquals(containerName, string(onlyContainer(spec(driverPod), "driver pod template"), "name"));

    ParseResult parsed = acceptedByTheCli(submission.appArgs(), mountedFiles(spec(driverPod), "driver pod template"));
    assertEquals("train", parsed.subcommand().commandSpec().name());
    assertEquals("latest", parsed.subcommand().matchedOptionValue("--warm-start", null));
  }

  @Test
  void scheduledSparkApplicationSubmitsACommandLineTheCliAccepts() throws IOException {
    Map<String, Object> app = ssaTemplate();
    assertEquals("Java", string(app, "type"));
    assertEquals("cluster", string(app, "mode"));
    assertEquals(org.apache.spark.package$.MODULE$.SPARK_VERSION(), string(app, "sparkVersion"),
        "sparkVersion is the Spark the jar is built against");
    Map<String, Object> driverTemplate = map(path(app, "driver", "template"), "driver.template");
    ParseResult parsed = acceptedByTheCli(strings(app.get("arguments"), "arguments"),
        mountedFiles(spec(driverTemplate), "ScheduledSparkApplication driver.template"));
    assertEquals("train", parsed.subcommand().commandSpec().name());
    assertEquals("latest", parsed.subcommand().matchedOptionValue("--warm-start", null));
    for (Map.Entry<String, Object> conf : map(app.get("sparkConf"), "sparkConf").entrySet()) {
      assertInstanceOf(String.class, conf.getValue(),
          () -> "sparkConf is map[string]string: quote the value of " + conf.getKey());
    }
  }

  @Test
  void bothSchedulesRunTheSameCommandAndConfiguration() {
    Submission submission = cronJobSubmission();
    List<String> cronArgs = new ArrayList<>(submission.appArgs());
    int runId = cronArgs.indexOf("--run-id");
    assertTrue(runId >= 0, "the CronJob names its run after its Job (idempotent re-creation)");
    cronArgs.subList(runId, runId + 2).clear();
    assertEquals(cronArgs, strings(ssaTemplate().get("arguments"), "arguments"),
        "CronJob and ScheduledSparkApplication pass the same bitswitch arguments (but --run-id)");

    Map<String, Object> configMapTemplate = map(yaml().load(configMapData().get("driver-pod-template.yaml")),
        "driver-pod-template.yaml");
    Map<String, Object> ssaDriverTemplate = map(path(ssaTemplate(), "driver", "template"), "driver.template");
    assertEquals(path(configMapTemplate, "metadata", "labels"), path(ssaDriverTemplate, "metadata", "labels"));
    assertEquals(spec(configMapTemplate), spec(ssaDriverTemplate),
        "the operator's driver.template is the ConfigMap's driver-pod-template.yaml");

    // The same credentials, from the same Secret, reach driver and executors either way.
    Map<String, Object> secretRefs = new TreeMap<>(submission.explicitConf());
    secretRefs.keySet().removeIf(k -> !SECRET_KEY_REF_CONF.matcher(k).matches());
    Map<String, Object> ssaSecretRefs = new TreeMap<>(map(ssaTemplate().get("sparkConf"), "sparkConf"));
    ssaSecretRefs.keySet().removeIf(k -> !SECRET_KEY_REF_CONF.matcher(k).matches());
    assertFalse(secretRefs.isEmpty(), "S3 credentials through secretKeyRef");
    assertEquals(secretRefs, ssaSecretRefs);
  }

  @Test
  void executorCoresMatchTheDataPartitions() throws IOException {
    BitswitchConfig config = configMapConfig();
    int cores = Integer.parseInt(sparkDefaults.getProperty("spark.executor.cores"));
    int cronInstances = Integer.parseInt(cronJobSubmission().sparkProperties().get("spark.executor.instances"));
    int ssaInstances = integer(ssaTemplate(), "executor", "instances");
    assertEquals(cronInstances, ssaInstances, "executor instances of CronJob and ScheduledSparkApplication");
    assertEquals(cronInstances * cores, config.data().partitions(),
        "bitswitch.data.partitions = executors x spark.executor.cores: one cached shard per core");
  }

  // ---------------------------------------------------------------------------------------------
  // Configuration

  @Test
  void configMapSetsOnlyKeysThatExist() throws IOException {
    String conf = configMapData().get("bitswitch.conf");
    assertNotNull(conf, "ConfigMap bitswitch-config has a bitswitch.conf");
    Set<String> known = Set.copyOf(BitswitchConfig.defaults().knownKeys());
    Set<String> set = ConfigFactory.parseString(conf).entrySet().stream().map(Map.Entry::getKey)
        .collect(Collectors.toCollection(TreeSet::new));
    assertFalse(set.isEmpty());
    for (String key : set) {
      assertTrue(key.startsWith("bitswitch."), () -> key + ": every key lives under bitswitch { ... }");
      assertTrue(known.contains(key) || key.startsWith("bitswitch.gates.min-accuracy."),
          () -> key + " is not a key of conf/bitswitch.conf");
    }
    // And the job's own loader, which also checks every value.
    BitswitchConfig config = configMapConfig();
    assertTrue(config.metrics().httpEnabled(), "the driver serves live metrics for the PodMonitor");
    assertTrue(config.metrics().pushgateway().isPresent(), "a finished run's metrics go to the Pushgateway");
  }

  @Test
  void aMisspelledConfigKeyIsRefused() throws IOException {
    String conf = configMapData().get("bitswitch.conf");
    assertTrue(conf.contains("epochs = 1"));
    Path file = write("misspelled.conf", conf.replace("epochs = 1", "epoch = 1"));
    String message = assertThrows(InvalidInputException.class,
        () -> BitswitchConfig.load(Optional.of(file), List.of())).getMessage();
    assertTrue(message.contains("bitswitch.train.epoch"), message);
  }

  @Test
  void aMisspelledOptionIsRefused() {
    List<String> args = new ArrayList<>(cronJobSubmission().appArgs());
    args.set(args.indexOf("--warm-start"), "--warm-strat");
    assertThrows(CommandLine.ParameterException.class,
        () -> BitswitchCli.newCommandLine().parseArgs(args.toArray(String[]::new)));
  }

  @Test
  void sparkDefaultsCarryWhatTheJobNeeds() throws IOException {
    // The settings the session itself insists on, stated the same way.
    Map<String, String> session = SparkSessions.defaults("k8s://https://kubernetes.default.svc");
    for (String key : List.of("spark.serializer", "spark.kryo.registrator", "spark.kryo.registrationRequired")) {
      assertEquals(session.get(key), sparkDefaults.getProperty(key), key);
    }
    assertEquals(BitswitchKryoRegistrator.class.getName(), sparkDefaults.getProperty("spark.kryo.registrator"));
    assertEquals("1", sparkDefaults.getProperty("spark.executorEnv.OMP_NUM_THREADS"));

    // The parent pom's spark.java.opens and dl4j.java.opts, as the build writes them for bin/bitswitch.
    Path jvmOptions = moduleDir().resolve("target/jvm-options.txt");
    assertTrue(Files.isRegularFile(jvmOptions), () -> jvmOptions + " (written at process-resources)");
    List<String> required = tokens(Files.readString(jvmOptions));
    assertTrue(required.contains("-Dorg.eclipse.deeplearning4j.helpers.disable=false"), required::toString);
    assertTrue(required.stream().anyMatch(t -> t.startsWith("--add-opens=")), required::toString);
    for (String role : List.of("driver", "executor")) {
      List<String> options = tokens(sparkDefaults.getProperty("spark." + role + ".extraJavaOptions", ""));
      for (String option : required) {
        assertTrue(options.contains(option), () -> "spark." + role + ".extraJavaOptions lacks " + option);
      }
      // ND4J's off-heap limits fit the container Spark asks for (memory + memoryOverhead).
      long heap = bytes(sparkDefaults.getProperty("spark." + role + ".memory"));
      long container = heap + bytes(sparkDefaults.getProperty("spark." + role + ".memoryOverhead"));
      long maxBytes = bytes(systemProperty(options, "org.bytedeco.javacpp.maxbytes"));
      long maxPhysical = bytes(systemProperty(options, "org.bytedeco.javacpp.maxphysicalbytes"));
      assertTrue(heap + maxBytes < maxPhysical && maxPhysical < container, () -> role
          + ": need memory + javacpp.maxbytes < javacpp.maxphysicalbytes < memory + memoryOverhead, got heap "
          + heap + ", maxbytes " + maxBytes + ", maxphysicalbytes " + maxPhysical + ", container " + container);
    }
  }

  @Test
  void scheduledSparkApplicationRepeatsSparkDefaults() {
    // The operator submits from its own image: conf/spark-defaults.conf (in the job image) is not read.
    Map<String, Object> sparkConf = map(ssaTemplate().get("sparkConf"), "sparkConf");
    for (String key : sparkDefaults.stringPropertyNames()) {
      Object value = sparkConf.get(key);
      assertNotNull(value, () -> "sparkConf of the ScheduledSparkApplication lacks " + key + " (spark-defaults.conf)");
      assertEquals(tokens(sparkDefaults.getProperty(key)), tokens(String.valueOf(value)), key);
    }
    // The CronJob gets them from the image; restating one there would let the copies drift.
    for (String key : cronJobSubmission().explicitConf().keySet()) {
      assertFalse(sparkDefaults.containsKey(key), () -> "CronJob --conf " + key + " overrides spark-defaults.conf");
    }
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
    assertEquals(0, integer(cron, "jobTemplate", "spec", "backoffLimit"),
        "a retried submitter would start a second driver next to the first");
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

  // ---------------------------------------------------------------------------------------------
  // Credentials

  @Test
  void noManifestCarriesALiteralCredential() {
    List<String> findings = new ArrayList<>();
    for (Manifest m : manifests) {
      if (m.kind().equals("Secret")) {
        findings.add(m + ": a Secret with its data belongs in the cluster, not in the repository");
      }
      scan(m.toString(), m.body(), null, findings);
    }
    for (String key : sparkDefaults.stringPropertyNames()) {
      checkSparkSetting("conf/spark-defaults.conf", key, sparkDefaults.getProperty(key), findings);
    }
    for (String line : dockerfile.lines().toList()) {
      String[] words = line.strip().split("\\s+", 2);
      if (words.length == 2 && (words[0].equals("ENV") || words[0].equals("ARG"))
          && SENSITIVE_NAME.matcher(words[1].split("[=\\s]", 2)[0]).matches()) {
        findings.add("k8s/Dockerfile: " + line.strip() + ": image layers keep every ENV and ARG");
      }
      scanText("k8s/Dockerfile", line, findings);
    }
    scanText("k8s/grafana-dashboard.json", dashboard.toString(), findings);
    assertEquals(List.of(), findings);
  }

  @Test
  void aLiteralCredentialIsReported() {
    String leaky = """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: leaky, namespace: bitswitch}
        spec:
          template:
            spec:
              containers:
                - name: submit
                  args: ["--conf", "spark.hadoop.fs.s3a.secret.key=wJalrXUtnFEMIbPxRfiCYEXAMPLEKEY"]
                  env:
                    - {name: AWS_SECRET_ACCESS_KEY, value: wJalrXUtnFEMIbPxRfiCYEXAMPLEKEY}
                    - {name: AWS_ACCESS_KEY_ID, valueFrom: {secretKeyRef: {name: s3, key: access-key}}}
                    - {name: NOTE, value: AKIAIOSFODNN7EXAMPLE}
        """;
    List<String> findings = new ArrayList<>();
    scan("leaky", yaml().load(leaky), null, findings);
    assertEquals(3, findings.size(), findings::toString);
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
  // The bitswitch CLI as the driver runs it

  /**
   * Parses {@code args} with the real command line, then loads the configuration exactly as the
   * command would before running, with {@code --config} read from the ConfigMap file the driver
   * pod has at that path.
   */
  private static ParseResult acceptedByTheCli(List<String> args, Map<String, MountedFile> driverFiles)
      throws IOException {
    List<String> local = new ArrayList<>(args);
    int config = local.indexOf("--config");
    assertTrue(config >= 0 && config + 1 < local.size(), () -> "--config FILE in " + args);
    MountedFile file = driverFiles.get(local.get(config + 1));
    assertNotNull(file, () -> "--config " + local.get(config + 1) + " is no file of a ConfigMap the driver pod mounts: "
        + driverFiles.keySet());
    local.set(config + 1, write(file.configMap() + "-" + file.key(), file.content()).toString());

    ParseResult parsed = BitswitchCli.newCommandLine().parseArgs(local.toArray(String[]::new));
    assertNotNull(parsed.subcommand(), () -> "a bitswitch command in " + args);
    Object command = parsed.subcommand().commandSpec().userObject();
    CommonOptions common = commonOptions(assertInstanceOf(BitswitchCommand.class, command));
    common.runId();
    common.loadConfig();
    assertTrue(common.out().orElseThrow().startsWith("s3a://"), "--out on S3");
    assertTrue(common.data().orElseThrow().startsWith("s3a://"), "--data on S3");
    return parsed;
  }

  private static CommonOptions commonOptions(BitswitchCommand command) {
    try {
      Field field = BitswitchCommand.class.getDeclaredField("common");
      field.setAccessible(true);
      return (CommonOptions) field.get(command);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("BitswitchCommand.common", e);
    }
  }

  private static BitswitchConfig configMapConfig() throws IOException {
    return BitswitchConfig.load(Optional.of(write("configmap-bitswitch.conf", configMapData().get("bitswitch.conf"))),
        List.of());
  }

  // ---------------------------------------------------------------------------------------------
  // spark-submit as the CronJob pod runs it

  /**
   * The CronJob's spark-submit line through Spark's own argument parser, after Kubernetes'
   * {@code $(VAR)} expansion, with conf/spark-defaults.conf as the image's
   * /opt/spark/conf/spark-defaults.conf.
   */
  private static Submission cronJobSubmission() {
    Map<String, Object> container = onlyContainer(cronJobPod(), "CronJob");
    List<String> args = expand(strings(container.get("args"), "CronJob args"), environment(container));
    Map<String, String> explicitConf = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals("--conf")) {
        String[] kv = args.get(i + 1).split("=", 2);
        assertEquals(2, kv.length, () -> "--conf KEY=VALUE: " + Arrays.toString(kv));
        assertFalse(explicitConf.containsKey(kv[0]), () -> "--conf " + kv[0] + " given twice");
        explicitConf.put(kv[0], kv[1]);
      }
    }
    Map<String, String> env = Map.of("SPARK_CONF_DIR", repo.resolve("conf").toString());
    SparkSubmitArguments parsed = new SparkSubmitArguments(
        CollectionConverters.asScala(args).toList(),
        scala.collection.immutable.Map$.MODULE$.from(CollectionConverters.asScala(env)));
    return new Submission(parsed.master(), parsed.deployMode(), parsed.mainClass(), parsed.primaryResource(),
        List.copyOf(CollectionConverters.asJava(parsed.childArgs())),
        Map.copyOf(CollectionConverters.asJava(parsed.sparkProperties())), explicitConf);
  }

  /** The container's environment as Kubernetes would fill it for a Job the CronJob created. */
  private static Map<String, String> environment(Map<String, Object> container) {
    Map<String, String> env = new HashMap<>();
    for (Object e : list(container.getOrDefault("env", List.of()), "env")) {
      Map<String, Object> variable = map(e, "env entry");
      String name = string(variable, "name");
      if (variable.containsKey("value")) {
        env.put(name, String.valueOf(variable.get("value")));
      } else if (path(variable, "valueFrom", "fieldRef", "fieldPath") instanceof String field
          && field.matches("metadata\\.labels\\['(batch\\.kubernetes\\.io/)?job-name'\\]")) {
        env.put(name, single("CronJob").name() + "-" + SCHEDULED_MINUTE);
      } else if ("metadata.namespace".equals(path(variable, "valueFrom", "fieldRef", "fieldPath"))) {
        env.put(name, NAMESPACE);
      }
    }
    return env;
  }

  /** Kubernetes' {@code $(VAR)} expansion of command arguments; undefined references stay as written. */
  private static List<String> expand(List<String> args, Map<String, String> env) {
    Pattern reference = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    return args.stream().map(a -> reference.matcher(a).replaceAll(
        m -> Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group())))).toList();
  }

  // ---------------------------------------------------------------------------------------------
  // Pods and ConfigMaps

  private static Map<String, Object> cronJobPod() {
    return map(path(single("CronJob").body(), "spec", "jobTemplate", "spec", "template", "spec"), "CronJob pod spec");
  }

  private static Map<String, Object> ssaTemplate() {
    return map(path(single("ScheduledSparkApplication").body(), "spec", "template"),
        "ScheduledSparkApplication template");
  }

  private static Map<String, Object> spec(Map<String, Object> pod) {
    return map(pod.get("spec"), "pod spec");
  }

  private static Map<String, Object> onlyContainer(Map<String, Object> podSpec, String what) {
    List<Object> containers = list(podSpec.get("containers"), what + " containers");
    assertEquals(1, containers.size(), () -> what + ": one container");
    return map(containers.get(0), what + " container");
  }

  private static Map<String, String> configMapData() {
    Map<String, Object> data = map(single("ConfigMap").body().get("data"), "ConfigMap data");
    Map<String, String> files = new LinkedHashMap<>();
    data.forEach((k, v) -> files.put(k, (String) v));
    return files;
  }

  /** Path in the (single) container → the ConfigMap file it sees there, through the pod's volumes. */
  private static Map<String, MountedFile> mountedFiles(Map<String, Object> podSpec, String what) {
    Map<String, Map<String, Object>> volumes = new HashMap<>();
    for (Object v : list(podSpec.getOrDefault("volumes", List.of()), what + " volumes")) {
      Map<String, Object> volume = map(v, "volume");
      volumes.put(string(volume, "name"), volume);
    }
    Map<String, MountedFile> files = new TreeMap<>();
    for (Object m : list(onlyContainer(podSpec, what).getOrDefault("volumeMounts", List.of()), "volumeMounts")) {
      Map<String, Object> mount = map(m, "volumeMount");
      Map<String, Object> volume = volumes.get(string(mount, "name"));
      assertNotNull(volume, () -> what + " mounts an undefined volume " + mount.get("name"));
      if (!(volume.get("configMap") instanceof Map<?, ?> source)) {
        continue;
      }
      String configMap = (String) source.get("name");
      Manifest cm = manifests.stream().filter(x -> x.kind().equals("ConfigMap") && x.name().equals(configMap))
          .findFirst().orElseThrow(() -> new AssertionError(what + " mounts ConfigMap " + configMap + ", not in k8s/"));
      Map<String, Object> data = map(cm.body().get("data"), "data");
      Map<String, String> keyToPath = new LinkedHashMap<>();
      if (source.get("items") instanceof List<?> items) {
        for (Object i : items) {
          Map<String, Object> item = map(i, "item");
          assertTrue(data.containsKey(item.get("key")),
              () -> "ConfigMap " + configMap + " has no key " + item.get("key"));
          keyToPath.put(string(item, "key"), string(item, "path"));
        }
      } else {
        data.keySet().forEach(k -> keyToPath.put(k, k));
      }
      String dir = string(mount, "mountPath").replaceAll("/+$", "");
      keyToPath.forEach((key, file) ->
          files.put(dir + "/" + file, new MountedFile(configMap, key, (String) data.get(key))));
    }
    return files;
  }

  private static Manifest single(String kind) {
    List<Manifest> found = manifests.stream().filter(m -> m.kind().equals(kind)).toList();
    assertEquals(1, found.size(), () -> "one " + kind + " in k8s/: " + found);
    return found.get(0);
  }

  // ---------------------------------------------------------------------------------------------
  // Credentials scan

  /** Walks a YAML tree; {@code key} is the mapping key {@code node} is the value of (or null). */
  private static void scan(String where, Object node, String key, List<String> findings) {
    if (node instanceof Map<?, ?> raw) {
      Map<String, Object> m = map(raw, where);
      if (m.get("name") instanceof String name && m.containsKey("value") && SENSITIVE_NAME.matcher(name).matches()) {
        findings.add(where + ": environment variable " + name + " has a literal value; use valueFrom.secretKeyRef");
      }
      boolean sparkSettings = "sparkConf".equals(key) || "hadoopConf".equals(key);
      for (Map.Entry<String, Object> e : m.entrySet()) {
        String k = e.getKey();
        Object v = e.getValue();
        if (sparkSettings) {
          checkSparkSetting(where, ("hadoopConf".equals(key) ? "spark.hadoop." : "") + k, String.valueOf(v), findings);
        } else if ((v instanceof String || v instanceof Number) && SENSITIVE_NAME.matcher(k).matches()
            && !SECRET_REFERENCE_KEYS.contains(k)) {
          findings.add(where + ": " + k + " holds a literal value; reference a Secret instead");
        }
        if (v instanceof String text && (k.endsWith(".conf") || k.endsWith(".yaml") || k.endsWith(".yml"))) {
          scanEmbeddedFile(where + " " + k, k, text, findings);
        }
        scan(where, v, k, findings);
      }
    } else if (node instanceof List<?> items) {
      for (int i = 0; i < items.size(); i++) {
        Object item = items.get(i);
        if ("--conf".equals(item) && i + 1 < items.size()) {
          String[] kv = String.valueOf(items.get(i + 1)).split("=", 2);
          checkSparkSetting(where, kv[0], kv.length > 1 ? kv[1] : "", findings);
        }
        scan(where, item, key, findings);
      }
    } else if (node instanceof String text) {
      scanText(where, text, findings);
    }
  }

  private static void scanEmbeddedFile(String where, String name, String text, List<String> findings) {
    if (name.endsWith(".conf")) {
      for (Map.Entry<String, ConfigValue> e : ConfigFactory.parseString(text).entrySet()) {
        String last = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
        if (SENSITIVE_NAME.matcher(last).matches() || e.getKey().matches("(?i).*fs\\.s3a\\..*key.*")) {
          findings.add(where + ": " + e.getKey() + " is a credential in a configuration file");
        }
      }
    } else {
      for (Object document : yaml().loadAll(text)) {
        scan(where, document, null, findings);
      }
    }
  }

  private static void checkSparkSetting(String where, String key, String value, List<String> findings) {
    if (SECRET_KEY_REF_CONF.matcher(key).matches()) {
      if (!SECRET_NAME_AND_KEY.matcher(value).matches()) {
        findings.add(where + ": " + key + " must be <secret>:<key>, got a value of " + value.length() + " characters");
      }
    } else if (SECRET_MOUNT_CONF.matcher(key).matches()) {
      if (!value.startsWith("/")) {
        findings.add(where + ": " + key + " must be a mount path");
      }
    } else if (SENSITIVE_NAME.matcher(key).matches()) {
      findings.add(where + ": Spark setting " + key + " holds a credential; pass it through secretKeyRef");
    }
  }

  private static void scanText(String where, String text, List<String> findings) {
    if (CREDENTIAL_TEXT.matcher(text).find()) {
      findings.add(where + ": text that is a credential");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Metrics and queries

  /** What queries may select: the metrics module's own list when present, else the contract. */
  private static Set<String> exportedSeries() {
    return exportedByTheCode().orElseGet(DeploymentManifestsTest::contractSeries);
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

  // ---------------------------------------------------------------------------------------------
  // Small helpers

  private static Yaml yaml() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    return new Yaml(new SafeConstructor(options), new Representer(), new DumperOptions(), options);
  }

  private static Path findRepositoryRoot() {
    for (Path dir = moduleDir(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("k8s")) && Files.isRegularFile(dir.resolve("conf/bitswitch.conf"))) {
        return dir;
      }
    }
    throw new AssertionError("no k8s/ and conf/bitswitch.conf above " + moduleDir());
  }

  /** The jobs module's directory: Surefire's basedir, else the working directory. */
  private static Path moduleDir() {
    return Path.of(Optional.ofNullable(System.getProperty("basedir")).orElse("")).toAbsolutePath();
  }

  private static String projectVersion() {
    Properties version = new Properties();
    try (InputStream in = BitswitchCli.class.getResourceAsStream("version.properties")) {
      assertNotNull(in, "io/bitswitch/cli/version.properties (written at build time)");
      version.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String v = version.getProperty("version");
    assertTrue(v != null && !v.contains("${"), "project version in version.properties");
    return v;
  }

  private static List<String> dockerInstructions(String instruction) {
    List<String> found = new ArrayList<>();
    for (String line : dockerfile.lines().toList()) {
      String[] words = line.strip().split("\\s+", 2);
      if (words.length == 2 && words[0].equals(instruction)) {
        found.add(words[1].strip());
      }
    }
    return found;
  }

  private static Path write(String name, String content) throws IOException {
    Path file = work.resolve(name.replaceAll("[^A-Za-z0-9._-]", "_"));
    Files.writeString(file, content);
    return file;
  }

  private static List<String> tokens(String text) {
    return Arrays.stream(text.strip().split("\\s+")).filter(t -> !t.isEmpty()).toList();
  }

  private static String systemProperty(List<String> options, String name) {
    String prefix = "-D" + name + "=";
    return options.stream().filter(o -> o.startsWith(prefix)).map(o -> o.substring(prefix.length())).findFirst()
        .orElseThrow(() -> new AssertionError("no " + prefix + " in " + options));
  }

  /** A JVM/Spark size: a number with an optional k, m, g or t suffix (binary units). */
  static long bytes(String size) {
    assertNotNull(size, "a size");
    Matcher m = Pattern.compile("(\\d+)([kmgt]?)b?").matcher(size.strip().toLowerCase(Locale.ROOT));
    assertTrue(m.matches(), () -> "a size like 512m or 2g: " + size);
    long value = Long.parseLong(m.group(1));
    int shift = switch (m.group(2)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
    return value << shift;
  }

  private static Object path(Object node, String... keys) {
    Object current = node;
    for (String key : keys) {
      if (!(current instanceof Map<?, ?> m)) {
        return null;
      }
      current = m.get(key);
    }
    return current;
  }

  private static String string(Object node, String... keys) {
    Object value = path(node, keys);
    assertInstanceOf(String.class, value, () -> String.join(".", keys) + " is a string");
    return (String) value;
  }

  private static int integer(Object node, String... keys) {
    Object value = path(node, keys);
    assertInstanceOf(Integer.class, value, () -> String.join(".", keys) + " is an integer");
    return (Integer) value;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object node, String what) {
    assertInstanceOf(Map.class, node, () -> what + " is a mapping");
    return (Map<String, Object>) node;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object node, String what) {
    assertInstanceOf(List.class, node, () -> what + " is a list");
    return (List<Object>) node;
  }

  private static List<String> strings(Object node, String what) {
    List<String> result = new ArrayList<>();
    for (Object item : list(node, what)) {
      assertInstanceOf(String.class, item, () -> what + ": every item is a string (quote it)");
      result.add((String) item);
    }
    return result;
  }
}
