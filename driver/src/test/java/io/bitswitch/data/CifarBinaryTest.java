package io.bitswitch.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.CorruptDataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads CIFAR-10 and CIFAR-100 binary files made here; truncated files and bad labels fail clearly. */
class CifarBinaryTest {
  @TempDir Path tmp;

  private static LabeledImages source() {
    byte[] pixels = new byte[6 * 784];
    for (int k = 0; k < pixels.length; k++) {
      pixels[k] = (byte) (k * 7);
    }
    return new LabeledImages(new ImageShape(1, 28, 28), pixels, new int[] {3, 1, 4, 1, 5, 9});
  }

  @Test
  void cifar10TrainBatchesAreReadInBatchOrder() throws IOException {
    LabeledImages src = source();
    CifarFixtures.writeCifar10(tmp, src, 4, 2);
    // A tenth batch sorts after the second only by number, not by name.
    Files.write(tmp.resolve("data_batch_10.bin"), CifarFixtures.records(src, 5, 6));
    SourceData data = SourceData.load(tmp.toString(), new Configuration());
    assertEquals(DatasetFormat.CIFAR, data.format());
    assertEquals(CifarBinary.SHAPE, data.train().shape());
    assertArrayEquals(new int[] {3, 1, 4, 1, 9}, data.train().labels());
    assertArrayEquals(new int[] {5, 9}, data.test().labels());
    assertArrayEquals(CifarFixtures.pixels(src, 2), data.train().image(2));
    assertEquals(CifarFixtures.NAMES, data.classNames());
  }

  @Test
  void cifar100TakesTheFineLabel() throws IOException {
    byte[] records = new byte[2 * 3074];
    records[0] = 7;
    records[1] = 99;
    records[2] = 42;
    records[3074] = 1;
    records[3075] = 12;
    Files.write(tmp.resolve("train.bin"), records);
    Files.write(tmp.resolve("test.bin"), Arrays.copyOf(records, 3074));
    SourceData data = SourceData.load(tmp.toString(), new Configuration());
    assertArrayEquals(new int[] {99, 12}, data.train().labels());
    assertEquals(42, data.train().pixels()[0]);
    assertEquals(java.util.List.of(), data.classNames());
  }

  @Test
  void labelOutOfRangeNamesFileAndRecord() throws IOException {
    CifarFixtures.writeCifar10(tmp, source(), 4, 2);
    byte[] test = Files.readAllBytes(tmp.resolve("test_batch.bin"));
    test[3073] = 10;
    Files.write(tmp.resolve("test_batch.bin"), test);
    CorruptDataException e = assertThrows(CorruptDataException.class,
        () -> SourceData.load(tmp.toString(), new Configuration()));
    assertTrue(e.getMessage().contains("test_batch.bin record 1: label 10 is outside 0..9"), e.getMessage());
  }

  @Test
  void truncatedRecordNamesFileAndRecord() throws IOException {
    CifarFixtures.writeCifar10(tmp, source(), 4, 2);
    byte[] batch = Files.readAllBytes(tmp.resolve("data_batch_2.bin"));
    Files.write(tmp.resolve("data_batch_2.bin"), Arrays.copyOf(batch, batch.length - 100));
    CorruptDataException e = assertThrows(CorruptDataException.class,
        () -> SourceData.load(tmp.toString(), new Configuration()));
    assertTrue(e.getMessage().contains("data_batch_2.bin is truncated: record 1 has 2973 of its 3073 bytes"),
        e.getMessage());
  }
}
