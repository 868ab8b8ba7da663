package io.bitswitch.data;

import static io.bitswitch.data.IdxFixtures.FASHION_MNIST;
import static io.bitswitch.data.IdxFixtures.gzip;
import static io.bitswitch.data.IdxFixtures.idx;
import static io.bitswitch.data.IdxFixtures.images;
import static io.bitswitch.data.IdxFixtures.labels;
import static io.bitswitch.data.IdxFixtures.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.CorruptDataException;
import io.bitswitch.testing.RequiredPackages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  @TempDir Path dir;

  @Test
  void readsRealFashionMnistTrainingSplit() {
    RequiredPackages.require("dataset-fashion-mnist");
    IdxImages images = IdxReader.readImages(FASHION_MNIST.resolve("train-images-idx3-ubyte.gz"));
    IdxLabels labels = IdxReader.readLabels(FASHION_MNIST.resolve("train-labels-idx1-ubyte.gz"));
    assertEquals(60_000, images.count());
    assertEquals(28, images.rows());
    assertEquals(28, images.cols());
    assertEquals(60_000L * 28 * 28, images.pixels().length);
    assertEquals(60_000, labels.count());
    int[] histogram = new int[256];
    for (int i = 0; i < labels.count(); i++) {
      histogram[labels.label(i)]++;
    }
    int[] expected = new int[256];
    Arrays.fill(expected, 0, 10, 6_000);
    assertArrayEquals(expected, histogram, "Fashion-MNIST train has exactly 6,000 images per class");
  }

  @Test
  void loadsBothRealSplitsThroughFashionMnistFiles() {
    RequiredPackages.require("dataset-fashion-mnist");
    FashionMnistFiles files = FashionMnistFiles.locate(FASHION_MNIST.toString(), new Configuration());
    LabeledImages train = files.loadTrain();
    LabeledImages test = files.loadTest();
    assertEquals(60_000, train.count());
    assertEquals(10_000, test.count());
    assertEquals(new ImageShape(1, 28, 28), train.shape());
    assertEquals(new ImageShape(1, 28, 28), test.shape());
    assertEquals(9, train.labels()[0], "the first Fashion-MNIST training image is an ankle boot");
  }

  @Test
  void wrongMagicNamesExpectedAndFound() throws IOException {
    Path file = write(dir, "images.idx", labels(5));
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> IdxReader.readImages(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("expected 0x00000803"), e.getMessage());
    assertTrue(e.getMessage().contains("found 0x00000801"), e.getMessage());
  }

  @Test
  void truncatedPayloadSaysExpectedAndFoundBytes() throws IOException {
    byte[] full = images(3, 2, 2);
    Path file = write(dir, "short.gz", gzip(Arrays.copyOf(full, full.length - 5)));
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> IdxReader.readImages(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("truncated payload"), e.getMessage());
    assertTrue(e.getMessage().contains("12 bytes, found 7"), e.getMessage());
  }

  @Test
  void truncatedHeaderIsReported() throws IOException {
    Path file = write(dir, "header", Arrays.copyOf(images(3, 2, 2), 10));
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> IdxReader.readImages(file));
    assertTrue(e.getMessage().contains("truncated header: expected 16 bytes, found 10"), e.getMessage());

    Path empty = write(dir, "empty", new byte[0]);
    e = assertThrows(CorruptDataException.class, () -> IdxReader.readLabels(empty));
    assertTrue(e.getMessage().contains("truncated header: expected 8 bytes, found 0"), e.getMessage());
  }

  @Test
  void bytesAfterThePayloadAreRejected() throws IOException {
    byte[] full = images(3, 2, 2);
    Path file = write(dir, "long", Arrays.copyOf(full, full.length + 4));
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> IdxReader.readImages(file));
    assertTrue(e.getMessage().contains("4 unexpected bytes after the 12-byte payload"), e.getMessage());
  }

  @Test
  void nonPositiveSizeIsRejected() throws IOException {
    Path file = write(dir, "zero", idx(IdxReader.IMAGES_MAGIC, new int[] {3, 0, 2}, new byte[0]));
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> IdxReader.readImages(file));
    assertTrue(e.getMessage().contains("dimension 1 has size 0"), e.getMessage());
  }

  @Test
  void imageAndLabelCountsMustAgree() throws IOException {
    Path img = write(dir, "img", images(3, 2, 2));
    Path lab = write(dir, "lab", labels(4));
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> IdxReader.readPair(img, lab));
    assertTrue(e.getMessage().contains("holds 3 images"), e.getMessage());
    assertTrue(e.getMessage().contains("holds 4 labels"), e.getMessage());
  }

  @Test
  void gzipIsDetectedByContentNotName() throws IOException {
    byte[] content = images(3, 2, 2);
    IdxImages raw = IdxReader.readImages(write(dir, "raw-named.gz", content));
    IdxImages gz = IdxReader.readImages(write(dir, "gzipped-unnamed", gzip(content)));
    assertEquals(3, raw.count());
    assertArrayEquals(raw.pixels(), gz.pixels());
    assertArrayEquals(Arrays.copyOfRange(content, 16, content.length), raw.pixels());
  }

  @Test
  void brokenGzipStreamIsCorruptData() throws IOException {
    byte[] gz = gzip(images(50, 4, 4));
    Path file = write(dir, "cut.gz", Arrays.copyOf(gz, gz.length / 2));
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> IdxReader.readImages(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  @Test
  void missingFileIsCorruptData() {
    Path file = dir.resolve("nothing-here");
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> IdxReader.readLabels(file));
    assertTrue(e.getMessage().contains(file.toString() + " does not exist"), e.getMessage());
  }

  @Test
  void locatesAMixOfGzippedAndRawFiles() throws IOException {
    write(dir, FashionMnistFiles.TRAIN_IMAGES + ".gz", gzip(images(4, 3, 3)));
    write(dir, FashionMnistFiles.TRAIN_LABELS, labels(4));
    write(dir, FashionMnistFiles.TEST_IMAGES, images(2, 3, 3));
    write(dir, FashionMnistFiles.TEST_LABELS + ".gz", gzip(labels(2)));
    FashionMnistFiles files = FashionMnistFiles.locate(dir.toString(), new Configuration());
    LabeledImages train = files.loadTrain();
    assertEquals(4, train.count());
    assertEquals(new ImageShape(1, 3, 3), train.shape());
    assertArrayEquals(new int[] {0, 1, 2, 3}, train.labels());
    assertEquals(2, files.loadTest().count());
  }

  @Test
  void missingFileOrDirectoryIsNamed() throws IOException {
    write(dir, FashionMnistFiles.TRAIN_IMAGES, images(4, 3, 3));
    CorruptDataException e = assertThrows(CorruptDataException.class,
        () -> FashionMnistFiles.locate(dir.toString(), new Configuration()));
    assertTrue(e.getMessage().contains("lacks " + FashionMnistFiles.TRAIN_LABELS), e.getMessage());

    Path absent = dir.resolve("absent");
    e = assertThrows(CorruptDataException.class,
        () -> FashionMnistFiles.locate(absent.toString(), new Configuration()));
    assertTrue(e.getMessage().contains(absent + " does not exist"), e.getMessage());
    assertEquals("", FashionMnistFiles.installHint(absent.toString()));
    assertTrue(FashionMnistFiles.installHint(FashionMnistFiles.DEFAULT_DIR)
        .contains("apt-get install dataset-fashion-mnist"));
    assertTrue(FashionMnistFiles.installHint("file://" + FashionMnistFiles.DEFAULT_DIR + "/")
        .contains("apt-get install dataset-fashion-mnist"));
    assertTrue(Files.isDirectory(dir));
  }
}
