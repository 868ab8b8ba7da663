package io.bitswitch.data;

import io.bitswitch.InvalidInputException;

/** The content of an IDX label file ({@code idx1-ubyte}): one uint8 label per example. */
public record IdxLabels(int count, byte[] labels) {

  /** @throws InvalidInputException when the array length is not count */
  public IdxLabels {
    if (labels.length != count) {
      throw new InvalidInputException("IDX labels: " + labels.length + " bytes for " + count + " labels");
    }
  }

  /** Label {@code i} as an int in 0..255. */
  public int label(int i) {
    return labels[i] & 0xFF;
  }
}
