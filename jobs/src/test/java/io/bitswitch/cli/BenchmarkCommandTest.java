package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.cli.BitswitchCliTest.Run;
import io.bitswitch.testing.RequiredPackages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bitswitch benchmark} end to end at a tiny size (local[2], 2 timed steps of a batch of 16,
 * 100 test images, a 32-image probe, PyTorch included): every row and ratio is there, positive, and
 * {@code --write} writes the same report after its header.
 */
class BenchmarkCommandTest {
  /**
   * A table line: label, median, min-max, unit or target. Horizontal whitespace only, so a line with
   * an empty last column cannot swallow the next.
   */
  private static final Pattern ROW = Pattern.compile("(?m)^(.+?)\\h+(\\d+(?:\\.\\d+)?)\\h+"
      + "(\\d+(?:\\.\\d+)?)-(\\d+(?:\\.\\d+)?)\\h*(.*)$");

  @TempDir Path dir;

  @Test
  void measuresEveryRowInterleavedAndWritesTheReport() throws Exception {
    RequiredPackages.require("dataset-fashion-mnist", "python3-torch");
    Path file = dir.resolve("docs/benchmark.txt");
    Run run;
    // Tests run in the module directory: the repository (its experiments/ and git commit) is its parent,
    // which bin/bitswitch passes as bitswitch.home.
    String home = System.getProperty("bitswitch.home");
    System.setProperty("bitswitch.home", Path.of("..").toAbsolutePath().normalize().toString());
    try {
      run = BitswitchCliTest.run("benchmark", "--master", "local[2]", "--steps", "2", "--warmup", "1",
          "--write", file.toString(), "--set", "train.batch-size=16", "--set", "train.bits=[8,4]",
          "--set", "data.max-test-examples=100", "--set", "evaluate.batch-size=50", "--set", "sensitivity.samples=32");
    } finally {
      if (home == null) {
        System.clearProperty("bitswitch.home");
      } else {
        System.setProperty("bitswitch.home", home);
      }
    }
    assertEquals(0, run.code(), run::err);
    String out = run.out();
    for (String row : List.of("plain DL4J FP32 fwd+bwd", "DL4J FP32 fwd+bwd, bitswitch layer code",
        "train / DL4J FP32 with bitswitch layers", "bitswitch layer code / DL4J's (FP32)", "bitswitch train, sequential (2 bits)",
        "PyTorch FP32 fwd+bwd", "PyTorch joint, sequential (2 bits)", "evaluate (Evaluator, each of bits 8,4)",
        "PyTorch evaluate (each of bits 8,4)", "one Hutchinson probe (sensitivity)", "train / PyTorch joint",
        "train / DL4J FP32 per image-pass", "DL4J FP32 / PyTorch FP32", "evaluate / PyTorch inference")) {
      Matcher m = ROW.matcher(out);
      boolean found = false;
      while (m.find()) {
        if (m.group(1).startsWith(row)) {
          found = true;
          double median = Double.parseDouble(m.group(2));
          double min = Double.parseDouble(m.group(3));
          double max = Double.parseDouble(m.group(4));
          assertTrue(min > 0 && min <= median && median <= max, m.group());
        }
      }
      assertTrue(found, row + " missing from:\n" + out);
    }
    assertTrue(out.contains("3 interleaved rounds"), out);
    assertTrue(out.contains("only `sequential` exists"), out);
    assertTrue(out.contains("PyTorch: torch "), out);
    assertTrue(run.err().contains("round 3/3: one Hutchinson probe"), run.err());
    String written = Files.readString(file);
    assertTrue(written.startsWith("$ bin/bitswitch benchmark --master 'local[2]' --steps 2"), written);
    assertTrue(written.contains(" --set 'train.bits=[8,4]' "), written);
    for (String field : List.of("# date:", "# cores:  2", "# load:   before: ", "#         after:  ", "# commit:")) {
      assertTrue(written.contains(field), written);
    }
    assertTrue(written.endsWith(out), written);
  }

  @Test
  void writeBelongsToTheTrainingBenchmark() {
    Run run = BitswitchCliTest.run("benchmark", "--inference", "--bundle", "x", "--write", "out.txt");
    assertEquals(2, run.code(), run::err);
    assertTrue(run.err().contains("--write belongs to the training benchmark"), run.err());
  }
}
