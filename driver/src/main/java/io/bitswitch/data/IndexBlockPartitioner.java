package io.bitswitch.data;

import org.apache.spark.Partitioner;

/** Sends the example with index key {@code i} to partition {@code ⌊i·P/n⌋} ({@link ShardLayout}). */
final class IndexBlockPartitioner extends Partitioner {
  private static final long serialVersionUID = 1L;

  private final int partitions;
  private final long n;

  IndexBlockPartitioner(int partitions, long n) {
    this.partitions = partitions;
    this.n = n;
  }

  @Override
  public int numPartitions() {
    return partitions;
  }

  @Override
  public int getPartition(Object key) {
    return ShardLayout.partitionOf((Long) key, n, partitions);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IndexBlockPartitioner other && other.partitions == partitions && other.n == n;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(n) * 31 + partitions;
  }
}
