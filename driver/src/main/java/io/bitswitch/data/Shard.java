package io.bitswitch.data;

import io.bitswitch.InvalidInputException;
import java.io.Serializable;

/**
 * The examples of one Spark partition, ready for a training or evaluation task: normalised pixels
 * in one contiguous NCHW {@code float[]}, labels, and each example's global index in the source
 * order. The arrays are shared, not copied: treat them as read-only.
 */
public final class Shard implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int partition;
  private final int count;
  private final int channels;
  private final int height;
  private final int width;
  private final float[] pixels;
  private final int[] labels;
  private final long[] index;

  /**
   * @param partition the Spark partition this shard belongs to
   * @param shape the image shape (channels, height, width)
   * @param pixels {@code count·c·h·w} normalised values, example {@code i} at
   *     {@code [i·c·h·w, (i+1)·c·h·w)}
   * @param labels class label per example
   * @param index global example index per example (position in the source order)
   * @throws InvalidInputException when the array lengths disagree
   */
  public Shard(int partition, ImageShape shape, float[] pixels, int[] labels, long[] index) {
    int n = labels.length;
    if (index.length != n || (long) n * shape.size() != pixels.length) {
      throw new InvalidInputException("shard " + partition + ": " + labels.length + " labels, "
          + index.length + " indices and " + pixels.length + " pixel values do not fit shape " + shape);
    }
    this.partition = partition;
    this.count = n;
    this.channels = shape.channels();
    this.height = shape.height();
    this.width = shape.width();
    this.pixels = pixels;
    this.labels = labels;
    this.index = index;
  }

  /** The Spark partition this shard belongs to. */
  public int partition() {
    return partition;
  }

  /** Number of examples. */
  public int count() {
    return count;
  }

  /** Image channels. */
  public int channels() {
    return channels;
  }

  /** Image height in pixels. */
  public int height() {
    return height;
  }

  /** Image width in pixels. */
  public int width() {
    return width;
  }

  /** The image shape (channels, height, width). */
  public ImageShape shape() {
    return new ImageShape(channels, height, width);
  }

  /** Values per example: channels·height·width. */
  public int exampleSize() {
    return channels * height * width;
  }

  /** Normalised pixels, NCHW, contiguous; example {@code i} starts at {@code i·exampleSize()}. */
  public float[] pixels() {
    return pixels;
  }

  /** Class label of each example. */
  public int[] labels() {
    return labels;
  }

  /** Global index (position in the source order) of each example, ascending. */
  public long[] index() {
    return index;
  }

  @Override
  public String toString() {
    return "Shard{partition=" + partition + ", count=" + count + ", shape=" + shape()
        + (count > 0 ? ", index=" + index[0] + ".." + index[count - 1] : "") + "}";
  }
}
