package io.bitswitch.data;

import io.bitswitch.InvalidInputException;
import java.util.Objects;

/** Argument checks shared by the {@link Dataset#shards} implementations. */
final class ShardRequests {
  private ShardRequests() {}

  /**
   * Validates the arguments and returns {@code n}, the number of examples to shard.
   *
   * @throws InvalidInputException on a bad argument or a shard too big for one array
   */
  static long exampleCount(long available, int numPartitions, Normalization norm, long maxExamples,
      ImageShape shape) {
    Objects.requireNonNull(norm, "norm");
    if (numPartitions < 1) {
      throw new InvalidInputException("number of partitions must be at least 1, got " + numPartitions);
    }
    if (maxExamples < 1) {
      throw new InvalidInputException("maximum number of examples must be at least 1, got " + maxExamples);
    }
    long n = Math.min(available, maxExamples);
    long largest = ShardLayout.size(0, n, numPartitions);
    if (largest * shape.size() > Integer.MAX_VALUE - 8) {
      throw new InvalidInputException(n + " examples of shape " + shape + " in " + numPartitions
          + " partitions exceed one Java array per shard; use more partitions");
    }
    return n;
  }
}
