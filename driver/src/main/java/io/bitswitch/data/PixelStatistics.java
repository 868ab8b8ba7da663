package io.bitswitch.data;

import io.bitswitch.CorruptDataException;
import java.io.Serializable;

/**
 * Exact sums over a split's pixels, per channel, and labels, mergeable across Spark partitions.
 * Pixel sums are kept as integers so the result does not depend on partitioning or summation order: an IDX
 * directory and its Parquet ingest give bit-identical normalisations.
 */
final class PixelStatistics implements Serializable {
  private static final long serialVersionUID = 1L;

  long rows;
  // Per channel (index c), allocated with the first row.
  long[] pixelCount;
  long[] pixelSum;
  long[] pixelSquareSum;
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
      setShape(channels, height, width);
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

  private void setShape(int channels, int height, int width) {
    this.channels = channels;
    this.height = height;
    this.width = width;
    pixelCount = new long[channels];
    pixelSum = new long[channels];
    pixelSquareSum = new long[channels];
  }

  /** Adds {@code [from, to)}, one image (channels-first), channel by channel. */
  private void addPixels(byte[] pixels, int from, int to) {
    int plane = Math.max(1, height * width);
    for (int start = from; start < to; start += plane) {
      // A row with a wrong byte count is reported by validate(); its extra planes count as the last channel.
      int c = Math.min((start - from) / plane, channels - 1);
      int end = Math.min(to, start + plane);
      long sum = 0;
      long squares = 0;
      for (int k = start; k < end; k++) {
        int v = pixels[k] & 0xFF;
        sum += v;
        squares += v * v;
      }
      pixelSum[c] += sum;
      pixelSquareSum[c] += squares;
      pixelCount[c] += end - start;
    }
  }

  /** Merges {@code other} (a later part of the data) into this. */
  PixelStatistics merge(PixelStatistics other) {
    if (other.rows == 0) {
      return this;
    }
    if (rows == 0) {
      setShape(other.channels, other.height, other.width);
    } else if (conflictingShape == null
        && (channels != other.channels || height != other.height || width != other.width)) {
      conflictingShape = "[" + other.channels + "," + other.height + "," + other.width + "]";
    }
    if (conflictingShape == null) {
      conflictingShape = other.conflictingShape;
    }
    rows += other.rows;
    for (int c = 0; c < Math.min(channels, other.channels); c++) {
      pixelCount[c] += other.pixelCount[c];
      pixelSum[c] += other.pixelSum[c];
      pixelSquareSum[c] += other.pixelSquareSum[c];
    }
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
    s.setShape(images.shape().channels(), images.shape().height(), images.shape().width());
    int size = images.shape().size();
    for (int i = 0; i < images.count(); i++) {
      s.addPixels(images.pixels(), i * size, (i + 1) * size);
    }
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
   * Per channel, mean and (population) standard deviation of its pixels scaled to [0,1].
   *
   * @throws CorruptDataException when all pixels of a channel are equal (std 0)
   */
  Normalization normalization(String what) {
    float[] means = new float[channels];
    float[] stds = new float[channels];
    for (int c = 0; c < channels; c++) {
      double n = pixelCount[c];
      double mean = pixelSum[c] / (255.0 * n);
      double meanSquare = pixelSquareSum[c] / (255.0 * 255.0 * n);
      double std = Math.sqrt(Math.max(0.0, meanSquare - mean * mean));
      if (!(std > 0)) {
        throw new CorruptDataException(what + ": all pixels" + (channels > 1 ? " of channel " + c : "")
            + " have the same value, cannot normalise");
      }
      means[c] = (float) mean;
      stds[c] = (float) std;
    }
    return new Normalization(means, stds);
  }
}
