package io.bitswitch.data;

import io.bitswitch.CorruptDataException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.ZipException;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST format), gzipped or raw, into contiguous arrays.
 *
 * <p>Layout, all integers big-endian: a 4-byte magic {@code 0x00 0x00 <type> <ndims>} (type
 * {@code 0x08} = unsigned byte), then {@code ndims} 4-byte sizes, then the product of the sizes in
 * bytes of payload. Images are {@code 0x00000803} (count, rows, cols), labels {@code 0x00000801}
 * (count). Anything else — another magic, a non-positive size, a header or payload shorter than
 * announced, bytes after the payload, a broken gzip stream — is a {@link CorruptDataException}
 * whose message names the file and the problem.
 */
public final class IdxReader {
  /** Magic number of an IDX file of unsigned-byte images: 3 dimensions (count, rows, cols). */
  public static final int IMAGES_MAGIC = 0x00000803;
  /** Magic number of an IDX file of unsigned-byte labels: 1 dimension (count). */
  public static final int LABELS_MAGIC = 0x00000801;

  // Java arrays cannot be quite Integer.MAX_VALUE long on common VMs.
  private static final long MAX_PAYLOAD = Integer.MAX_VALUE - 8;

  private IdxReader() {}

  /** Reads an image file from the local file system. */
  public static IdxImages readImages(Path file) {
    try (InputStream in = openLocal(file)) {
      return readImages(in, file.toString());
    } catch (IOException e) {
      throw readFailed(file.toString(), e);
    }
  }

  /** Reads a label file from the local file system. */
  public static IdxLabels readLabels(Path file) {
    try (InputStream in = openLocal(file)) {
      return readLabels(in, file.toString());
    } catch (IOException e) {
      throw readFailed(file.toString(), e);
    }
  }

  /**
   * Reads an image file from a stream (gzipped or raw); does not close it.
   *
   * @param name file name for error messages
   */
  public static IdxImages readImages(InputStream in, String name) {
    Content c = read(in, name, IMAGES_MAGIC, "uint8 images, 3 dimensions");
    return new IdxImages(c.sizes[0], c.sizes[1], c.sizes[2], c.payload);
  }

  /**
   * Reads a label file from a stream (gzipped or raw); does not close it.
   *
   * @param name file name for error messages
   */
  public static IdxLabels readLabels(InputStream in, String name) {
    Content c = read(in, name, LABELS_MAGIC, "uint8 labels, 1 dimension");
    return new IdxLabels(c.sizes[0], c.payload);
  }

  /** Reads an image file and its label file from the local file system; see {@link #combine}. */
  public static LabeledImages readPair(Path images, Path labels) {
    return combine(readImages(images), images.toString(), readLabels(labels), labels.toString());
  }

  /**
   * Joins images and labels into one split of single-channel images.
   *
   * @throws CorruptDataException when the two files hold different numbers of examples
   */
  public static LabeledImages combine(IdxImages images, String imagesName, IdxLabels labels,
      String labelsName) {
    if (images.count() != labels.count()) {
      throw new CorruptDataException("IDX files disagree: " + imagesName + " holds " + images.count()
          + " images but " + labelsName + " holds " + labels.count() + " labels");
    }
    int[] intLabels = new int[labels.count()];
    for (int i = 0; i < intLabels.length; i++) {
      intLabels[i] = labels.label(i);
    }
    return new LabeledImages(new ImageShape(1, images.rows(), images.cols()), images.pixels(), intLabels);
  }

  private record Content(int[] sizes, byte[] payload) {}

  private static Content read(InputStream raw, String name, int expectedMagic, String meaning) {
    int dims = expectedMagic & 0xFF;
    int headerBytes = 4 + 4 * dims;
    try {
      InputStream in = DataStreams.decompressIfGzip(raw);
      byte[] header = new byte[headerBytes];
      int got = DataStreams.readFully(in, header, 0, 4);
      if (got == 4) {
        int magic = bigEndianInt(header, 0);
        if (magic != expectedMagic) {
          throw new CorruptDataException(String.format(
              "IDX file %s: wrong magic number: expected 0x%08X (%s), found 0x%08X", name,
              expectedMagic, meaning, magic));
        }
        got += DataStreams.readFully(in, header, 4, headerBytes - 4);
      }
      if (got < headerBytes) {
        throw new CorruptDataException("IDX file " + name + ": truncated header: expected "
            + headerBytes + " bytes, found " + got);
      }
      int[] sizes = new int[dims];
      long payloadBytes = 1;
      for (int d = 0; d < dims; d++) {
        sizes[d] = bigEndianInt(header, 4 + 4 * d);
        if (sizes[d] <= 0) {
          throw new CorruptDataException("IDX file " + name + ": dimension " + d + " has size "
              + sizes[d] + "; sizes must be positive");
        }
        payloadBytes *= sizes[d];
        if (payloadBytes > MAX_PAYLOAD) {
          throw new CorruptDataException("IDX file " + name + ": header announces more than "
              + MAX_PAYLOAD + " bytes of payload");
        }
      }
      byte[] payload = new byte[(int) payloadBytes];
      int read = DataStreams.readFully(in, payload, 0, payload.length);
      if (read < payload.length) {
        throw new CorruptDataException("IDX file " + name + ": truncated payload: header announces "
            + describe(sizes) + " = " + payload.length + " bytes, found " + read);
      }
      long extra = DataStreams.countRemaining(in);
      if (extra > 0) {
        throw new CorruptDataException("IDX file " + name + ": " + extra + " unexpected bytes after the "
            + payload.length + "-byte payload (header announces " + describe(sizes) + ")");
      }
      return new Content(sizes, payload);
    } catch (IOException e) {
      throw readFailed(name, e);
    }
  }

  private static String describe(int[] sizes) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < sizes.length; i++) {
      sb.append(i == 0 ? "" : "x").append(sizes[i]);
    }
    return sb.toString();
  }

  private static int bigEndianInt(byte[] b, int off) {
    return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8)
        | (b[off + 3] & 0xFF);
  }

  private static InputStream openLocal(Path file) throws IOException {
    try {
      return Files.newInputStream(file);
    } catch (NoSuchFileException e) {
      throw new CorruptDataException("IDX file " + file + " does not exist", e);
    }
  }

  static CorruptDataException readFailed(String name, IOException e) {
    if (e instanceof EOFException || e instanceof ZipException) {
      return new CorruptDataException("file " + name + ": broken gzip stream (" + e.getMessage()
          + "); the file is truncated or corrupt", e);
    }
    return new CorruptDataException("file " + name + ": read failed: " + e, e);
  }
}
