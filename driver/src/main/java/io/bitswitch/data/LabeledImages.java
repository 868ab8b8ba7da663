package io.bitswitch.data;

import io.bitswitch.InvalidInputException;

/**
 * One split of a dataset held in memory: {@code count} images of one shape as contiguous uint8
 * pixels (channels-first, row-major; image {@code i} at {@code [i·size, (i+1)·size)}) and their
 * labels, in source order.
 */
public record LabeledImages(ImageShape shape, byte[] pixels, int[] labels) {

  /** @throws InvalidInputException when the pixel array does not hold one image per label */
  public LabeledImages {
    if ((long) labels.length * shape.size() != pixels.length) {
      throw new InvalidInputException(pixels.length + " pixel bytes do not hold " + labels.length
          + " images of shape " + shape);
    }
  }

  /** Number of examples. */
  public int count() {
    return labels.length;
  }

  /** A copy of image {@code i}'s bytes. */
  public byte[] image(int i) {
    int size = shape.size();
    byte[] out = new byte[size];
    System.arraycopy(pixels, i * size, out, 0, size);
    return out;
  }
}
