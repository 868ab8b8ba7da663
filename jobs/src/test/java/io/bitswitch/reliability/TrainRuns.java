package io.bitswitch.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bitswitch.cli.BitswitchCli;
import io.bitswitch.cli.SmallTrainRuns;
import io.bitswitch.store.FaultPoints;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The small {@code train} runs of the fault tests ({@link SmallTrainRuns}, run id {@value #RUN_ID},
 * a checkpoint every two of its four steps), in this JVM or in a child JVM that a fault point or
 * SIGKILL may end, and what of their outputs must equal an uninterrupted run's.
 */
final class TrainRuns {
  /** The run id of every fault-test run: a retry uses the crashed run's id. */
  static final String RUN_ID = "r1";

  /**
   * Settings every run shares: checkpoints at steps 2 and 4, progress every step (the SIGKILL test
   * waits for it), and a lock that goes stale after 2 s so that a retry can take over a crashed
   * run's lock at once. None of them can change the result (TrainCommand.cannotChangeTraining).
   */
  private static final List<String> SETTINGS = List.of("--set", "train.checkpoint-every=2", "--set",
      "train.log-every=1", "--set", "train.lock-timeout-seconds=2");

  /** How long a crashed run's lock takes to go stale, with a margin. */
  static final long LOCK_STALE_MILLIS = 2_500;

  private TrainRuns() {}

  /** The outcome of a run in this JVM. */
  record Result(int code, String out, String err) {}

  /**
   * The full command line of the small train run into {@code out}, with {@code extra} arguments
   * (run id {@value #RUN_ID} unless they name one).
   */
  static String[] arguments(String out, String... extra) {
    List<String> args = new ArrayList<>(SETTINGS);
    if (!List.of(extra).contains("--run-id")) {
      args.addAll(List.of("--run-id", RUN_ID));
    }
    args.addAll(List.of(extra));
    return SmallTrainRuns.arguments(out, args.toArray(String[]::new));
  }

  /** Runs {@code train} into {@code out} in this JVM. */
  static Result inProcess(String out, String... extra) {
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    int code = BitswitchCli.execute(arguments(out, extra), new PrintWriter(stdout), new PrintWriter(stderr));
    return new Result(code, stdout.toString(), stderr.toString());
  }

  /**
   * Starts {@code train} into {@code out} in a child JVM with this JVM's class path and options,
   * halting at {@code haltAt} ({@link FaultPoints}) unless it is null; stdout and stderr go to
   * {@code <logs>.out} / {@code <logs>.err}.
   */
  static Process child(Path logs, String haltAt, String out, String... extra) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      // The module openings Spark needs and the DL4J options, not the test JVM's heap, agents or debugger.
      if (!option.startsWith("-Xmx") && !option.startsWith("-javaagent") && !option.startsWith("-agentlib")) {
        command.add(option);
      }
    }
    command.add("-Xmx1500m");
    // Logging and the local driver's address as bin/bitswitch sets them, so stderr holds what a user sees.
    command.add("-Dlog4j2.configurationFile=" + Path.of("..", "conf", "log4j2.properties").toAbsolutePath().normalize());
    command.add("-Dspark.driver.host=127.0.0.1");
    if (haltAt != null) {
      command.add("-D" + FaultPoints.HALT_AT + "=" + haltAt);
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), BitswitchCli.class.getName()));
    command.addAll(List.of(arguments(out, extra)));
    Files.createDirectories(logs.getParent());
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    return builder.redirectOutput(logs.resolveSibling(logs.getFileName() + ".out").toFile())
        .redirectError(logs.resolveSibling(logs.getFileName() + ".err").toFile()).start();
  }

  /** The child's stderr without the JVM's incubator-module warning and the progress lines: its error lines. */
  static String childErrors(Path logs) throws IOException {
    return childErr(logs).lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")
        && !l.matches("(train|pretrain) step .*")).collect(java.util.stream.Collectors.joining("\n"));
  }

  /** The child's stderr so far. */
  static String childErr(Path logs) throws IOException {
    Path err = logs.resolveSibling(logs.getFileName() + ".err");
    return Files.exists(err) ? Files.readString(err) : "";
  }

  /** Whether the run has a committed checkpoint, so that its retry takes {@code --resume}. */
  static boolean hasCommittedCheckpoint(Path out) throws IOException {
    Path state = out.resolve(RUN_ID).resolve("state");
    if (!Files.isDirectory(state)) {
      return false;
    }
    try (Stream<Path> steps = Files.list(state)) {
      return steps.anyMatch(step -> Files.exists(step.resolve("manifest.json")));
    }
  }

  /**
   * What of a finished run must equal the uninterrupted run's: the tensors file's SHA-256, the
   * manifest without timestamps, the report's accuracies and the {@code latest} pointer.
   */
  record Outputs(String tensorsSha256, JsonNode manifest, JsonNode accuracy, Optional<String> latest,
      List<String> lossHistory) {
    static Outputs of(Path out) throws IOException {
      return of(out, RUN_ID);
    }

    static Outputs of(Path out, String runId) throws IOException {
      Path run = out.resolve(runId);
      ObjectMapper json = new ObjectMapper();
      JsonNode manifest = withoutTimestamps(json.readTree(run.resolve("bundle/manifest.json").toFile()));
      JsonNode accuracy = json.readTree(run.resolve("report.json").toFile()).get("accuracy");
      Path latest = out.resolve("latest");
      return new Outputs(sha256(Files.readAllBytes(run.resolve("bundle/model.safetensors"))), manifest, accuracy,
          Files.exists(latest) ? Optional.of(Files.readString(latest).strip()) : Optional.empty(),
          stepLosses(run.resolve("history.csv")));
    }

    void assertSameAs(Outputs reference, String what) {
      assertSameModelAs(reference, what);
      assertEquals(reference.latest(), latest(), what + ": latest");
    }

    /** As {@link #assertSameAs} but for the pointer, which names another run id. */
    void assertSameModelAs(Outputs reference, String what) {
      // On a mismatch, the step losses of both runs tell where they parted (and whether by a bit or a lot).
      assertEquals(reference.tensorsSha256(), tensorsSha256(), () -> what + ": bundle tensors; step losses "
          + reference.lossHistory() + " (reference) and " + lossHistory() + " (this run)");
      assertEquals(reference.manifest(), manifest(), what + ": bundle manifest (timestamps aside)");
      assertEquals(reference.accuracy(), accuracy(), what + ": report accuracies");
    }
  }

  /** Each step's losses from a run's history.csv (none when it has no such file). */
  private static List<String> stepLosses(Path history) throws IOException {
    if (!Files.exists(history)) {
      return List.of();
    }
    List<String> rows = Files.readAllLines(history);
    List<Integer> lossColumns = new ArrayList<>();
    String[] header = rows.get(0).split(",");
    for (int c = 0; c < header.length; c++) {
      if (header[c].startsWith("loss_")) {
        lossColumns.add(c);
      }
    }
    return rows.stream().skip(1).map(row -> {
      String[] cells = row.split(",");
      return lossColumns.stream().map(c -> cells[c]).collect(java.util.stream.Collectors.joining("/"));
    }).toList();
  }

  private static JsonNode withoutTimestamps(JsonNode node) {
    if (node instanceof ObjectNode object) {
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (field.getKey().matches("(?i).*(time|date|created|_at)$")) {
          it.remove();
        } else {
          withoutTimestamps(field.getValue());
        }
      }
    } else if (node.isArray()) {
      node.forEach(TrainRuns::withoutTimestamps);
    }
    return node;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** The hidden temporaries ({@code .x.tmp-*}) left under {@code dir}, relative to it, their unique suffixes as *. */
  static List<String> leftTemporaries(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.getFileName().toString().matches("\\..*\\.tmp-.*"))
          .map(p -> dir.relativize(p).toString().replaceAll("\\.tmp-[^/]*$", ".tmp-*")).sorted().distinct().toList();
    }
  }
}
