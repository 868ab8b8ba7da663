package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.cli.BitswitchCliTest.Run;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A corrupt Parquet file of an ingested dataset is one line naming the file, exit 2, not Spark's log. */
class CorruptDatasetTest {
  @TempDir Path dir;

  @Test
  void aTruncatedPartFileIsOneLineNamingIt() throws IOException {
    assertOneLineNamingTheFile(false);
  }

  @Test
  void aGarbledPartFileIsOneLineNamingIt() throws IOException {
    assertOneLineNamingTheFile(true);
  }

  /** Ingests a small CSV dataset, damages its train part file, and trains on it. */
  private void assertOneLineNamingTheFile(boolean garble) throws IOException {
    Path csv = Files.createDirectories(dir.resolve("csv"));
    StringBuilder train = new StringBuilder("label,p1,p2,p3,p4\n");
    for (int i = 0; i < 64; i++) {
      train.append(i % 10).append(',').append(i).append(",1,2,3\n");
    }
    Files.writeString(csv.resolve("tiny_train.csv"), train);
    Files.writeString(csv.resolve("tiny_test.csv"), "label,p1,p2,p3,p4\n4,5,6,7,8\n5,1,1,1,1\n");
    Path parquet = dir.resolve("parquet");
    Run ingest = BitswitchCliTest.run("ingest", "--data", csv.toString(), "--out", parquet.toString(), "--master",
        "local[1]");
    assertEquals(0, ingest.code(), ingest.err());
    Path part;
    try (Stream<Path> files = Files.walk(parquet.resolve("train"))) {
      part = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    try (RandomAccessFile f = new RandomAccessFile(part.toFile(), "rw")) {
      if (garble) {
        // The data pages, not the footer: found only when a task reads the rows.
        f.seek(4);
        f.write(new byte[(int) Math.min(64, f.length() / 4)]);
      } else {
        f.setLength(f.length() / 2);
      }
    }
    Files.deleteIfExists(part.resolveSibling("." + part.getFileName() + ".crc"));

    Run run = BitswitchCliTest.run("train", "--data", parquet.toString(), "--out", dir.resolve("runs").toString(),
        "--master", "local[1]");
    assertEquals(ExitCodes.BAD_INPUT, run.code(), run.err());
    List<String> lines = run.err().strip().lines().toList();
    assertEquals(1, lines.size(), run.err());
    assertTrue(lines.get(0).startsWith("bitswitch: error: "), run.err());
    assertTrue(lines.get(0).contains("cannot read data file") && lines.get(0).contains(part.getFileName().toString()),
        run.err());
    assertFalse(run.err().contains("\tat "), run.err());
  }
}
