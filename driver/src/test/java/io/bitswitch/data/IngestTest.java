package io.bitswitch.data;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import io.bitswitch.spark.SparkSessions;
import io.bitswitch.testing.RequiredPackages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ingests the real Fashion-MNIST files once through local Spark and reads the Parquet back. */
class IngestTest {
  @TempDir static Path tmp;

  private static SparkSession spark;
  private static SourceData source;
  private static Path out;
  private static IngestResult result;

  @BeforeAll
  static void ingestFashionMnist() {
    RequiredPackages.require("dataset-fashion-mnist");
    spark = SparkSessions.create("local[2]", "IngestTest", Map.of());
    source = SourceData.load(FashionMnistFiles.DEFAULT_DIR, new Configuration());
    out = tmp.resolve("fashion-mnist-parquet");
    result = Ingest.run(spark, FashionMnistFiles.DEFAULT_DIR, out.toString());
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static org.apache.spark.sql.Dataset<Row> split(Split split) {
    return spark.read().parquet(out.resolve(split.dirName()).toString());
  }

  @Test
  void writesEveryRow() {
    assertEquals(new IngestResult(60_000, 10_000), result);
    assertEquals(60_000, split(Split.TRAIN).count());
    assertEquals(10_000, split(Split.TEST).count());
  }

  @Test
  void schemaIsTheDocumentedLayout() {
    for (Split s : Split.values()) {
      StructType schema = split(s).schema();
      assertEquals(List.of("label", "pixels", "height", "width", "channels", "index"),
          List.of(schema.fieldNames()));
      for (StructField expected : ParquetLayout.SCHEMA.fields()) {
        assertEquals(expected.dataType(), schema.apply(expected.name()).dataType(), expected.name());
      }
    }
  }

  @Test
  void labelHistogramsEqualTheIdxFiles() {
    for (Split s : Split.values()) {
      long[] expected = new long[10];
      for (int label : source.split(s).labels()) {
        expected[label]++;
      }
      long[] actual = new long[10];
      for (Row row : split(s).groupBy(ParquetLayout.LABEL).count().collectAsList()) {
        actual[row.getInt(0)] = row.getLong(1);
      }
      assertArrayEquals(expected, actual, s.dirName());
    }
  }

  @Test
  void imagesAndIndicesMatchTheSourceOrder() {
    for (Split s : Split.values()) {
      LabeledImages images = source.split(s);
      Object[] sample = {0L, 1L, 4_321L, images.count() - 1L};
      List<Row> rows = split(s).where(col(ParquetLayout.INDEX).isin(sample)).collectAsList();
      assertEquals(sample.length, rows.size(), s.dirName());
      for (Row row : rows) {
        int i = (int) (long) row.getAs(ParquetLayout.INDEX);
        assertArrayEquals(images.image(i), (byte[]) row.getAs(ParquetLayout.PIXELS));
        assertEquals(images.labels()[i], (int) row.getAs(ParquetLayout.LABEL));
        assertEquals(28, (int) row.getAs(ParquetLayout.HEIGHT));
        assertEquals(28, (int) row.getAs(ParquetLayout.WIDTH));
        assertEquals(1, (int) row.getAs(ParquetLayout.CHANNELS));
      }
      Row range = split(s).selectExpr("min(index)", "max(index)", "count(distinct index)",
          "count(distinct height, width, channels)").first();
      assertEquals(0L, range.getLong(0));
      assertEquals(images.count() - 1L, range.getLong(1));
      assertEquals((long) images.count(), range.getLong(2));
      assertEquals(1L, range.getLong(3));
    }
  }

  @Test
  void refusesToOverwriteAnExistingDataset() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> Ingest.run(spark, FashionMnistFiles.DEFAULT_DIR, out.toString()));
    assertTrue(e.getMessage().contains(out + " already exists"), e.getMessage());
    assertEquals(60_000, split(Split.TRAIN).count());
  }

  @Test
  void overwriteReplacesTheDatasetAndLeavesNoTemporaryDirectories() throws IOException {
    Path csvDir = Files.createDirectories(tmp.resolve("csv-source"));
    Files.writeString(csvDir.resolve("digits_train.csv"), "label,p1,p2,p3,p4\n1,0,0,0,255\n2,9,9,9,9\n3,1,2,3,4\n",
        StandardCharsets.UTF_8);
    Files.writeString(csvDir.resolve("digits_test.csv"), "label,p1,p2,p3,p4\n4,5,6,7,8\n",
        StandardCharsets.UTF_8);
    Path parent = Files.createDirectories(tmp.resolve("overwrite"));
    Path target = parent.resolve("small");

    assertEquals(new IngestResult(3, 1), Ingest.run(spark, csvDir.toString(), target.toString()));
    Files.delete(csvDir.resolve("digits_test.csv"));
    Files.writeString(csvDir.resolve("digits_test.csv"), "label,p1,p2,p3,p4\n4,5,6,7,8\n5,1,1,1,1\n",
        StandardCharsets.UTF_8);
    assertEquals(new IngestResult(3, 2), Ingest.run(spark, csvDir.toString(), target.toString(), true));

    assertEquals(2, spark.read().parquet(target.resolve("test").toString()).count());
    try (Stream<Path> siblings = Files.list(parent)) {
      assertEquals(List.of(target), siblings.toList(), "only the dataset itself remains");
    }
  }

  @Test
  void failedIngestLeavesNothingBehind() throws IOException {
    Path broken = Files.createDirectories(tmp.resolve("broken-source"));
    IdxFixtures.write(broken, FashionMnistFiles.TRAIN_IMAGES, IdxFixtures.images(4, 3, 3));
    IdxFixtures.write(broken, FashionMnistFiles.TRAIN_LABELS, IdxFixtures.labels(4));
    IdxFixtures.write(broken, FashionMnistFiles.TEST_IMAGES, IdxFixtures.images(2, 3, 3));
    IdxFixtures.write(broken, FashionMnistFiles.TEST_LABELS, IdxFixtures.labels(3));
    Path parent = Files.createDirectories(tmp.resolve("failed"));
    Path target = parent.resolve("never");

    CorruptDataException e = assertThrows(CorruptDataException.class,
        () -> Ingest.run(spark, broken.toString(), target.toString()));
    assertTrue(e.getMessage().contains("holds 2 images"), e.getMessage());
    assertFalse(Files.exists(target));
    try (Stream<Path> siblings = Files.list(parent)) {
      assertEquals(List.of(), siblings.toList());
    }
  }

  @Test
  void refusesToReplaceItsOwnSource() throws IOException {
    Path parent = Files.createDirectories(tmp.resolve("own-source"));
    Path source = Files.createDirectories(parent.resolve("idx"));
    IdxFixtures.write(source, FashionMnistFiles.TRAIN_IMAGES, IdxFixtures.images(4, 3, 3));
    IdxFixtures.write(source, FashionMnistFiles.TRAIN_LABELS, IdxFixtures.labels(4));
    IdxFixtures.write(source, FashionMnistFiles.TEST_IMAGES, IdxFixtures.images(2, 3, 3));
    IdxFixtures.write(source, FashionMnistFiles.TEST_LABELS, IdxFixtures.labels(2));
    for (Path target : List.of(source, parent)) {
      InvalidInputException e = assertThrows(InvalidInputException.class,
          () -> Ingest.run(spark, source.toString(), target.toString(), true));
      assertTrue(e.getMessage().contains("contains the source"), e.getMessage());
    }
    assertTrue(Files.exists(source.resolve(FashionMnistFiles.TEST_LABELS)));
  }

  @Test
  void refusesAParquetDatasetAsSource() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> Ingest.run(spark, out.toString(), tmp.resolve("again").toString()));
    assertTrue(e.getMessage().contains("already a Parquet dataset"), e.getMessage());
  }
}
