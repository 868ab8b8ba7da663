package io.bitswitch.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.spark.SparkSessions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntUnaryOperator;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassMixTest {
  @TempDir Path dir;

  @Test
  void labelSortedPartitionsAreNamed() {
    // Two partitions of a label-sorted index over 4 classes: classes 0-1 in one, 2-3 in the other.
    Optional<String> w = ClassMix.warning(List.of(new long[] {500, 500, 0, 0}, new long[] {0, 0, 500, 500}));
    assertTrue(w.isPresent());
    assertTrue(w.get().startsWith("training partition 0 of 2 has no example of 2 of the 4 classes"), w.get());
  }

  @Test
  void mixedPartitionsPass() {
    assertEquals(Optional.empty(), ClassMix.warning(List.of(new long[] {250, 240, 260, 250},
        new long[] {250, 260, 240, 250})));
  }

  @Test
  void rareClassesAndTinyPartitionsMayBeMissing() {
    // Class 3 is 0.5 % of the data: missing from a partition by chance is no sign of sorting.
    assertEquals(Optional.empty(), ClassMix.warning(List.of(new long[] {330, 330, 330, 10}, new long[] {330, 330,
        340, 0})));
    // Eight examples per partition cannot hold ten classes each.
    assertEquals(Optional.empty(), ClassMix.warning(List.of(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0},
        new long[] {0, 0, 1, 1, 1, 1, 1, 1, 1, 1})));
  }

  @Test
  void onePartitionHasNothingToCompare() {
    assertEquals(Optional.empty(), ClassMix.warning(List.<long[]>of(new long[] {100, 0})));
  }

  /** Opening training data warns on a label-sorted CSV (2 partitions of 5 classes each), not on a mixed one. */
  @Test
  void trainingDataOpenedFromALabelSortedFileIsWarnedAbout() throws IOException {
    SparkSession spark = SparkSessions.create("local[2]", "bitswitch-test", Map.of());
    try {
      assertTrue(progressOpening(spark, csv("sorted", i -> i / 40)).contains(
          "warning: training partition 0 of 2 has no example of 5 of the 10 classes"));
      assertEquals("", progressOpening(spark, csv("mixed", i -> i % 10)));
    } finally {
      spark.stop();
    }
  }

  private static String progressOpening(SparkSession spark, Path data) {
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    StageSetup setup = new StageSetup("fmnist-cnn", "", 3, data.toString(), 2, 0, 0, 20);
    new StageContext(spark, setup, new PrintStream(progress, true, StandardCharsets.UTF_8)).openData(true).release();
    return progress.toString(StandardCharsets.UTF_8);
  }

  /** 400 4x4 images, 40 per class; image i has label {@code label(i)}. */
  private Path csv(String name, IntUnaryOperator label) throws IOException {
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 400; i++) {
      rows.append(label.applyAsInt(i));
      for (int p = 0; p < 16; p++) {
        rows.append(',').append((i * 7 + p * 13) % 256);
      }
      rows.append('\n');
    }
    Path data = Files.createDirectories(dir.resolve(name));
    Files.writeString(data.resolve("train.csv"), rows);
    Files.writeString(data.resolve("test.csv"), rows);
    return data;
  }
}
