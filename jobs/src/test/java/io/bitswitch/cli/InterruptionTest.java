package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.testing.RequiredPackages;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM during {@code train} in its own JVM, as Kubernetes stops a pod: exit 143, one line
 * "interrupted by SIGTERM" and no stack dump after it, and the run's lock released.
 */
class InterruptionTest {
  @TempDir Path dir;

  @Test
  void sigtermDuringTrainingIsOneLineAndExit143() throws Exception {
    RequiredPackages.require("dataset-fashion-mnist");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (option.startsWith("--add-") || option.startsWith("-D") || option.startsWith("-X")) {
        command.add(option);
      }
    }
    command.add("-Dlog4j2.configurationFile=" + Path.of("..", "conf", "log4j2.properties").toAbsolutePath());
    command.add("-cp");
    command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
        .replace(File.pathSeparatorChar, File.pathSeparatorChar));
    command.add(BitswitchCli.class.getName());
    command.addAll(List.of("train", "--out", dir.toString(), "--run-id", "t1", "--master", "local[2]",
        "--set", "data.max-train-examples=8192", "--set", "data.max-test-examples=200", "--set",
        "train.batch-size=64", "--set", "train.bits=[8,4]", "--set", "train.epochs=3", "--set", "train.log-every=1"));
    Process train = new ProcessBuilder(command).redirectErrorStream(true).start();
    List<String> output = new ArrayList<>();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(train.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      boolean signalled = false;
      while ((line = lines.readLine()) != null) {
        output.add(line);
        if (!signalled && line.contains("train step 2/")) {
          // SIGTERM, keeping the output stream open (Process.destroy would close it).
          new ProcessBuilder("kill", "-TERM", Long.toString(train.pid())).start().waitFor();
          signalled = true;
        }
      }
    }
    assertTrue(train.waitFor(120, TimeUnit.SECONDS));
    String all = String.join("\n", output);
    assertEquals(ExitCodes.TERMINATED, train.exitValue(), all);
    int interrupted = output.indexOf("bitswitch: error: interrupted by SIGTERM");
    assertTrue(interrupted >= 0, all);
    List<String> after = output.subList(interrupted + 1, output.size());
    assertFalse(after.stream().anyMatch(l -> l.startsWith("\tat ") || l.contains("Exception")),
        () -> "nothing after the line: " + after);
    assertFalse(Files.exists(dir.resolve("t1/.lock")), "lock released");
  }
}
