package io.bitswitch.data;

import io.bitswitch.InvalidInputException;
import org.apache.spark.api.java.JavaRDD;

/**
 * A dataset opened for training or evaluation (see {@link Datasets#open}): its shape, sizes and
 * input normalisation, and its examples as per-partition {@link Shard}s.
 *
 * <p>Examples have a global index: their position in the source files. Shards hold the first
 * {@code n} examples of a split in index order, cut into contiguous blocks as {@link ShardLayout}
 * describes, so the same call gives the same shards whatever the dataset's storage format.
 */
public interface Dataset {

  /** The location the dataset was opened from. */
  String location();

  /** How the dataset is stored. */
  DatasetFormat format();

  /** Shape of one image (channels, height, width); the same for both splits. */
  ImageShape inputShape();

  /** Number of training examples. */
  long trainCount();

  /** Number of test examples. */
  long testCount();

  /** Number of examples in {@code split}. */
  default long count(Split split) {
    return split == Split.TRAIN ? trainCount() : testCount();
  }

  /** Number of classes, taken as the largest training label + 1. */
  int numClasses();

  /**
   * Mean and standard deviation of all training pixels scaled to [0,1] (never the test split),
   * computed exactly from integer sums, so every storage format gives the same values.
   */
  Normalization normalization();

  /**
   * The first {@code maxExamples} examples of {@code split} as {@code numPartitions} shards, one
   * per partition in partition order, pixels normalised with {@code norm}. Example {@code i} goes to
   * partition {@code ⌊i·P/n⌋} with {@code n = min(count, maxExamples)}; partitions may be empty
   * when {@code P > n}. The RDD is persisted (memory, spilling to disk); the caller unpersists it.
   *
   * @throws InvalidInputException when {@code numPartitions < 1}, {@code maxExamples < 1}, or a
   *     shard would exceed one Java array
   */
  JavaRDD<Shard> shards(Split split, int numPartitions, Normalization norm, long maxExamples);

  /** All examples of {@code split} as shards; see {@link #shards(Split, int, Normalization, long)}. */
  default JavaRDD<Shard> shards(Split split, int numPartitions, Normalization norm) {
    return shards(split, numPartitions, norm, Long.MAX_VALUE);
  }

  /**
   * Checks that the images have the shape a model expects.
   *
   * @throws InvalidInputException e.g. "dataset image shape [1,28,28] does not match the model's
   *     input [3,32,32]"
   */
  default void requireShape(int channels, int height, int width) {
    ImageShape actual = inputShape();
    if (actual.channels() != channels || actual.height() != height || actual.width() != width) {
      throw new InvalidInputException("dataset image shape " + actual + " does not match the model's input ["
          + channels + "," + height + "," + width + "]");
    }
  }
}
