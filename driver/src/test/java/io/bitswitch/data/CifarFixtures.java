package io.bitswitch.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes small CIFAR-10 binary directories from Fashion-MNIST images, coloured per class. */
final class CifarFixtures {
  static final List<String> NAMES = List.of("tshirt", "trouser", "pullover", "dress", "coat", "sandal",
      "shirt", "sneaker", "bag", "boot");

  private CifarFixtures() {}

  /**
   * {@code data_batch_1.bin} and {@code data_batch_2.bin} (images {@code [0, train)}, split in
   * two), {@code test_batch.bin} (the next {@code test}) and {@code batches.meta.txt}.
   */
  static void writeCifar10(Path dir, LabeledImages source, int train, int test) throws IOException {
    Files.createDirectories(dir);
    Files.write(dir.resolve("data_batch_1.bin"), records(source, 0, train / 2));
    Files.write(dir.resolve("data_batch_2.bin"), records(source, train / 2, train));
    Files.write(dir.resolve("test_batch.bin"), records(source, train, train + test));
    Files.writeString(dir.resolve("batches.meta.txt"), String.join("\n", NAMES) + "\n\n", StandardCharsets.UTF_8);
  }

  /** CIFAR-10 records of images {@code [from, to)}. */
  static byte[] records(LabeledImages source, int from, int to) {
    byte[] out = new byte[(to - from) * 3073];
    for (int i = from; i < to; i++) {
      int base = (i - from) * 3073;
      out[base] = (byte) source.labels()[i];
      System.arraycopy(pixels(source, i), 0, out, base + 1, 3072);
    }
    return out;
  }

  /** Image {@code i} as 3×32×32 planes: the 28×28 image centred on black, coloured by its label. */
  static byte[] pixels(LabeledImages source, int i) {
    int[] colour = ColourIngestTest.COLOURS[source.labels()[i]];
    byte[] grey = source.image(i);
    byte[] out = new byte[3072];
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          int v = grey[y * 28 + x] & 0xFF;
          out[c * 1024 + (y + 2) * 32 + x + 2] = (byte) (v * colour[c] / 255);
        }
      }
    }
    return out;
  }
}
