package io.bitswitch.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * A dataset of IDX or CSV files, loaded into the driver's memory. Shards are cut on the
 * executors from a broadcast of the split's raw bytes (uint8, a quarter of the float size), so
 * tasks stay small and each executor receives the data once.
 */
final class SourceDataset implements Dataset {
  private final SparkSession spark;
  private final SourceData data;
  private final PixelStatistics trainStats;
  private final Map<Split, Broadcast<byte[]>> pixelBroadcasts = new EnumMap<>(Split.class);
  private final Map<Split, Broadcast<int[]>> labelBroadcasts = new EnumMap<>(Split.class);

  SourceDataset(SparkSession spark, SourceData data) {
    this.spark = spark;
    this.data = data;
    this.trainStats = PixelStatistics.of(data.train()).validate(describe(Split.TRAIN));
  }

  @Override
  public String location() {
    return data.location();
  }

  @Override
  public DatasetFormat format() {
    return data.format();
  }

  @Override
  public ImageShape inputShape() {
    return data.train().shape();
  }

  @Override
  public long trainCount() {
    return data.train().count();
  }

  @Override
  public long testCount() {
    return data.test().count();
  }

  @Override
  public int numClasses() {
    return trainStats.maxLabel + 1;
  }

  @Override
  public Normalization normalization() {
    return trainStats.normalization(describe(Split.TRAIN));
  }

  @Override
  public synchronized JavaRDD<Shard> shards(Split split, int numPartitions, Normalization norm,
      long maxExamples) {
    ImageShape shape = inputShape();
    long n = ShardRequests.exampleCount(count(split), numPartitions, norm, maxExamples, shape);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    // Broadcast once per split and dataset: later calls (other sizes, other normalisations) reuse it.
    Broadcast<byte[]> pixels = pixelBroadcasts.computeIfAbsent(split,
        s -> jsc.broadcast(data.split(s).pixels()));
    Broadcast<int[]> labels = labelBroadcasts.computeIfAbsent(split,
        s -> jsc.broadcast(data.split(s).labels()));
    int partitions = numPartitions;
    List<Integer> ids = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      ids.add(p);
    }
    return jsc.parallelize(ids, partitions)
        .mapPartitionsWithIndex((p, ignored) -> Collections.singletonList(
            cut(p, pixels.value(), labels.value(), shape, n, partitions, norm)).iterator(), true)
        .setName("shards of " + data.location() + " " + split.dirName() + " (n=" + n + ", P="
            + partitions + ")")
        .persist(StorageLevel.MEMORY_AND_DISK());
  }

  /** Builds partition {@code p}'s shard from the split's raw bytes. */
  static Shard cut(int p, byte[] pixels, int[] labels, ImageShape shape, long n, int partitions,
      Normalization norm) {
    int from = (int) ShardLayout.start(p, n, partitions);
    int count = ShardLayout.size(p, n, partitions);
    int size = shape.size();
    float[] out = new float[count * size];
    Normalization.normalise(norm.lookupTables(shape.channels()), shape, pixels, from * size, out, 0, count);
    int[] shardLabels = new int[count];
    System.arraycopy(labels, from, shardLabels, 0, count);
    long[] index = new long[count];
    for (int k = 0; k < count; k++) {
      index[k] = from + k;
    }
    return new Shard(p, shape, out, shardLabels, index);
  }

  private String describe(Split split) {
    return data.format() + " dataset " + data.location() + " split " + split.dirName();
  }

  @Override
  public String toString() {
    return data.format() + " dataset " + data.location();
  }
}
