package io.bitswitch.data;

import static org.apache.spark.sql.functions.col;

import io.bitswitch.CorruptDataException;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * A dataset written by {@link Ingest}: {@code train/} and {@code test/} Parquet directories in the
 * {@link ParquetLayout}. Counts, shape, labels and normalisation come from one Spark pass per split,
 * made on first use; shards come from a shuffle that places each row by its {@code index}.
 */
final class ParquetDataset implements Dataset {
  private final SparkSession spark;
  private final String location;
  private final Map<Split, PixelStatistics> stats = new EnumMap<>(Split.class);

  /** @throws CorruptDataException when a split is unreadable or lacks a column of the layout */
  ParquetDataset(SparkSession spark, String location) {
    this.spark = spark;
    this.location = location;
    for (Split split : Split.values()) {
      checkSchema(split);
    }
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public DatasetFormat format() {
    return DatasetFormat.PARQUET;
  }

  @Override
  public ImageShape inputShape() {
    return stats(Split.TRAIN).shape();
  }

  @Override
  public long trainCount() {
    return stats(Split.TRAIN).rows;
  }

  @Override
  public long testCount() {
    return stats(Split.TEST).rows;
  }

  @Override
  public int numClasses() {
    return stats(Split.TRAIN).maxLabel + 1;
  }

  @Override
  public Normalization normalization() {
    return stats(Split.TRAIN).normalization(describe(Split.TRAIN));
  }

  @Override
  public JavaRDD<Shard> shards(Split split, int numPartitions, Normalization norm, long maxExamples) {
    ImageShape shape = inputShape();
    long n = ShardRequests.exampleCount(count(split), numPartitions, norm, maxExamples, shape);
    int partitions = numPartitions;
    String what = describe(split);
    return read(split)
        .select(ParquetLayout.INDEX, ParquetLayout.LABEL, ParquetLayout.PIXELS, ParquetLayout.CHANNELS,
            ParquetLayout.HEIGHT, ParquetLayout.WIDTH)
        .where(col(ParquetLayout.INDEX).lt(n))
        .javaRDD()
        .mapToPair(row -> new Tuple2<>(row.getLong(0), toRecord(row, shape, what)))
        .partitionBy(new IndexBlockPartitioner(partitions, n))
        .mapPartitionsWithIndex((p, rows) -> Collections.singletonList(
            assemble(p, rows, shape, n, partitions, norm, what)).iterator(), true)
        .setName("shards of " + location + " " + split.dirName() + " (n=" + n + ", P=" + partitions + ")")
        .persist(StorageLevel.MEMORY_AND_DISK());
  }

  private static ExampleRecord toRecord(Row row, ImageShape shape, String what) {
    byte[] pixels = (byte[]) row.get(2);
    if (row.getInt(3) != shape.channels() || row.getInt(4) != shape.height()
        || row.getInt(5) != shape.width() || pixels.length != shape.size()) {
      throw new CorruptDataException(what + ": example " + row.getLong(0) + " has shape ["
          + row.getInt(3) + "," + row.getInt(4) + "," + row.getInt(5) + "] with " + pixels.length
          + " pixel bytes; expected " + shape);
    }
    return new ExampleRecord(row.getInt(1), pixels);
  }

  /** Places partition {@code p}'s rows by index and normalises them. */
  private static Shard assemble(int p, Iterator<Tuple2<Long, ExampleRecord>> rows,
      ImageShape shape, long n, int partitions, Normalization norm, String what) {
    long from = ShardLayout.start(p, n, partitions);
    int count = ShardLayout.size(p, n, partitions);
    int size = shape.size();
    float[][] tables = norm.lookupTables(shape.channels());
    float[] pixels = new float[count * size];
    int[] labels = new int[count];
    boolean[] seen = new boolean[count];
    while (rows.hasNext()) {
      Tuple2<Long, ExampleRecord> row = rows.next();
      int k = (int) (row._1() - from);
      if (seen[k]) {
        throw new CorruptDataException(what + ": index " + row._1() + " occurs more than once");
      }
      seen[k] = true;
      labels[k] = row._2().label;
      Normalization.normalise(tables, shape, row._2().pixels, 0, pixels, k * size, 1);
    }
    long[] index = new long[count];
    for (int k = 0; k < count; k++) {
      if (!seen[k]) {
        throw new CorruptDataException(what + ": index " + (from + k) + " is missing");
      }
      index[k] = from + k;
    }
    return new Shard(p, shape, pixels, labels, index);
  }

  private synchronized PixelStatistics stats(Split split) {
    PixelStatistics s = stats.get(split);
    if (s == null) {
      try {
        s = read(split)
            .select(ParquetLayout.LABEL, ParquetLayout.PIXELS, ParquetLayout.CHANNELS,
                ParquetLayout.HEIGHT, ParquetLayout.WIDTH, ParquetLayout.INDEX)
            .javaRDD()
            .treeAggregate(new PixelStatistics(),
                (acc, row) -> acc.add(row.getInt(0), (byte[]) row.get(1), row.getInt(2), row.getInt(3),
                    row.getInt(4), row.getLong(5)),
                PixelStatistics::merge);
      } catch (RuntimeException e) {
        throw SparkFailures.unwrap(e);
      } catch (Exception e) { // Spark's SparkException is checked, but Scala throws it from any call
        CorruptDataException unreadable = SparkFailures.unreadableFile(e);
        if (unreadable != null) {
          throw new CorruptDataException(describe(split) + ": " + unreadable.getMessage(), e);
        }
        throw new IllegalStateException(e.getMessage(), e);
      }
      s.validate(describe(split));
      if (split == Split.TEST && !s.shape().equals(stats(Split.TRAIN).shape())) {
        throw new CorruptDataException(location + ": test images have shape " + s.shape()
            + " but train images " + stats(Split.TRAIN).shape());
      }
      stats.put(split, s);
    }
    return s;
  }

  private org.apache.spark.sql.Dataset<Row> read(Split split) {
    try {
      return spark.read().parquet(splitPath(split));
    } catch (Exception e) { // Spark's AnalysisException is a checked exception thrown unchecked.
      CorruptDataException unreadable = SparkFailures.unreadableFile(e);
      throw new CorruptDataException(describe(split) + (unreadable != null ? ": " + unreadable.getMessage()
          : " cannot be read as Parquet: " + e.getMessage()), e);
    }
  }

  private void checkSchema(Split split) {
    StructType actual = read(split).schema();
    for (StructField expected : ParquetLayout.SCHEMA.fields()) {
      if (!Arrays.asList(actual.fieldNames()).contains(expected.name())) {
        throw new CorruptDataException(describe(split) + " lacks column '" + expected.name() + "' ("
            + expected.dataType().simpleString() + "); columns are " + actual.simpleString());
      }
      DataType type = actual.apply(expected.name()).dataType();
      if (!type.equals(expected.dataType())) {
        throw new CorruptDataException(describe(split) + ": column '" + expected.name() + "' has type "
            + type.simpleString() + ", expected " + expected.dataType().simpleString());
      }
    }
  }

  private String splitPath(Split split) {
    return new org.apache.hadoop.fs.Path(location, split.dirName()).toString();
  }

  private String describe(Split split) {
    return "Parquet dataset " + location + " split " + split.dirName();
  }

  @Override
  public String toString() {
    return "PARQUET dataset " + location;
  }
}
