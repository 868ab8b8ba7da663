package io.bitswitch.data;

import io.bitswitch.InvalidInputException;

/**
 * The content of an IDX image file ({@code idx3-ubyte}): {@code count} grey-scale images of
 * {@code rows × cols} uint8 pixels in one array, image {@code i} at
 * {@code [i·rows·cols, (i+1)·rows·cols)}, each row-major. Pixels are Java bytes; read them with
 * {@code & 0xFF}.
 */
public record IdxImages(int count, int rows, int cols, byte[] pixels) {

  /** @throws InvalidInputException when the array length is not count·rows·cols */
  public IdxImages {
    if (count < 0 || rows <= 0 || cols <= 0 || (long) count * rows * cols != pixels.length) {
      throw new InvalidInputException("IDX images: " + pixels.length + " bytes do not hold "
          + count + " images of " + rows + "x" + cols);
    }
  }
}
