package io.bitswitch.data;

import io.bitswitch.InvalidInputException;
import java.io.Serializable;

/**
 * Input normalisation: a uint8 pixel {@code x} becomes {@code (x/255 − mean)/std}. {@code mean}
 * and {@code std} are over all training pixels scaled to [0,1]; they travel with the model so
 * inference normalises exactly as training did.
 */
public record Normalization(float mean, float std) implements Serializable {

  /** @throws InvalidInputException when mean is not finite or std is not finite and positive */
  public Normalization {
    if (!Float.isFinite(mean) || !Float.isFinite(std) || std <= 0f) {
      throw new InvalidInputException("normalization needs a finite mean and a finite std > 0, got mean="
          + mean + " std=" + std);
    }
  }

  /** The normalised value of one uint8 pixel (0..255). */
  public float apply(int pixel) {
    return (pixel / 255f - mean) / std;
  }

  /**
   * {@link #apply} for all 256 pixel values, indexed by the unsigned byte; normalising through
   * this table gives the same floats as {@code apply} and is several times faster.
   */
  public float[] lookupTable() {
    float[] table = new float[256];
    for (int v = 0; v < 256; v++) {
      table[v] = apply(v);
    }
    return table;
  }
}
