package io.bitswitch.data;

/**
 * How examples are assigned to shards: the first {@code n} examples in index order are cut into
 * {@code P} contiguous blocks, example {@code i} going to partition {@code ⌊i·P/n⌋}. Block sizes
 * differ by at most one; with {@code P > n} some blocks are empty.
 */
public final class ShardLayout {
  private ShardLayout() {}

  /** The partition of example {@code i} (0 ≤ i < n). */
  public static int partitionOf(long i, long n, int partitions) {
    return (int) (i * partitions / n);
  }

  /** First example index of partition {@code p}: {@code ⌈p·n/P⌉}; {@code start(P) = n}. */
  public static long start(int p, long n, int partitions) {
    return (p * n + partitions - 1) / partitions;
  }

  /** Number of examples in partition {@code p}. */
  public static int size(int p, long n, int partitions) {
    return (int) (start(p + 1, n, partitions) - start(p, n, partitions));
  }
}
