package io.bitswitch.data;

import io.bitswitch.CorruptDataException;
import java.io.Serializable;

/**
 * Exact sums over a split's pixels and labels, mergeable across Spark partitions. Pixel sums are
 * kept as integers so the result does not depend on partitioning or summation order: an IDX
 * directory and its Parquet ingest give bit-identical normalisations.
 */
final class PixelStatistics implements Serializable {
  private static final long serialVersionUID = 1L;

  long rows;
  long pixelCount;
  long pixelSum;
  long pixelSquareSum;
  int maxLabel = -1;
  int minLabel = Integer.MAX_VALUE;
  long minIndex = Long.MAX_VALUE;
  long maxIndex = Long.MIN_VALUE;
  // The first shape seen, and one different shape if any row disagrees.
  int channels;
  int height;
  int width;
  String conflictingShape;

  /** Adds one example. */
  PixelStatistics add(int label, byte[] pixels, int channels, int height, int width, long index) {
    if (rows == 0) {
      this.channels = channels;
      this.height = height;
      this.width = width;
    } else if (conflictingShape == null
        && (channels != this.channels || height != this.height || width != this.width)) {
      conflictingShape = "[" + channels + "," + height + "," + width + "] at index " + index;
    }
    if (conflictingShape == null && pixels.length != channels * height * width) {
      conflictingShape = pixels.length + " pixel bytes for shape [" + channels + "," + height + ","
          + width + "] at index " + index;
    }
    rows++;
    addPixels(pixels, 0, pixels.length);
    maxLabel = Math.max(maxLabel, label);
    minLabel = Math.min(minLabel, label);
    minIndex = Math.min(minIndex, index);
    maxIndex = Math.max(maxIndex, index);
    return this;
  }

  private void addPixels(byte[] pixels, int from, int to) {
    long sum = 0;
    long squares = 0;
    for (int k = from; k < to; k++) {
      int v = pixels[k] & 0xFF;
      sum += v;
      squares += v * v;
    }
    pixelSum += sum;
    pixelSquareSum += squares;
    pixelCount += to - from;
  }

  /** Merges {@code other} (a later part of the data) into this. */
  PixelStatistics merge(PixelStatistics other) {
    if (other.rows == 0) {
      return this;
    }
    if (rows == 0) {
      channels = other.channels;
      height = other.height;
      width = other.width;
    } else if (conflictingShape == null
        && (channels != other.channels || height != other.height || width != other.width)) {
      conflictingShape = "[" + other.channels + "," + other.height + "," + other.width + "]";
    }
    if (conflictingShape == null) {
      conflictingShape = other.conflictingShape;
    }
    rows += other.rows;
    pixelCount += other.pixelCount;
    pixelSum += other.pixelSum;
    pixelSquareSum += other.pixelSquareSum;
    maxLabel = Math.max(maxLabel, other.maxLabel);
    minLabel = Math.min(minLabel, other.minLabel);
    minIndex = Math.min(minIndex, other.minIndex);
    maxIndex = Math.max(maxIndex, other.maxIndex);
    return this;
  }

  /** Statistics of an in-memory split (indices 0..count-1). */
  static PixelStatistics of(LabeledImages images) {
    PixelStatistics s = new PixelStatistics();
    if (images.count() == 0) {
      return s;
    }
    s.rows = images.count();
    s.channels = images.shape().channels();
    s.height = images.shape().height();
    s.width = images.shape().width();
    s.addPixels(images.pixels(), 0, images.pixels().length);
    for (int label : images.labels()) {
      s.maxLabel = Math.max(s.maxLabel, label);
      s.minLabel = Math.min(s.minLabel, label);
    }
    s.minIndex = 0;
    s.maxIndex = images.count() - 1;
    return s;
  }

  /**
   * Checks that the split is non-empty, has one image shape, non-negative labels and indices
   * exactly 0..rows-1 (as far as min and max tell).
   *
   * @param what the split's name for messages, e.g. "Parquet dataset /data/fm split train"
   */
  PixelStatistics validate(String what) {
    if (rows == 0) {
      throw new CorruptDataException(what + " has no rows");
    }
    if (conflictingShape != null) {
      throw new CorruptDataException(what + " mixes image shapes: " + shape() + " and "
          + conflictingShape);
    }
    if (minLabel < 0) {
      throw new CorruptDataException(what + " has a negative label " + minLabel);
    }
    if (minIndex != 0 || maxIndex != rows - 1) {
      throw new CorruptDataException(what + " has " + rows + " rows but indices " + minIndex + ".."
          + maxIndex + "; expected 0.." + (rows - 1));
    }
    return this;
  }

  ImageShape shape() {
    return new ImageShape(channels, height, width);
  }

  /**
   * Mean and (population) standard deviation of all pixels scaled to [0,1].
   *
   * @throws CorruptDataException when all pixels are equal (std 0)
   */
  Normalization normalization(String what) {
    double n = pixelCount;
    double mean = pixelSum / (255.0 * n);
    double meanSquare = pixelSquareSum / (255.0 * 255.0 * n);
    double std = Math.sqrt(Math.max(0.0, meanSquare - mean * mean));
    if (!(std > 0)) {
      throw new CorruptDataException(what + ": all pixels have the same value, cannot normalise");
    }
    return new Normalization((float) mean, (float) std);
  }
}
