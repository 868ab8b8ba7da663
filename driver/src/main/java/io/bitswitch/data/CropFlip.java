package io.bitswitch.data;

import java.util.SplittableRandom;

/**
 * The standard CIFAR augmentation, on normalised batches where they are gathered on the executors:
 * each image is padded by {@value #PADDING} pixels on every side, an H×W window at a uniformly
 * drawn offset (0..2·{@value #PADDING} each way) is cropped from it, and the crop is mirrored
 * left-right with probability 1/2.
 *
 * <p>The padding is 0 in the normalised input, i.e. the training mean; the network never sees
 * the raw pixels, so this is zero padding of its input. The draws come from
 * (seed, epoch, partition, step in epoch) alone, in image order within the batch, so a run resumed
 * from a checkpoint sees the very same images as the uninterrupted one.
 */
public final class CropFlip {
  /** Padding on each side, in pixels. */
  public static final int PADDING = 4;

  private CropFlip() {}

  /**
   * Augments the {@code count} images of {@code x} (channels-first, one after another) in place.
   *
   * @param step the step within the epoch
   */
  public static void apply(float[] x, int count, ImageShape shape, long seed, int epoch, int partition, int step) {
    SplittableRandom random = new SplittableRandom(
        ((seed * 1_000_003L + epoch) * 1_000_003L + partition) * 1_000_003L + step);
    int size = shape.size();
    float[] image = new float[size];
    for (int i = 0; i < count; i++) {
      int dy = random.nextInt(2 * PADDING + 1) - PADDING;
      int dx = random.nextInt(2 * PADDING + 1) - PADDING;
      boolean flip = random.nextBoolean();
      System.arraycopy(x, i * size, image, 0, size);
      transform(image, x, i * size, shape, dy, dx, flip);
    }
  }

  /**
   * Writes into {@code out} at {@code offset} the crop of {@code image} shifted by (dy, dx):
   * output pixel (y, x) is input pixel (y + dy, x + dx), 0 outside the image; then mirrored
   * left-right when {@code flip}.
   */
  static void transform(float[] image, float[] out, int offset, ImageShape shape, int dy, int dx, boolean flip) {
    int h = shape.height();
    int w = shape.width();
    for (int c = 0; c < shape.channels(); c++) {
      int plane = c * h * w;
      for (int y = 0; y < h; y++) {
        int sy = y + dy;
        for (int x = 0; x < w; x++) {
          int sx = (flip ? w - 1 - x : x) + dx;
          out[offset + plane + y * w + x] = sy < 0 || sy >= h || sx < 0 || sx >= w ? 0f : image[plane + sy * w + sx];
        }
      }
    }
  }
}
