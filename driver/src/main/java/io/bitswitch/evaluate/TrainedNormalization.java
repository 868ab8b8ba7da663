package io.bitswitch.evaluate;

import io.bitswitch.bundle.Manifest;
import io.bitswitch.data.Dataset;
import io.bitswitch.data.Normalization;
import java.util.List;

/**
 * The input normalisation a stored model is run with: the statistics it was trained with, not
 * those of the data it is run on. A bundle's manifest records the training split's per-channel
 * statistics ({@code channel_means}/{@code channel_stds}); evaluating, searching or analysing the
 * bundle on another dataset of the same shape normalises with those, so the network sees its inputs
 * as in training (docs/design/architecture.md, per-channel normalisation in shards and the manifest).
 *
 * <p>A manifest with a single {@code mean}/{@code std} (bundles trained on 1-channel data, and
 * every bundle from before per-channel statistics) is run with that mean and std: one value for
 * every channel, as the manifest format defines it. On the data the bundle was trained on, that is
 * the data's own statistics, so results there do not change.
 */
public final class TrainedNormalization {
  private TrainedNormalization() {}

  /**
   * The normalisation to run the bundle of manifest {@code m} on {@code data} with: the manifest's
   * statistics when it records any, else (a manifest without {@code normalization}) {@code data}'s.
   */
  public static Normalization of(Manifest m, Dataset data) {
    Normalization recorded = recorded(m.normalization());
    return recorded != null ? recorded : data.normalization();
  }

  /** A manifest's statistics {@code n}: per channel when it has them, else its single mean and std; null for none. */
  public static Normalization recorded(Manifest.Normalization n) {
    if (n == null) {
      return null;
    }
    if (n.channelMeans() == null || n.channelStds() == null) {
      return new Normalization(n.mean(), n.std());
    }
    return new Normalization(floats(n.channelMeans()), floats(n.channelStds()));
  }

  private static float[] floats(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
