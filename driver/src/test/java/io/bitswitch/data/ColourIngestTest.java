package io.bitswitch.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.BitswitchException;
import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import io.bitswitch.spark.SparkSessions;
import io.bitswitch.testing.RequiredPackages;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingests an image folder of 200 Fashion-MNIST images coloured per class (PNG, written here) and
 * a CIFAR-10 binary directory made here, through local Spark, and the bad inputs of each.
 */
class ColourIngestTest {
  /** Class k's colour: pixel v becomes (v·r/255, v·g/255, v·b/255). */
  static final int[][] COLOURS = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 0}, {255, 0, 255},
      {0, 255, 255}, {255, 128, 0}, {128, 0, 255}, {128, 128, 128}, {255, 255, 255}};

  @TempDir static Path tmp;

  private static SparkSession spark;
  private static LabeledImages fmnist;
  private static Path folder;

  @BeforeAll
  static void makeFolder() throws IOException {
    RequiredPackages.require("dataset-fashion-mnist");
    spark = SparkSessions.create("local[2]", "ColourIngestTest", Map.of());
    fmnist = FashionMnistFiles.locate(FashionMnistFiles.DEFAULT_DIR, new Configuration()).loadTest();
    folder = tmp.resolve("folder");
    writeFolder(folder, 160, 40);
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  /**
   * {@code root/{train,test}/class-<k>/<i>.png}: the first train + test images of Fashion-MNIST's
   * test split, less test images of a class no train image has.
   */
  static void writeFolder(Path root, int train, int test) throws IOException {
    java.util.Set<Integer> trainClasses = new java.util.HashSet<>();
    for (int i = 0; i < train + test; i++) {
      int label = fmnist.labels()[i];
      if (i < train) {
        trainClasses.add(label);
      } else if (!trainClasses.contains(label)) {
        continue;
      }
      Path dir = Files.createDirectories(root.resolve(i < train ? "train" : "test").resolve("class-" + label));
      ImageIO.write(coloured(i), "png", dir.resolve(String.format("%04d.png", i)).toFile());
    }
  }

  static BufferedImage coloured(int i) {
    int[] c = COLOURS[fmnist.labels()[i]];
    byte[] grey = fmnist.image(i);
    BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
    for (int k = 0; k < grey.length; k++) {
      int v = grey[k] & 0xFF;
      image.setRGB(k % 28, k / 28, (v * c[0] / 255) << 16 | (v * c[1] / 255) << 8 | (v * c[2] / 255));
    }
    return image;
  }

  private static List<Row> rows(Path dataset, Split split) {
    return spark.read().parquet(dataset.resolve(split.dirName()).toString()).orderBy("index").collectAsList();
  }

  @Test
  void imageFolderBecomesThreeChannelRowsInShuffledLabelThenFileOrder() throws IOException {
    Path out = tmp.resolve("folder-parquet");
    assertEquals(new IngestResult(160, 40), Ingest.run(spark, folder.toString(), out.toString()));

    List<String> classes = Files.readAllLines(out.resolve(ClassNames.FILE), StandardCharsets.UTF_8);
    assertEquals(10, classes.size());
    assertEquals("class-0", classes.get(0));
    List<Row> train = rows(out, Split.TRAIN);
    assertEquals(160, train.size());
    // Expected order: by label, then by file name (= source position i), then shuffled with the fixed seed.
    List<Integer> order = new java.util.ArrayList<>(java.util.stream.IntStream.range(0, 160).boxed()
        .sorted(java.util.Comparator.comparingInt((Integer i) -> fmnist.labels()[i]).thenComparing(i -> i))
        .toList());
    java.util.Collections.shuffle(order, new java.util.Random(ImageFolder.SHUFFLE_SEED));
    // Training's partitions are blocks of consecutive indices: each half must see every class.
    for (List<Row> half : List.of(train.subList(0, 80), train.subList(80, 160))) {
      assertEquals(10, half.stream().mapToInt(r -> r.getInt(0)).distinct().count(), "classes in a half of the index");
    }
    for (int k = 0; k < 160; k++) {
      Row row = train.get(k);
      int i = order.get(k);
      assertEquals(fmnist.labels()[i], row.getInt(0));
      assertEquals(List.of(28, 28, 3), List.of(row.getInt(2), row.getInt(3), row.getInt(4)));
      byte[] pixels = (byte[]) row.get(1);
      BufferedImage expected = coloured(i);
      for (int p = 0; p < 28 * 28; p++) {
        int rgb = expected.getRGB(p % 28, p / 28);
        assertEquals((rgb >> 16) & 0xFF, pixels[p] & 0xFF);
        assertEquals((rgb >> 8) & 0xFF, pixels[784 + p] & 0xFF);
        assertEquals(rgb & 0xFF, pixels[2 * 784 + p] & 0xFF);
      }
    }
    Dataset ds = Datasets.open(spark, out.toString());
    assertEquals(new ImageShape(3, 28, 28), ds.inputShape());
    assertEquals(40, ds.testCount());
  }

  @Test
  void channelsAndResizeAreApplied() {
    Path grey = tmp.resolve("folder-grey");
    Ingest.run(spark, folder.toString(), grey.toString(), false, IngestOptions.of(1, null));
    Row g = rows(grey, Split.TEST).get(0);
    assertEquals(List.of(28, 28, 1), List.of(g.getInt(2), g.getInt(3), g.getInt(4)));

    Path big = tmp.resolve("folder-32");
    Ingest.run(spark, folder.toString(), big.toString(), false, IngestOptions.of(0, "32x32"));
    Row b = rows(big, Split.TEST).get(0);
    assertEquals(List.of(32, 32, 3), List.of(b.getInt(2), b.getInt(3), b.getInt(4)));
    assertEquals(3 * 32 * 32, ((byte[]) b.get(1)).length);
  }

  @Test
  void mixedSizesNameTwoFilesAndTheirSizes() throws IOException {
    Path mixed = tmp.resolve("mixed");
    writeFolder(mixed, 6, 2);
    Path odd = Files.list(mixed.resolve("test")).findFirst().orElseThrow();
    ImageIO.write(new BufferedImage(30, 20, BufferedImage.TYPE_INT_RGB), "png", odd.resolve("odd.png").toFile());
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> Ingest.run(spark, mixed.toString(), tmp.resolve("mixed-out").toString()));
    assertTrue(e.getMessage().contains("odd.png is 20x30") && e.getMessage().contains("28x28")
        && e.getMessage().contains("--resize"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("mixed-out")));
    Ingest.run(spark, mixed.toString(), tmp.resolve("mixed-resized").toString(), false,
        IngestOptions.of(0, "28x28"));
  }

  @Test
  void unreadableImageIsNamed() throws IOException {
    Path broken = tmp.resolve("broken");
    writeFolder(broken, 6, 2);
    Path classDir = Files.list(broken.resolve("train")).findFirst().orElseThrow();
    Files.write(classDir.resolve("garbage.png"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    CorruptDataException e = assertThrows(CorruptDataException.class,
        () -> Ingest.run(spark, broken.toString(), tmp.resolve("broken-out").toString()));
    assertTrue(e.getMessage().contains("garbage.png"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("broken-out")));
  }

  @Test
  void malformedFoldersGetOneClearError() throws IOException {
    Path empty = tmp.resolve("empty-class");
    writeFolder(empty, 6, 2);
    Files.createDirectories(empty.resolve("train").resolve("zebra"));
    assertMessage(InvalidInputException.class, empty, "zebra holds no .png, .jpg or .jpeg image");

    Path flat = tmp.resolve("no-splits");
    Files.createDirectories(flat.resolve("cats"));
    Files.write(flat.resolve("cats").resolve("a.png"), new byte[] {1});
    assertMessage(InvalidInputException.class, flat, "has no train/ and test/ split folders");

    Path extra = tmp.resolve("test-only-class");
    writeFolder(extra, 6, 2);
    Path dogs = Files.createDirectories(extra.resolve("test").resolve("dogs"));
    ImageIO.write(coloured(0), "png", dogs.resolve("d.png").toFile());
    assertMessage(InvalidInputException.class, extra, "'dogs' that the train split lacks");

    assertThrows(InvalidInputException.class, () -> Ingest.run(spark, FashionMnistFiles.DEFAULT_DIR,
        tmp.resolve("idx-resized").toString(), false, IngestOptions.of(3, null)));
  }

  private static void assertMessage(Class<? extends BitswitchException> type, Path source, String text) {
    BitswitchException e = assertThrows(type,
        () -> Ingest.run(spark, source.toString(), tmp.resolve(source.getFileName() + "-out").toString()));
    assertTrue(e.getMessage().contains(text), e.getMessage());
  }

  @Test
  void cifarBinaryDirectoryIsIngestedWithItsClassNames() throws IOException {
    Path cifar = tmp.resolve("cifar10");
    CifarFixtures.writeCifar10(cifar, fmnist, 30, 10);
    Path out = tmp.resolve("cifar-parquet");
    assertEquals(new IngestResult(30, 10), Ingest.run(spark, cifar.toString(), out.toString()));
    assertEquals(CifarFixtures.NAMES, Files.readAllLines(out.resolve(ClassNames.FILE)));
    List<Row> test = rows(out, Split.TEST);
    Row first = test.get(0);
    assertEquals(List.of(32, 32, 3), List.of(first.getInt(2), first.getInt(3), first.getInt(4)));
    assertEquals(fmnist.labels()[30], first.getInt(0));
    assertArrayEquals(CifarFixtures.pixels(fmnist, 30), (byte[]) first.get(1));
  }
}
