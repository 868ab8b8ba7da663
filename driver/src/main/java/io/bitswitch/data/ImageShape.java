package io.bitswitch.data;

import io.bitswitch.InvalidInputException;
import java.io.Serializable;

/**
 * The shape of one image, channels-first: {@code channels × height × width}. Printed as
 * {@code [channels,height,width]}, e.g. {@code [1,28,28]}.
 */
public record ImageShape(int channels, int height, int width) implements Serializable {

  /** @throws InvalidInputException when a dimension is not positive or the size overflows an int */
  public ImageShape {
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new InvalidInputException("image shape [" + channels + "," + height + "," + width
          + "] has a non-positive dimension");
    }
    if ((long) channels * height * width > Integer.MAX_VALUE) {
      throw new InvalidInputException("image shape [" + channels + "," + height + "," + width
          + "] has more than 2^31-1 values");
    }
  }

  /** Number of values in one image: channels·height·width. */
  public int size() {
    return channels * height * width;
  }

  /** {@code {channels, height, width}}. */
  public int[] toArray() {
    return new int[] {channels, height, width};
  }

  @Override
  public String toString() {
    return "[" + channels + "," + height + "," + width + "]";
  }
}
