package io.bitswitch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.BitswitchException;
import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PointerTest {
  @TempDir
  Path tmp;

  private List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(tmp.resolve("out"))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void writesAndReplacesTheLatestPointer() throws IOException {
    Configuration conf = new Configuration();
    String out = tmp.resolve("out").toUri().toString();
    assertEquals(Optional.empty(), Pointer.readLatest(out, conf));
    Pointer.writeLatest(out, "run-1", conf);
    assertEquals(Optional.of("run-1"), Pointer.readLatest(out, conf));
    Pointer.writeLatest(out, "run-2", conf);
    assertEquals(Optional.of("run-2"), Pointer.readLatest(out, conf));
    assertEquals("run-2\n", Files.readString(tmp.resolve("out/latest")));
    assertEquals(List.of("latest"), names(), "no temporary files left");
  }

  @Test
  void failedUpdateKeepsTheOldPointer() throws IOException {
    Configuration ok = new Configuration();
    Pointer.writeLatest(tmp.resolve("out").toString(), "run-1", ok);
    Configuration c = new Configuration();
    c.set("fs.faulty.impl", FaultyFileSystem.class.getName());
    c.setBoolean("fs.faulty.impl.disable.cache", true);
    c.set(FaultyFileSystem.FAIL_RENAME_FROM, ".latest.tmp-");
    assertThrows(BitswitchException.class, () -> Pointer.writeLatest("faulty:" + tmp.resolve("out"), "run-2", c));
    assertEquals(Optional.of("run-1"), Pointer.readLatest(tmp.resolve("out").toString(), ok));
    assertEquals(List.of("latest"), names());
  }

  @Test
  void rejectsBadRunIdsAndCorruptPointers() throws IOException {
    Configuration conf = new Configuration();
    String out = tmp.resolve("out").toString();
    assertThrows(InvalidInputException.class, () -> Pointer.writeLatest(out, "a/b", conf));
    assertThrows(InvalidInputException.class, () -> Pointer.writeLatest(out, "", conf));
    Files.createDirectories(tmp.resolve("out"));
    Files.writeString(tmp.resolve("out/latest"), "  \n");
    assertTrue(assertThrows(CorruptDataException.class, () -> Pointer.readLatest(out, conf))
        .getMessage().contains("run id is empty"));
  }
}
