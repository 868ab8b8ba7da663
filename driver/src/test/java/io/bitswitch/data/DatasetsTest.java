package io.bitswitch.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens Fashion-MNIST both as the IDX directory and as its Parquet ingest (made once) and checks
 * that both give the same sizes, normalisation and shards.
 */
class DatasetsTest {
  @TempDir static Path tmp;

  private static SparkSession spark;
  private static SourceData source;
  private static Dataset idx;
  private static Dataset parquet;

  @BeforeAll
  static void openBothFormats() {
    RequiredPackages.require("dataset-fashion-mnist");
    spark = SparkSessions.create("local[2]", "DatasetsTest", Map.of());
    source = SourceData.load(FashionMnistFiles.DEFAULT_DIR, new Configuration());
    String parquetDir = tmp.resolve("fm-parquet").toString();
    Ingest.run(spark, FashionMnistFiles.DEFAULT_DIR, parquetDir);
    idx = Datasets.open(spark, FashionMnistFiles.DEFAULT_DIR);
    parquet = Datasets.open(spark, parquetDir);
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void sessionUsesKryoWithRegistrationRequired() {
    assertEquals("org.apache.spark.serializer.KryoSerializer", spark.conf().get("spark.serializer"));
    assertEquals("true", spark.conf().get("spark.kryo.registrationRequired"));
  }

  @Test
  void detectsTheFormatAndReportsSizes() {
    assertEquals(DatasetFormat.IDX, idx.format());
    assertEquals(DatasetFormat.PARQUET, parquet.format());
    for (Dataset d : List.of(idx, parquet)) {
      assertEquals(new ImageShape(1, 28, 28), d.inputShape(), d.toString());
      assertEquals(60_000, d.trainCount(), d.toString());
      assertEquals(10_000, d.testCount(), d.toString());
      assertEquals(10, d.numClasses(), d.toString());
    }
  }

  @Test
  void normalizationComesFromTheTrainingSplitAndAgreesAcrossFormats() {
    Normalization a = idx.normalization();
    Normalization b = parquet.normalization();
    assertTrue(a.isSingle(), "one channel, one value");
    assertEquals(a.mean(0), b.mean(0), 1e-6);
    assertEquals(a.std(0), b.std(0), 1e-6);
    // Fashion-MNIST's well-known training statistics.
    assertEquals(0.2860, a.mean(0), 5e-4);
    assertEquals(0.3530, a.std(0), 5e-4);
    // A direct double-precision computation over the training bytes.
    double sum = 0;
    double squares = 0;
    for (byte v : source.train().pixels()) {
      double x = (v & 0xFF) / 255.0;
      sum += x;
      squares += x * x;
    }
    double n = source.train().pixels().length;
    assertEquals(sum / n, a.mean(0), 1e-6);
    assertEquals(Math.sqrt(squares / n - (sum / n) * (sum / n)), a.std(0), 1e-6);
  }

  @Test
  void shardsFollowTheSourceOrderInBothFormats() {
    Normalization norm = idx.normalization();
    List<Shard> fromIdx = collect(idx.shards(Split.TRAIN, 3, norm, 1_000));
    List<Shard> fromParquet = collect(parquet.shards(Split.TRAIN, 3, norm, 1_000));
    assertShardsOfSource(source.train(), fromIdx, 1_000, 3, norm);
    assertShardsOfSource(source.train(), fromParquet, 1_000, 3, norm);
    assertSameShards(fromIdx, fromParquet);
  }

  @Test
  void shardsAreDeterministicAcrossReads() {
    Normalization norm = parquet.normalization();
    List<Shard> first = collect(parquet.shards(Split.TEST, 4, norm, 600));
    List<Shard> second = collect(parquet.shards(Split.TEST, 4, norm, 600));
    assertSameShards(first, second);
    assertShardsOfSource(source.test(), first, 600, 4, norm);
    assertSameShards(first, collect(idx.shards(Split.TEST, 4, norm, 600)));
  }

  @Test
  void morePartitionsThanExamplesGivesEmptyShards() {
    Normalization norm = idx.normalization();
    for (Dataset d : List.of(idx, parquet)) {
      List<Shard> shards = collect(d.shards(Split.TEST, 5, norm, 3));
      assertEquals(List.of(1, 1, 0, 1, 0), shards.stream().map(Shard::count).toList(), d.toString());
      assertShardsOfSource(source.test(), shards, 3, 5, norm);
    }
  }

  @Test
  void rejectsBadShardArguments() {
    Normalization norm = idx.normalization();
    assertThrows(InvalidInputException.class, () -> idx.shards(Split.TRAIN, 0, norm, 10));
    assertThrows(InvalidInputException.class, () -> parquet.shards(Split.TRAIN, 2, norm, 0));
  }

  @Test
  void requireShapeNamesBothShapes() {
    assertDoesNotThrow(() -> parquet.requireShape(1, 28, 28));
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> idx.requireShape(3, 32, 32));
    assertEquals("dataset image shape [1,28,28] does not match the model's input [3,32,32]", e.getMessage());
  }

  @Test
  void opensACsvDirectory() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("csv"));
    Files.writeString(dir.resolve("fashion-mnist_train.csv"),
        "label,pixel1,pixel2,pixel3,pixel4\n1,0,0,0,255\n2,9,9,9,9\n0,1,2,3,4\n", StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("fashion-mnist_test.csv"), "3,5,6,7,8\n", StandardCharsets.UTF_8);
    Dataset csv = Datasets.open(spark, dir.toString());
    assertEquals(DatasetFormat.CSV, csv.format());
    assertEquals(new ImageShape(1, 2, 2), csv.inputShape());
    assertEquals(3, csv.trainCount());
    assertEquals(1, csv.testCount());
    assertEquals(3, csv.numClasses());
    List<Shard> shards = collect(csv.shards(Split.TRAIN, 2, csv.normalization()));
    assertArrayEquals(new int[] {1, 2}, shards.get(0).labels());
    assertArrayEquals(new int[] {0}, shards.get(1).labels());
    assertEquals(csv.normalization().apply(255), shards.get(0).pixels()[3]);
  }

  @Test
  void unusablePathsAreNamed() throws IOException {
    Path missing = tmp.resolve("no-such-dir");
    CorruptDataException e = assertThrows(CorruptDataException.class,
        () -> Datasets.open(spark, missing.toString()));
    assertTrue(e.getMessage().contains(missing + " does not exist"), e.getMessage());

    Path neither = Files.createDirectories(tmp.resolve("neither"));
    Files.writeString(neither.resolve("README.txt"), "not a dataset");
    e = assertThrows(CorruptDataException.class, () -> Datasets.open(spark, neither.toString()));
    assertTrue(e.getMessage().contains(neither + " is neither a Parquet dataset"), e.getMessage());

    Path file = neither.resolve("README.txt");
    e = assertThrows(CorruptDataException.class, () -> Datasets.open(spark, file.toString()));
    assertTrue(e.getMessage().contains(file + " is a file"), e.getMessage());
  }

  @Test
  void parquetWithoutTheIndexColumnIsRejected() {
    StructType schema = new StructType()
        .add("label", DataTypes.IntegerType).add("pixels", DataTypes.BinaryType)
        .add("height", DataTypes.IntegerType).add("width", DataTypes.IntegerType)
        .add("channels", DataTypes.IntegerType);
    Path dir = tmp.resolve("no-index");
    for (Split s : Split.values()) {
      spark.createDataFrame(List.of(RowFactory.create(1, new byte[] {1}, 1, 1, 1)), schema)
          .write().parquet(dir.resolve(s.dirName()).toString());
    }
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> Datasets.open(spark, dir.toString()));
    assertTrue(e.getMessage().contains("lacks column 'index'"), e.getMessage());
  }

  @Test
  void parquetWithoutATestSplitIsRejected() throws IOException {
    Path dir = tmp.resolve("train-only");
    spark.createDataFrame(List.of(RowFactory.create(1, new byte[] {1}, 1, 1, 1, 0L)), ParquetLayout.SCHEMA)
        .write().parquet(dir.resolve("train").toString());
    Files.createDirectories(dir.resolve("test"));
    CorruptDataException e = assertThrows(CorruptDataException.class, () -> Datasets.open(spark, dir.toString()));
    assertTrue(e.getMessage().contains("Parquet dataset " + dir + " split test cannot be read"), e.getMessage());
  }

  @Test
  void parquetWithRepeatedIndicesIsRejected() {
    Path dir = tmp.resolve("repeated-index");
    List<Row> rows = List.of(
        RowFactory.create(1, new byte[] {1, 2, 3, 4}, 2, 2, 1, 0L),
        RowFactory.create(2, new byte[] {5, 6, 7, 8}, 2, 2, 1, 1L),
        RowFactory.create(3, new byte[] {9, 9, 9, 9}, 2, 2, 1, 1L));
    for (Split s : Split.values()) {
      spark.createDataFrame(rows, ParquetLayout.SCHEMA).write().parquet(dir.resolve(s.dirName()).toString());
    }
    Dataset d = Datasets.open(spark, dir.toString());
    CorruptDataException e = assertThrows(CorruptDataException.class, d::trainCount);
    assertTrue(e.getMessage().contains("indices 0..1; expected 0..2"), e.getMessage());
  }

  private static List<Shard> collect(JavaRDD<Shard> shards) {
    try {
      return shards.collect();
    } finally {
      shards.unpersist(false);
    }
  }

  private static void assertShardsOfSource(LabeledImages images, List<Shard> shards, int n, int parts,
      Normalization norm) {
    assertEquals(parts, shards.size());
    int size = images.shape().size();
    int next = 0;
    for (int p = 0; p < parts; p++) {
      Shard s = shards.get(p);
      assertEquals(p, s.partition());
      assertEquals(ShardLayout.size(p, n, parts), s.count());
      assertEquals(images.shape(), s.shape());
      for (int k = 0; k < s.count(); k++, next++) {
        assertEquals(next, s.index()[k]);
        assertEquals(images.labels()[next], s.labels()[k]);
        for (int j = 0; j < size; j += 97) {
          assertEquals(norm.apply(images.pixels()[next * size + j] & 0xFF), s.pixels()[k * size + j]);
        }
      }
    }
    assertEquals(n, next, "shard sizes sum to n");
  }

  private static void assertSameShards(List<Shard> a, List<Shard> b) {
    assertEquals(a.size(), b.size());
    for (int p = 0; p < a.size(); p++) {
      assertEquals(a.get(p).partition(), b.get(p).partition());
      assertArrayEquals(a.get(p).index(), b.get(p).index());
      assertArrayEquals(a.get(p).labels(), b.get(p).labels());
      assertArrayEquals(a.get(p).pixels(), b.get(p).pixels());
    }
  }
}
