package io.bitswitch.deploy;

import static io.bitswitch.deploy.DeploymentFiles.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.ConfigFactory;
import io.bitswitch.InvalidInputException;
import io.bitswitch.cli.BitswitchCli;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.spark.BitswitchKryoRegistrator;
import io.bitswitch.spark.SparkSessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * What the schedules submit: the command lines the manifests pass are accepted by the real
 * spark-submit argument parser and the real bitswitch CLI, with the configuration they mount
 * loaded and validated the way the job loads it; both schedules run the same command;
 * conf/spark-defaults.conf carries what the job needs and the ScheduledSparkApplication repeats it.
 * Each kind of check also has a test that feeds it a mistake and sees it fail.
 */
class DeploymentSubmissionTest {
  @BeforeAll
  static void loadEveryFile() throws IOException {
    DeploymentFiles.load();
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
    // A re-created Job continues its run instead of failing on it, and old runs are pruned.
    assertTrue(parsed.subcommand().hasMatchedOption("--resume-if-unfinished"), "train --resume-if-unfinished");
    Integer keep = parsed.subcommand().matchedOptionValue("--keep-runs", null);
    assertTrue(keep != null && keep >= 2, () -> "train --keep-runs N, N >= 2 (latest and a newer one): " + keep);
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
    for (String key : List.of("spark.serializer", "spark.kryo.registrator", "spark.kryo.registrationRequired",
        "spark.task.maxDirectResultSize")) {
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
}
