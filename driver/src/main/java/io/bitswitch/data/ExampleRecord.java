package io.bitswitch.data;

import java.io.Serializable;

/** One example on its way through the shuffle that groups Parquet rows into shards. */
final class ExampleRecord implements Serializable {
  private static final long serialVersionUID = 1L;

  final int label;
  final byte[] pixels;

  ExampleRecord(int label, byte[] pixels) {
    this.label = label;
    this.pixels = pixels;
  }
}
