package io.bitswitch.train;

import io.bitswitch.data.Augmentation;
import io.bitswitch.data.CropFlip;
import io.bitswitch.data.Shard;
import io.bitswitch.model.ModelSpec;
import io.bitswitch.model.QuantizedGraph;
import io.bitswitch.train.MultiPrecisionTrainer.Batch;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;

/**
 * One partition's part of a training round ({@link MultiPrecisionTrainer#round}): its slice of the
 * step's global batch, one training pass per configuration at θ, the sums. A named class rather
 * than a lambda, run through {@link io.bitswitch.aggregate.TreeSum#sumOf}, so that Spark's
 * ClosureCleaner has no lambda class file to re-read and parse on each of the four rounds of a step
 * (docs/PERFORMANCE.md, optimisation 5).
 */
final class RoundTask implements Function<Shard, PassSums> {
  private static final long serialVersionUID = 1L;
  private final ModelSpec model;
  private final Broadcast<float[]> params;
  private final Broadcast<float[][]> teachers;
  private final int[][] configs;
  private final int[] batches;
  private final int inEpoch;
  private final int epoch;
  private final long seed;
  private final Distillation distill;
  private final Augmentation augment;

  /**
   * @param teachers per partition, the softmax an earlier round's highest-precision pass gave its
   *     slice, or null (the round's own first pass teaches when distillation is on)
   */
  RoundTask(ModelSpec model, Broadcast<float[]> params, Broadcast<float[][]> teachers, int[][] configs,
      int[] batches, int inEpoch, int epoch, long seed, Distillation distill, Augmentation augment) {
    this.model = model;
    this.params = params;
    this.teachers = teachers;
    this.configs = configs;
    this.batches = batches;
    this.inEpoch = inEpoch;
    this.epoch = epoch;
    this.seed = seed;
    this.distill = distill;
    this.augment = augment;
  }

  @Override
  public PassSums call(Shard shard) {
    QuantizedGraph g = model.graph();
    int p = shard.partition();
    PassSums sums = new PassSums(configs.length, g.layout().size(), g.bnStatsLength());
    int[] pos = MultiPrecisionTrainer.slice(shard.count(), batches[p], inEpoch, epoch, p, seed);
    if (pos.length == 0) {
      return sums;
    }
    Batch b = MultiPrecisionTrainer.gather(shard, pos);
    if (augment == Augmentation.CROP_FLIP) {
      CropFlip.apply(b.x(), pos.length, shard.shape(), seed, epoch, p, inEpoch);
    }
    float[] th = params.value();
    float[] teacher = teachers == null ? null : teachers.value()[p];
    for (int k = 0; k < configs.length; k++) {
      if (distill.enabled() && teacher != null) {
        sums.loss[k] = g.trainPass(th, configs[k], b.x(), b.y(), pos.length, sums.gradient[k], sums.bnStats[k],
            teacher, distill.weight(), distill.temperature(), null);
      } else {
        float[] out = distill.enabled() ? new float[pos.length * g.classes()] : null;
        sums.loss[k] = g.trainPass(th, configs[k], b.x(), b.y(), pos.length, sums.gradient[k], sums.bnStats[k],
            null, 0, 1, out);
        teacher = out;
      }
    }
    sums.examples = pos.length;
    sums.teachers = teachers == null && teacher != null ? new float[][] {teacher} : null;
    return sums;
  }
}
