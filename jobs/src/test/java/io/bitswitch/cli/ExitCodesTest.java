package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.BitswitchException;
import io.bitswitch.CorruptDataException;
import io.bitswitch.cli.BitswitchCliTest.Run;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Every failure a user meets is one line {@code bitswitch: error: ...} with a documented exit
 * code ({@link ExitCodes}); only an internal error prints its stack trace.
 */
class ExitCodesTest {
  @TempDir Path dir;

  private static Run failing(Throwable failure) {
    StringWriter err = new StringWriter();
    int code = Failures.report(failure, new PrintWriter(err, true));
    return new Run(code, "", err.toString());
  }

  private static void assertOneLine(Run run, int code, String... parts) {
    assertEquals(code, run.code(), run.err());
    assertTrue(run.err().startsWith("bitswitch: error: "), run.err());
    assertEquals(1, run.err().lines().count(), () -> "one line: " + run.err());
    for (String part : parts) {
      assertTrue(run.err().contains(part), () -> "expected '" + part + "' in: " + run.err());
    }
  }

  @Test
  void ioFailuresAnywhereInTheChainExitFourInOneLine() {
    assertOneLine(failing(new UncheckedIOException("cannot write /runs/r/report.json",
        new IOException("No space left on device"))), ExitCodes.IO_FAILURE,
        "cannot write /runs/r/report.json: No space left on device");
    assertOneLine(failing(new RuntimeException("task failed", FullDiskFileSystem.diskFull())), ExitCodes.IO_FAILURE,
        "task failed: No space left on device");
    assertOneLine(failing(FullDiskFileSystem.diskFull()), ExitCodes.IO_FAILURE, "No space left on device");
    assertOneLine(failing(new BitswitchException("could not publish bundle to /b: disk full",
        new IOException("disk full"))), ExitCodes.IO_FAILURE, "could not publish bundle to /b: disk full");
    assertOneLine(failing(new java.nio.file.AccessDeniedException("/ro/eval.json")), ExitCodes.IO_FAILURE,
        "/ro/eval.json (permission denied)");
  }

  @Test
  void badInputWinsOverTheIoExceptionThatFoundIt() {
    assertOneLine(failing(new CorruptDataException("cannot read /r/report.json: bad JSON", new IOException("x"))),
        ExitCodes.BAD_INPUT, "cannot read /r/report.json: bad JSON");
  }

  /** A command that fails as a full disk does under Hadoop's local file system: with an Error. */
  @Command(name = "full")
  static final class FullDisk implements Callable<Integer> {
    @Override
    public Integer call() {
      throw FullDiskFileSystem.diskFull();
    }
  }

  @Test
  void anErrorFromACommandIsReportedToo() {
    CommandLine cli = BitswitchCli.newCommandLine().addSubcommand("full", new FullDisk());
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    Run run = new Run(BitswitchCli.execute(cli, "full"), "", err.toString());
    assertOneLine(run, ExitCodes.IO_FAILURE, "No space left on device");
  }

  @Test
  void aMasterSparkCannotUseIsOneLine() {
    Run run = BitswitchCliTest.run("evaluate", "--bundle", dir.resolve("b").toString(), "--master", "bogus://x");
    assertOneLine(run, ExitCodes.BAD_INPUT, "cannot start Spark with master bogus://x: ");
  }

  @Test
  void switchOntoItsOwnSourceIsRefused() throws IOException {
    Path bundle = Files.createDirectories(dir.resolve("runs/mp/bundle"));
    Run run = BitswitchCliTest.run("switch", "--bundle", bundle.toString(), "--bits", "4", "--out",
        dir.resolve("runs/./mp/bundle/").toString(), "--overwrite");
    assertOneLine(run, ExitCodes.BAD_INPUT, "is the source bundle");
  }

  @Test
  void helpListsTheExitCodes() {
    String top = BitswitchCliTest.run("--help").out();
    String train = BitswitchCliTest.run("train", "--help").out();
    String evaluate = BitswitchCliTest.run("evaluate", "--help").out();
    for (String help : new String[] {top, train, evaluate}) {
      assertTrue(help.contains("Exit codes:"), help);
      for (int code : new int[] {ExitCodes.OK, ExitCodes.INTERNAL_ERROR, ExitCodes.BAD_INPUT, ExitCodes.IO_FAILURE,
          ExitCodes.INTERRUPTED, ExitCodes.TERMINATED}) {
        assertTrue(help.lines().anyMatch(l -> l.strip().startsWith(code + " ")), () -> code + " in " + help);
      }
    }
    assertTrue(train.lines().anyMatch(l -> l.strip().startsWith(ExitCodes.GATES_FAILED + " ")), train);
    assertFalse(evaluate.contains("Quality gates failed"), evaluate);
  }

  @Test
  void trainsRetryOptionsAreChecked() {
    assertOneLine(BitswitchCliTest.run("train", "--out", dir.toString(), "--run-id", "r", "--keep-runs", "0"),
        ExitCodes.BAD_INPUT, "--keep-runs 0");
    assertOneLine(BitswitchCliTest.run("train", "--out", dir.toString(), "--run-id", "r", "--resume",
        "--resume-if-unfinished"), ExitCodes.BAD_INPUT, "mutually exclusive");
  }
}
