package io.bitswitch.progress;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The ETA of a resumed run counts the time per step of the steps this process took, not from step 0. */
class ProgressPrinterTest {
  private static StepRecord step(int n) {
    return new StepRecord(n, 0, new int[] {8}, new double[] {1.0}, 0.01, new double[] {Double.NaN}, 100, 1);
  }

  @Test
  void etaOfAResumedRunCountsFromTheResumedStep() throws InterruptedException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressPrinter printer = new ProgressPrinter("train", 100, 1, 1, new PrintStream(bytes, true,
        StandardCharsets.UTF_8)).resumedAt(90);
    Thread.sleep(1000);
    printer.accept(step(91));
    String line = bytes.toString(StandardCharsets.UTF_8);
    // One step took ≥ 1 s, 9 remain: ≥ 9 s. Counting from step 0 would say 91 steps took 1 s: 0 s.
    String eta = line.substring(line.indexOf("ETA ") + 4).strip();
    assertTrue(eta.compareTo("0m09s") >= 0 && eta.startsWith("0m"), line);
  }
}
