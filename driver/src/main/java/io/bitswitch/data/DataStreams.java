package io.bitswitch.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Opening dataset files whatever their name says: gzip is recognised by its magic bytes. */
final class DataStreams {
  private static final int GZIP_MAGIC_1 = 0x1f;
  private static final int GZIP_MAGIC_2 = 0x8b;
  private static final int BUFFER = 1 << 16;

  private DataStreams() {}

  /**
   * Wraps {@code raw} so that reading yields the decompressed content if it starts with the gzip
   * magic, else the bytes as they are. File extensions are not trusted: a {@code .gz} name on a raw
   * file, or a gzipped file without one, both read correctly.
   */
  static InputStream decompressIfGzip(InputStream raw) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, BUFFER);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    if (b1 == GZIP_MAGIC_1 && b2 == GZIP_MAGIC_2) {
      return new BufferedInputStream(new GZIPInputStream(in, BUFFER), BUFFER);
    }
    return in;
  }

  /**
   * Reads until {@code buf} is full or the stream ends.
   *
   * @return number of bytes read; less than {@code len} only at the end of the stream
   */
  static int readFully(InputStream in, byte[] buf, int off, int len) throws IOException {
    int total = 0;
    while (total < len) {
      int r = in.read(buf, off + total, len - total);
      if (r < 0) {
        break;
      }
      total += r;
    }
    return total;
  }

  /** Reads and counts whatever is left in the stream. */
  static long countRemaining(InputStream in) throws IOException {
    byte[] buf = new byte[BUFFER];
    long total = 0;
    int r;
    while ((r = in.read(buf)) >= 0) {
      total += r;
    }
    return total;
  }
}
