package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class BitswitchCliTest {
  private static final List<String> COMMANDS =
      List.of("ingest", "pretrain", "train", "sensitivity", "supernet", "search", "evaluate", "switch", "export", "inspect",
          "demo");

  @TempDir Path dir;

  /** The outcome of one run: exit code and both streams. */
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = BitswitchCli.execute(args, new PrintWriter(out), new PrintWriter(err));
    return new Run(code, out.toString(), err.toString());
  }

  private static void assertUsageError(Run run, String... parts) {
    assertEquals(2, run.code(), () -> "exit code; stderr: " + run.err());
    assertTrue(run.err().startsWith("bitswitch: error: "), run.err());
    assertEquals(1, run.err().lines().count(), () -> "one line: " + run.err());
    for (String part : parts) {
      assertTrue(run.err().contains(part), () -> "expected '" + part + "' in: " + run.err());
    }
  }

  @Test
  void everyCommandOfTheContractExists() {
    assertTrue(BitswitchCli.newCommandLine().getSubcommands().keySet().containsAll(COMMANDS));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingest", "pretrain", "train", "sensitivity", "supernet", "search", "evaluate", "switch", "export",
      "inspect", "demo", "benchmark"})
  void helpWorksForEveryCommand(String command) {
    Run run = run(command, "--help");
    assertEquals(0, run.code(), run.err());
    assertTrue(run.out().startsWith("Usage: bitswitch " + command), run.out());
    for (String common : List.of("--config", "--set")) {
      assertTrue(run.out().contains(common), () -> command + " --help lists " + common);
    }
    assertEquals("", run.err());
    assertEquals(0, run("help", command).code());
  }

  @Test
  void topLevelHelpListsTheCommandsAndVersionPrintsTheVersion() {
    Run help = run("--help");
    assertEquals(0, help.code());
    for (String command : COMMANDS) {
      assertTrue(help.out().contains(command), command);
    }
    Run version = run("--version");
    assertEquals(0, version.code());
    assertTrue(version.out().matches("bitswitch \\d+\\.\\d+\\.\\d+.*\\R"), version.out());
  }

  @Test
  void unknownOptionIsAUsageError() {
    assertUsageError(run("train", "--bogus"), "Unknown option: '--bogus'", "bitswitch train --help");
  }

  @Test
  void unknownCommandAndMissingCommandAreUsageErrors() {
    assertUsageError(run("trian"), "trian");
    assertUsageError(run(), "missing command", "ingest", "demo");
  }

  @Test
  void configurationErrorsAreOneLine() {
    assertUsageError(run("train", "--out", "runs", "--set", "train.epoch=3"),
        "unknown key 'bitswitch.train.epoch'", "did you mean 'bitswitch.train.epochs'?");
    assertUsageError(run("inspect", "--bundle", "b", "--set", "train.bits=[8,9]"),
        "bitswitch.train.bits is invalid: bit-width 9 is outside the supported range 2..8");
    assertUsageError(run("demo", "--config", dir.resolve("absent.conf").toString()), "absent.conf does not exist");
  }

  @Test
  void missingInputsAreNamed() throws IOException {
    assertUsageError(run("sensitivity", "--bundle", "b"), "--out is required");
    assertUsageError(run("supernet", "--bundle", dir.resolve("absent").toString(), "--out", dir.toString()),
        "no bundle at");
    assertUsageError(run("search", "--bundle", "b", "--sensitivity", dir.resolve("none.json").toString(), "--out",
        dir.resolve("s").toString()), "none.json does not exist");
    assertUsageError(run("train", "--out", dir.toString(), "--run-id", "r", "--resume"), "no committed checkpoint");
    assertUsageError(run("train", "--out", dir.toString(), "--warm-start", "latest"), "no 'latest' pointer");
    Path layers = Files.writeString(dir.resolve("layers.json"), "{\"conv2\": 4}");
    assertUsageError(run("evaluate", "--bundle", dir.resolve("absent").toString(), "--layer-bits", layers.toString()),
        "no bundle at");
  }

  @Test
  void settingsTheTrainingStagesDoNotActOnAreRefused() {
    Run refused = run("pretrain", "--out", dir.toString(), "--set", "metrics.port=9100", "--set",
        "metrics.pushgateway=127.0.0.1:9091", "--set", "model.quantize-first-last=true");
    assertUsageError(refused, "bitswitch.model.quantize-first-last = true; remove these settings");
    assertTrue(!refused.err().contains("bitswitch.metrics"), () -> "metrics settings are supported: " + refused.err());
  }

  @Test
  void requiredAndConflictingOptionsAreUsageErrors() {
    assertUsageError(run("inspect"), "Missing required option: '--bundle=BUNDLE'");
    assertUsageError(run("switch", "--bundle", "b", "--out", "o"), "--bits", "--layer-bits");
    assertUsageError(run("switch", "--bundle", "b", "--bits", "4", "--layer-bits", "l.json", "--out", "o"),
        "mutually exclusive");
    assertUsageError(run("switch", "--bundle", "b", "--bits", "4"), "--out is required");
    assertUsageError(run("train", "--init", "a", "--warm-start", "latest", "--out", "o"), "mutually exclusive");
    assertUsageError(run("train", "--resume", "--out", "o"), "--resume needs --run-id");
    assertUsageError(run("pretrain"), "--out is required");
    assertUsageError(run("ingest", "--out", "o"), "--data is required");
  }

  @Test
  void commonOptionsACommandDoesNotUseAreNeitherListedNorAccepted() {
    assertUsageError(run("inspect", "--bundle", "b", "--data", "d"), "Unknown option", "'--data'", "bitswitch inspect --help");
    assertUsageError(run("switch", "--bundle", "b", "--bits", "4", "--out", "o", "--master", "local[2]"),
        "Unknown option", "'--master'");
    assertUsageError(run("evaluate", "--bundle", "b", "--out", "o"), "Unknown option", "'--out'");
    assertUsageError(run("ingest", "--data", "d", "--out", "o", "--run-id", "r"), "Unknown option", "'--run-id'");
    String inspectHelp = run("inspect", "--help").out();
    for (String unused : List.of("--data", "--out", "--master", "--run-id")) {
      assertTrue(!inspectHelp.contains(unused), () -> "inspect --help does not list " + unused);
    }
    assertTrue(run("train", "--help").out().contains("--run-id"));
  }

  @Test
  void badBitWidthsAreUsageErrors() {
    assertUsageError(run("switch", "--bundle", "b", "--bits", "9", "--out", "o"), "bit-width 9 is outside");
    assertUsageError(run("switch", "--bundle", "b", "--bits", "four", "--out", "o"), "'four' is not a bit-width");
    assertUsageError(run("evaluate", "--bundle", "b", "--bits", "8,9"), "bit-width 9 in '8,9' is outside");
    assertUsageError(run("evaluate", "--bundle", "b", "--bits", "8,8"), "appears more than once");
  }

  @Test
  void badLayerBitsFileIsAUsageError() throws IOException {
    Path file = dir.resolve("layers.json");
    Files.writeString(file, "{\"conv1\": 4, \"conv2\": 9}");
    assertUsageError(run("switch", "--bundle", "b", "--layer-bits", file.toString(), "--out", "o"),
        "layer 'conv2'", "has bit-width 9");
  }

  @Test
  void badRunIdIsAUsageError() {
    assertUsageError(run("pretrain", "--out", "o", "--run-id", "../escape"), "--run-id '../escape' is not a run id");
  }

  /** A command that fails the way a bug would. */
  @Command(name = "boom")
  static final class Boom implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new IllegalStateException("a bug");
    }
  }

  @Test
  void unexpectedExceptionsAreInternalErrorsWithTheirStackTraceAndExitOne() {
    CommandLine cli = BitswitchCli.newCommandLine().addSubcommand("boom", new Boom());
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    assertEquals(ExitCodes.INTERNAL_ERROR, cli.execute("boom"));
    assertTrue(err.toString().startsWith(
        "bitswitch: error: internal error, please report: java.lang.IllegalStateException: a bug"), err.toString());
    assertTrue(err.toString().contains("\tat "), "stack trace");
  }
}
