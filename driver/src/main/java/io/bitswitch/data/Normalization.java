package io.bitswitch.data;

import io.bitswitch.InvalidInputException;
import java.io.Serializable;
import java.util.Arrays;

/**
 * Input normalisation, per channel: a uint8 pixel {@code x} of channel {@code c} becomes
 * {@code (x/255 − means[c])/stds[c]}. The values are over the training split's pixels of each
 * channel scaled to [0,1]; they travel with the model so inference normalises exactly as training
 * did. A single value (what bundles and callers from before per-channel statistics hold) means
 * every channel.
 *
 * @param means one mean per channel, or one for all
 * @param stds one standard deviation per channel, or one for all; as many as {@code means}
 */
public record Normalization(float[] means, float[] stds) implements Serializable {

  /** @throws InvalidInputException when a mean is not finite, a std not finite and positive, or the lengths differ */
  public Normalization {
    if (means.length == 0 || means.length != stds.length) {
      throw new InvalidInputException("normalization needs as many means as stds (at least one), got "
          + means.length + " and " + stds.length);
    }
    for (int c = 0; c < means.length; c++) {
      if (!Float.isFinite(means[c]) || !Float.isFinite(stds[c]) || stds[c] <= 0f) {
        throw new InvalidInputException("normalization needs a finite mean and a finite std > 0, got mean="
            + means[c] + " std=" + stds[c] + (means.length > 1 ? " for channel " + c : ""));
      }
    }
    means = means.clone();
    stds = stds.clone();
  }

  /** One mean and std for every channel. */
  public Normalization(float mean, float std) {
    this(new float[] {mean}, new float[] {std});
  }

  @Override
  public float[] means() {
    return means.clone();
  }

  @Override
  public float[] stds() {
    return stds.clone();
  }

  /** Whether one value serves every channel. */
  public boolean isSingle() {
    return means.length == 1;
  }

  /** The mean of channel {@code c}. */
  public float mean(int c) {
    return means[isSingle() ? 0 : c];
  }

  /** The standard deviation of channel {@code c}. */
  public float std(int c) {
    return stds[isSingle() ? 0 : c];
  }

  /** The normalised value of one uint8 pixel (0..255) of channel {@code c}. */
  public float apply(int c, int pixel) {
    return (pixel / 255f - mean(c)) / std(c);
  }

  /** {@link #apply(int, int)} of channel 0, which is every channel's when {@link #isSingle}. */
  public float apply(int pixel) {
    return apply(0, pixel);
  }

  /**
   * {@link #apply} for all 256 pixel values of each of {@code channels} channels, indexed
   * {@code [channel][unsigned byte]}; normalising through these tables gives the same floats as
   * {@code apply} and is several times faster.
   *
   * @throws InvalidInputException when this holds per-channel values for another channel count
   */
  public float[][] lookupTables(int channels) {
    if (!isSingle() && means.length != channels) {
      throw new InvalidInputException("normalization has " + means.length + " channels but the images have "
          + channels);
    }
    float[][] tables = new float[channels][256];
    for (int c = 0; c < channels; c++) {
      for (int v = 0; v < 256; v++) {
        tables[c][v] = apply(c, v);
      }
    }
    return tables;
  }

  /**
   * Normalises {@code count} images of {@code shape} from uint8 {@code src} (at {@code from}) into
   * {@code out} (at {@code to}), channel by channel through {@link #lookupTables}.
   */
  public static void normalise(float[][] tables, ImageShape shape, byte[] src, int from, float[] out, int to,
      int count) {
    int plane = shape.height() * shape.width();
    int size = shape.size();
    for (int i = 0; i < count; i++) {
      for (int c = 0; c < shape.channels(); c++) {
        float[] table = tables[c];
        int s = from + i * size + c * plane;
        int d = to + i * size + c * plane;
        for (int k = 0; k < plane; k++) {
          out[d + k] = table[src[s + k] & 0xFF];
        }
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Normalization n && Arrays.equals(means, n.means) && Arrays.equals(stds, n.stds);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(means) + Arrays.hashCode(stds);
  }

  @Override
  public String toString() {
    return "Normalization[means=" + Arrays.toString(means) + ", stds=" + Arrays.toString(stds) + "]";
  }
}
