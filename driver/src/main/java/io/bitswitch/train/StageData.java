package io.bitswitch.train;

import io.bitswitch.data.Dataset;
import io.bitswitch.data.Normalization;
import io.bitswitch.data.Shard;
import org.apache.spark.api.java.JavaRDD;

/**
 * The data a stage opened: the dataset, its cached training shards (null when the stage does not
 * train) and test shards, and the normalisation they were built with.
 */
record StageData(Dataset dataset, JavaRDD<Shard> train, JavaRDD<Shard> test, Normalization norm) {
  /** Drops the cached shards once the stage is done with them. */
  void release() {
    if (train != null) {
      train.unpersist(false);
    }
    test.unpersist(false);
  }

  /** The number of training examples over all shards. */
  int trainExamples() {
    return train.map(Shard::count).reduce(Integer::sum);
  }
}
