package io.bitswitch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Run files are replaced atomically: a failed write keeps the old content (docs/design/architecture.md §5). */
class RunFilesTest {
  @TempDir
  Path tmp;

  private List<String> visibleNames() throws IOException {
    try (Stream<Path> s = Files.list(tmp.resolve("run"))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
    }
  }

  @Test
  void replacesAFile() throws IOException {
    Configuration conf = new Configuration();
    String file = tmp.resolve("run/report.md").toString();
    RunFiles.writeText(file, "one\n", conf);
    RunFiles.writeText(file, "two\n", conf);
    assertEquals("two\n", Files.readString(tmp.resolve("run/report.md")));
    assertEquals(List.of("report.md"), visibleNames());
  }

  @Test
  void failedReplacementKeepsTheOldFile() throws IOException {
    RunFiles.writeText(tmp.resolve("run/report.md").toString(), "one\n", new Configuration());
    Configuration faulty = new Configuration();
    faulty.set("fs.faulty.impl", FaultyFileSystem.class.getName());
    faulty.setBoolean("fs.faulty.impl.disable.cache", true);
    faulty.set(FaultyFileSystem.FAIL_RENAME_FROM, ".report.md.tmp-");
    assertThrows(UncheckedIOException.class,
        () -> RunFiles.writeText("faulty:" + tmp.resolve("run/report.md"), "two\n", faulty));
    assertEquals("one\n", Files.readString(tmp.resolve("run/report.md")));
    try (Stream<Path> s = Files.list(tmp.resolve("run"))) {
      assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp-")).toList(),
          "no temporary file left");
    }
  }
}
