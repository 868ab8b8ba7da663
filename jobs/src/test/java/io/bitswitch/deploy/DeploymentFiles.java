package io.bitswitch.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.cli.BitswitchCli;
import io.bitswitch.cli.BitswitchCommand;
import io.bitswitch.cli.CommonOptions;
import io.bitswitch.cli.config.BitswitchConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.deploy.SparkSubmitArguments;
import org.nd4j.shade.yaml.snakeyaml.DumperOptions;
import org.nd4j.shade.yaml.snakeyaml.LoaderOptions;
import org.nd4j.shade.yaml.snakeyaml.Yaml;
import org.nd4j.shade.yaml.snakeyaml.constructor.SafeConstructor;
import org.nd4j.shade.yaml.snakeyaml.representer.Representer;
import picocli.CommandLine.ParseResult;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The shared fixture of the deployment tests ({@link DeploymentObjectsTest},
 * {@link DeploymentSubmissionTest}, {@link DeploymentCredentialsTest},
 * {@link DeploymentMonitoringTest}, {@link KubernetesHardeningTest}, {@link MonitoringRulesTest};
 * docs/design/architecture.md §8): the files of {@code k8s/} and
 * {@code conf/spark-defaults.conf}, read once, and the helpers that look into them the way
 * Kubernetes, spark-submit and the bitswitch CLI would.
 *
 * <p>The YAML parser is the SnakeYAML that ND4J ships (relocated under {@code org.nd4j.shade}),
 * already on the classpath through DL4J; no YAML library is added for these tests.
 */
final class DeploymentFiles {
  /** The namespace every namespaced object of k8s/ lives in. */
  static final String NAMESPACE = "bitswitch";
  /** Where the shaded jar lives in the image (k8s/Dockerfile). */
  static final String JAR_DIR = "/opt/bitswitch/";
  /** The value of a CronJob-created Job's name in the test: {@code <cronjob>-<scheduled minute>}. */
  static final String SCHEDULED_MINUTE = "29000000";
  /** Spark settings that pass a Secret's key to driver or executors. */
  static final Pattern SECRET_KEY_REF_CONF =
      Pattern.compile("spark\\.kubernetes\\.(driver|executor)\\.secretKeyRef\\.[A-Za-z_][A-Za-z0-9_]*");

  /** The repository root: the directory with k8s/ and conf/bitswitch.conf. */
  static Path repo;
  /** Every YAML document of k8s/, in file order. */
  static List<Manifest> manifests;
  /** k8s/grafana-dashboard.json. */
  static JsonNode dashboard;
  /** k8s/Dockerfile. */
  static String dockerfile;
  /** conf/spark-defaults.conf. */
  static Properties sparkDefaults;
  /** Where files a check hands to the code under test go (under the module's target/). */
  private static Path work;

  private DeploymentFiles() {}

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

  /**
   * Reads k8s/, its Grafana dashboard and Dockerfile, and conf/spark-defaults.conf, once per test
   * JVM; every test class calls it from its {@code @BeforeAll}.
   */
  static synchronized void load() throws IOException {
    if (repo != null) {
      return;
    }
    Path root = findRepositoryRoot();
    work = Files.createDirectories(moduleDir().resolve("target")).resolve("deployment-files");
    Files.createDirectories(work);
    manifests = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> list = Files.list(root.resolve("k8s"))) {
      files = list.sorted().toList();
    }
    for (Path file : files) {
      String name = file.getFileName().toString();
      if (Files.isDirectory(file)) {
        fail("k8s/" + name + " is a directory: the deployment tests only read the files of k8s/ itself");
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
        fail("k8s/" + name + ": a file the deployment tests do not know how to check; teach them");
      }
    }
    assertNotNull(dashboard, "k8s/grafana-dashboard.json");
    assertNotNull(dockerfile, "k8s/Dockerfile");
    sparkDefaults = new Properties();
    try (var reader = Files.newBufferedReader(root.resolve("conf/spark-defaults.conf"))) {
      sparkDefaults.load(reader);
    }
    repo = root;
  }

  // ---------------------------------------------------------------------------------------------
  // The bitswitch CLI as the driver runs it

  /**
   * Parses {@code args} with the real command line, then loads the configuration exactly as the
   * command would before running, with {@code --config} read from the ConfigMap file the driver
   * pod has at that path.
   */
  static ParseResult acceptedByTheCli(List<String> args, Map<String, MountedFile> driverFiles)
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

  static CommonOptions commonOptions(BitswitchCommand command) {
    try {
      Field field = BitswitchCommand.class.getDeclaredField("common");
      field.setAccessible(true);
      return (CommonOptions) field.get(command);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("BitswitchCommand.common", e);
    }
  }

  static BitswitchConfig configMapConfig() throws IOException {
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
  static Submission cronJobSubmission() {
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
  static Map<String, String> environment(Map<String, Object> container) {
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
  static List<String> expand(List<String> args, Map<String, String> env) {
    Pattern reference = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    return args.stream().map(a -> reference.matcher(a).replaceAll(
        m -> Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group())))).toList();
  }

  // ---------------------------------------------------------------------------------------------
  // Pods and ConfigMaps

  static Map<String, Object> cronJobPod() {
    return map(path(single("CronJob").body(), "spec", "jobTemplate", "spec", "template", "spec"), "CronJob pod spec");
  }

  static Map<String, Object> ssaTemplate() {
    return map(path(single("ScheduledSparkApplication").body(), "spec", "template"),
        "ScheduledSparkApplication template");
  }

  static Map<String, Object> spec(Map<String, Object> pod) {
    return map(pod.get("spec"), "pod spec");
  }

  static Map<String, Object> onlyContainer(Map<String, Object> podSpec, String what) {
    List<Object> containers = list(podSpec.get("containers"), what + " containers");
    assertEquals(1, containers.size(), () -> what + ": one container");
    return map(containers.get(0), what + " container");
  }

  static Map<String, String> configMapData() {
    Map<String, Object> data = map(single("ConfigMap").body().get("data"), "ConfigMap data");
    Map<String, String> files = new LinkedHashMap<>();
    data.forEach((k, v) -> files.put(k, (String) v));
    return files;
  }

  /** Path in the (single) container → the ConfigMap file it sees there, through the pod's volumes. */
  static Map<String, MountedFile> mountedFiles(Map<String, Object> podSpec, String what) {
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

  static Manifest single(String kind) {
    List<Manifest> found = manifests.stream().filter(m -> m.kind().equals(kind)).toList();
    assertEquals(1, found.size(), () -> "one " + kind + " in k8s/: " + found);
    return found.get(0);
  }

  /** The one manifest of {@code kind} in {@code file} (e.g. {@code k8s/prometheusrule.yaml}). */
  static Manifest single(String file, String kind) {
    List<Manifest> found = manifests.stream().filter(m -> m.file().equals(file) && m.kind().equals(kind)).toList();
    assertEquals(1, found.size(), () -> "one " + kind + " in " + file + ": " + found);
    return found.get(0);
  }

  // ---------------------------------------------------------------------------------------------
  // Small helpers

  /**
   * A YAML loader that refuses duplicate keys (the last one would silently win); what it dumps is
   * block style without line wrapping, so that long expressions (promtool's rule files) stay whole.
   */
  static Yaml yaml() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    DumperOptions dump = new DumperOptions();
    dump.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    dump.setWidth(1 << 16);
    return new Yaml(new SafeConstructor(options), new Representer(dump), dump, options);
  }

  /** The repository root: the first directory above the module that has k8s/ and conf/bitswitch.conf. */
  static Path findRepositoryRoot() {
    for (Path dir = moduleDir(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("k8s")) && Files.isRegularFile(dir.resolve("conf/bitswitch.conf"))) {
        return dir;
      }
    }
    throw new AssertionError("no k8s/ and conf/bitswitch.conf above " + moduleDir());
  }

  /** The jobs module's directory: Surefire's basedir, else the working directory. */
  static Path moduleDir() {
    return Path.of(Optional.ofNullable(System.getProperty("basedir")).orElse("")).toAbsolutePath();
  }

  static String projectVersion() {
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

  static List<String> dockerInstructions(String instruction) {
    List<String> found = new ArrayList<>();
    for (String line : dockerfile.lines().toList()) {
      String[] words = line.strip().split("\\s+", 2);
      if (words.length == 2 && words[0].equals(instruction)) {
        found.add(words[1].strip());
      }
    }
    return found;
  }

  static Path write(String name, String content) throws IOException {
    Path file = work.resolve(name.replaceAll("[^A-Za-z0-9._-]", "_"));
    Files.writeString(file, content);
    return file;
  }

  static List<String> tokens(String text) {
    return Arrays.stream(text.strip().split("\\s+")).filter(t -> !t.isEmpty()).toList();
  }

  static String systemProperty(List<String> options, String name) {
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

  /** The value at {@code keys} below {@code node}, or null where a key is missing. */
  static Object path(Object node, String... keys) {
    Object current = node;
    for (String key : keys) {
      if (!(current instanceof Map<?, ?> m)) {
        return null;
      }
      current = m.get(key);
    }
    return current;
  }

  static String string(Object node, String... keys) {
    Object value = path(node, keys);
    assertInstanceOf(String.class, value, () -> String.join(".", keys) + " is a string");
    return (String) value;
  }

  static int integer(Object node, String... keys) {
    Object value = path(node, keys);
    assertInstanceOf(Integer.class, value, () -> String.join(".", keys) + " is an integer");
    return (Integer) value;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object node, String what) {
    assertInstanceOf(Map.class, node, () -> what + " is a mapping");
    return (Map<String, Object>) node;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object node, String what) {
    assertInstanceOf(List.class, node, () -> what + " is a list");
    return (List<Object>) node;
  }

  /** The mappings of a list, e.g. the containers of a pod. */
  static List<Map<String, Object>> maps(Object node, String what) {
    return list(node, what).stream().map(o -> map(o, what + " item")).toList();
  }

  static List<String> strings(Object node, String what) {
    List<String> result = new ArrayList<>();
    for (Object item : list(node, what)) {
      assertInstanceOf(String.class, item, () -> what + ": every item is a string (quote it)");
      result.add((String) item);
    }
    return result;
  }
}
