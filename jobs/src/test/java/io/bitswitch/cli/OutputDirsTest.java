package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputDirsTest {
  @TempDir Path dir;

  @Test
  void absentOutputIsLeftAlone() {
    OutputDirs.prepare(dir.resolve("new").toUri().toString(), new Configuration(), false);
    assertFalse(Files.exists(dir.resolve("new")));
  }

  @Test
  void existingOutputIsRefusedUnlessOverwriteThenDeleted() throws IOException {
    Path existing = Files.createDirectories(dir.resolve("dataset").resolve("train.parquet"));
    Files.writeString(existing.resolve("part-0"), "x");
    String uri = dir.resolve("dataset").toUri().toString();
    String message = assertThrows(InvalidInputException.class, () -> OutputDirs.prepare(uri, new Configuration(), false))
        .getMessage();
    assertTrue(message.contains("already exists; pass --overwrite"), message);
    assertTrue(Files.exists(existing));
    OutputDirs.prepare(uri, new Configuration(), true);
    assertFalse(Files.exists(dir.resolve("dataset")));
  }
}
