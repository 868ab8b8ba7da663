package io.bitswitch.train;

import io.bitswitch.data.Shard;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaRDD;

/**
 * Whether every training partition sees every class. Training splits the data into partitions of
 * consecutive indices and normalises BatchNorm over each partition's slice of a batch; when the
 * index is sorted by label, each partition holds a few classes only and the network learns from
 * per-partition batch statistics that evaluation does not have (train loss low, test accuracy
 * far lower). {@code ingest} shuffles image folders; data written by users may still be sorted.
 */
final class ClassMix {
  /** A class below this share of the training data may be missing from a partition by chance. */
  private static final double RARE = 0.01;

  private ClassMix() {}

  /** The warning for {@code shards} over {@code classes} classes, if a partition lacks a common class. */
  static Optional<String> check(JavaRDD<Shard> shards, int classes) {
    List<long[]> counts = shards.map(s -> {
      long[] c = new long[classes];
      for (int label : s.labels()) {
        c[label]++;
      }
      return c;
    }).collect();
    return warning(counts);
  }

  /**
   * The warning for per-partition class counts ({@code counts.get(p)[k]}: examples of class k in
   * partition p), or empty when every partition has every class that is at least {@value #RARE}
   * of the data (and partitions are large enough to hold one of each).
   */
  static Optional<String> warning(List<long[]> counts) {
    if (counts.size() < 2) {
      return Optional.empty();
    }
    int classes = counts.get(0).length;
    long[] total = new long[classes];
    long all = 0;
    for (long[] c : counts) {
      for (int k = 0; k < classes; k++) {
        total[k] += c[k];
        all += c[k];
      }
    }
    for (int p = 0; p < counts.size(); p++) {
      long size = 0;
      for (long n : counts.get(p)) {
        size += n;
      }
      int missing = 0;
      for (int k = 0; k < classes; k++) {
        boolean common = total[k] >= RARE * all && size * total[k] >= 20L * all; // ≥ 20 expected here
        if (common && counts.get(p)[k] == 0) {
          missing++;
        }
      }
      if (missing > 0) {
        return Optional.of("training partition " + p + " of " + counts.size() + " has no example of " + missing
            + " of the " + classes + " classes: the data's index looks sorted by label, so BatchNorm statistics "
            + "per partition will differ from the whole data's and test accuracy will suffer; shuffle the index "
            + "(bitswitch ingest does so for image folders)");
      }
    }
    return Optional.empty();
  }
}
