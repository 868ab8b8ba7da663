package io.bitswitch.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Builds small IDX files for tests. */
final class IdxFixtures {
  static final Path FASHION_MNIST = Path.of(FashionMnistFiles.DEFAULT_DIR);

  private IdxFixtures() {}

  /** IDX bytes: magic, the sizes, then the payload as given (which may disagree on purpose). */
  static byte[] idx(int magic, int[] sizes, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * sizes.length + payload.length);
    b.putInt(magic);
    for (int s : sizes) {
      b.putInt(s);
    }
    b.put(payload);
    return b.array();
  }

  /** A well-formed image file: {@code count} images of {@code rows×cols}, pixel k = k mod 256. */
  static byte[] images(int count, int rows, int cols) {
    byte[] payload = new byte[count * rows * cols];
    for (int k = 0; k < payload.length; k++) {
      payload[k] = (byte) k;
    }
    return idx(IdxReader.IMAGES_MAGIC, new int[] {count, rows, cols}, payload);
  }

  /** A well-formed label file: label i = i mod 10. */
  static byte[] labels(int count) {
    byte[] payload = new byte[count];
    for (int i = 0; i < count; i++) {
      payload[i] = (byte) (i % 10);
    }
    return idx(IdxReader.LABELS_MAGIC, new int[] {count}, payload);
  }

  static byte[] gzip(byte[] content) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(bytes)) {
      out.write(content);
    }
    return bytes.toByteArray();
  }

  static Path write(Path dir, String name, byte[] content) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, content);
    return file;
  }
}
