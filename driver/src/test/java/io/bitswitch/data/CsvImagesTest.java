package io.bitswitch.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.CorruptDataException;
import io.bitswitch.testing.RequiredPackages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvImagesTest {
  @TempDir Path dir;

  private Path csv(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
  }

  @Test
  void readsRowsWithHeader() throws IOException {
    Path file = csv("train.csv", "label,pixel1,pixel2,pixel3,pixel4\n3,0,1,2,255\r\n\n7, 10 ,20,30,40\n");
    LabeledImages images = CsvImages.read(file);
    assertEquals(2, images.count());
    assertEquals(new ImageShape(1, 2, 2), images.shape());
    assertArrayEquals(new int[] {3, 7}, images.labels());
    assertArrayEquals(new byte[] {0, 1, 2, (byte) 255, 10, 20, 30, 40}, images.pixels());
  }

  @Test
  void readsGzippedRowsWithoutHeader() throws IOException {
    Path file = IdxFixtures.write(dir, "rows.csv.gz",
        IdxFixtures.gzip("1,5\n2,6\n".getBytes(StandardCharsets.UTF_8)));
    LabeledImages images = CsvImages.read(file);
    assertEquals(new ImageShape(1, 1, 1), images.shape());
    assertArrayEquals(new int[] {1, 2}, images.labels());
  }

  @Test
  void matchesTheIdxFilesItWasWrittenFrom() throws IOException {
    RequiredPackages.require("dataset-fashion-mnist");
    LabeledImages idx = FashionMnistFiles.locate(FashionMnistFiles.DEFAULT_DIR,
        new org.apache.hadoop.conf.Configuration()).loadTest();
    StringBuilder sb = new StringBuilder("label");
    for (int k = 1; k <= 784; k++) {
      sb.append(",pixel").append(k);
    }
    sb.append('\n');
    for (int i = 0; i < 100; i++) {
      sb.append(idx.labels()[i]);
      for (int k = 0; k < 784; k++) {
        sb.append(',').append(idx.pixels()[i * 784 + k] & 0xFF);
      }
      sb.append('\n');
    }
    LabeledImages fromCsv = CsvImages.read(csv("fashion-mnist_test.csv", sb.toString()));
    assertEquals(new ImageShape(1, 28, 28), fromCsv.shape());
    assertArrayEquals(java.util.Arrays.copyOf(idx.labels(), 100), fromCsv.labels());
    assertArrayEquals(java.util.Arrays.copyOf(idx.pixels(), 100 * 784), fromCsv.pixels());
  }

  @Test
  void malformedRowsNameFileAndLine() throws IOException {
    Path notSquare = csv("a.csv", "1,2,3,4\n");
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> CsvImages.read(notSquare));
    assertTrue(e.getMessage().contains(notSquare + " line 1"), e.getMessage());
    assertTrue(e.getMessage().contains("not a square number"), e.getMessage());

    Path ragged = csv("b.csv", "1,2,3,4,5\n1,2,3\n");
    e = assertThrows(CorruptDataException.class, () -> CsvImages.read(ragged));
    assertTrue(e.getMessage().contains("line 2: 3 fields, expected 5"), e.getMessage());

    Path range = csv("c.csv", "label,a,b,c,d\n1,2,3,4,256\n");
    e = assertThrows(CorruptDataException.class, () -> CsvImages.read(range));
    assertTrue(e.getMessage().contains("line 2: pixel 4 is 256, outside 0..255"), e.getMessage());

    Path text = csv("d.csv", "1,2\nx,3\n");
    e = assertThrows(CorruptDataException.class, () -> CsvImages.read(text));
    assertTrue(e.getMessage().contains("line 2: expected comma-separated integers"), e.getMessage());

    Path headerOnly = csv("e.csv", "label,pixel1\n");
    e = assertThrows(CorruptDataException.class, () -> CsvImages.read(headerOnly));
    assertTrue(e.getMessage().contains("has no data rows"), e.getMessage());

    Path negative = csv("f.csv", "-1,3\n");
    e = assertThrows(CorruptDataException.class, () -> CsvImages.read(negative));
    assertTrue(e.getMessage().contains("label -1 is negative"), e.getMessage());
  }
}
