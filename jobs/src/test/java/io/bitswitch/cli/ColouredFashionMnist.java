package io.bitswitch.cli;

import io.bitswitch.data.FashionMnistFiles;
import io.bitswitch.data.LabeledImages;
import io.bitswitch.testing.RequiredPackages;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;

/**
 * Colour data the jobs tests make from Fashion-MNIST's test split (the Debian package
 * dataset-fashion-mnist): each image coloured by its class, pixel v becoming
 * (v·r/255, v·g/255, v·b/255) — the colouring of the driver's ColourIngestTest — written as a
 * PNG image folder (28×28×3) or as CIFAR-10 binary records (centred on 32×32).
 */
final class ColouredFashionMnist {
  /** Class k's colour (r, g, b). */
  static final int[][] COLOURS = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 0}, {255, 0, 255},
      {0, 255, 255}, {255, 128, 0}, {128, 0, 255}, {128, 128, 128}, {255, 255, 255}};

  private final LabeledImages images;

  private ColouredFashionMnist(LabeledImages images) {
    this.images = images;
  }

  /** Fashion-MNIST's test split; skips the test when the package is missing. */
  static ColouredFashionMnist load() throws IOException {
    RequiredPackages.require("dataset-fashion-mnist");
    return new ColouredFashionMnist(FashionMnistFiles.locate(FashionMnistFiles.DEFAULT_DIR, new Configuration())
        .loadTest());
  }

  /** Channel {@code c} (0 red, 1 green, 2 blue) of pixel {@code p} of image {@code i}, 0..255. */
  int channel(int i, int c, int p) {
    return (images.image(i)[p] & 0xFF) * COLOURS[images.labels()[i]][c] / 255;
  }

  int label(int i) {
    return images.labels()[i];
  }

  /**
   * {@code root/{train,test}/class-<k>/<i>.png}: images {@code [0, train)} for training and
   * {@code [train, train + test)} for test. With {@code invertedTrain} the training images are
   * written as 255 − v per channel: the same test images under quite other training statistics.
   */
  void writeFolder(Path root, int train, int test, boolean invertedTrain) throws IOException {
    for (int i = 0; i < train + test; i++) {
      boolean inTrain = i < train;
      Path dir = Files.createDirectories(root.resolve(inTrain ? "train" : "test").resolve("class-" + label(i)));
      BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
      for (int p = 0; p < 784; p++) {
        int rgb = 0;
        for (int c = 0; c < 3; c++) {
          int v = channel(i, c, p);
          rgb = rgb << 8 | (inTrain && invertedTrain ? 255 - v : v);
        }
        image.setRGB(p % 28, p / 28, rgb);
      }
      ImageIO.write(image, "png", dir.resolve(String.format("%04d.png", i)).toFile());
    }
  }

  /** CIFAR-10 records of images {@code [from, to)}: label byte, then R, G, B planes of 32×32. */
  byte[] cifarRecords(int from, int to) {
    byte[] out = new byte[(to - from) * 3073];
    for (int i = from; i < to; i++) {
      int base = (i - from) * 3073;
      out[base] = (byte) label(i);
      for (int c = 0; c < 3; c++) {
        for (int p = 0; p < 784; p++) {
          out[base + 1 + c * 1024 + (p / 28 + 2) * 32 + p % 28 + 2] = (byte) channel(i, c, p);
        }
      }
    }
    return out;
  }
}
