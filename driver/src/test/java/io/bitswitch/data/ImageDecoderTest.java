package io.bitswitch.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.CorruptDataException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Exact pixel values through PNG encode/decode, channel conversion and resizing. */
class ImageDecoderTest {

  private static byte[] png(BufferedImage image) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(image, "png", out));
    return out.toByteArray();
  }

  private static BufferedImage grey(int[][] rows) {
    BufferedImage image = new BufferedImage(rows[0].length, rows.length, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < rows.length; y++) {
      for (int x = 0; x < rows[0].length; x++) {
        image.getRaster().setSample(x, y, 0, rows[y][x]);
      }
    }
    return image;
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  @Test
  void greyImagesKeepTheirExactLevels() throws IOException {
    byte[] file = png(grey(new int[][] {{0, 17, 128}, {200, 254, 255}}));
    assertEquals(new ImageDecoder.Probe(3, 2, false), ImageDecoder.probe(new ByteArrayInputStream(file), "g.png"));
    assertArrayEquals(bytes(0, 17, 128, 200, 254, 255),
        ImageDecoder.decode(new ByteArrayInputStream(file), "g.png", 1, 2, 3));
    assertArrayEquals(bytes(0, 17, 128, 200, 254, 255, 0, 17, 128, 200, 254, 255, 0, 17, 128, 200, 254, 255),
        ImageDecoder.decode(new ByteArrayInputStream(file), "g.png", 3, 2, 3), "grey repeated per channel");
  }

  @Test
  void colourImagesBecomeRgbPlanesOrLuma() throws IOException {
    BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
    image.setRGB(0, 0, 0xFF0000);
    image.setRGB(1, 0, 0x10_80_F0);
    byte[] file = png(image);
    assertEquals(new ImageDecoder.Probe(2, 1, true), ImageDecoder.probe(new ByteArrayInputStream(file), "c.png"));
    assertArrayEquals(bytes(255, 0x10, 0, 0x80, 0, 0xF0),
        ImageDecoder.decode(new ByteArrayInputStream(file), "c.png", 3, 1, 2));
    int luma0 = (299 * 255 + 500) / 1000;
    int luma1 = (299 * 0x10 + 587 * 0x80 + 114 * 0xF0 + 500) / 1000;
    assertArrayEquals(bytes(luma0, luma1), ImageDecoder.decode(new ByteArrayInputStream(file), "c.png", 1, 1, 2));
  }

  @Test
  void halvingAveragesEachTwoByTwoBlock() {
    int[] src = {0, 2, 10, 20, 4, 6, 30, 40, 100, 100, 7, 7, 100, 100, 9, 9};
    assertArrayEquals(new int[] {3, 25, 100, 8}, ImageDecoder.resize(src, 4, 4, 2, 2));
    int[] flat = new int[6 * 5];
    java.util.Arrays.fill(flat, 77);
    int[] up = ImageDecoder.resize(flat, 6, 5, 32, 32);
    assertEquals(32 * 32, up.length);
    assertTrue(java.util.Arrays.stream(up).allMatch(v -> v == 77), "a flat image stays flat");
  }

  @Test
  void resizingThroughDecode() throws IOException {
    byte[] file = png(grey(new int[][] {{0, 2, 10, 20}, {4, 6, 30, 40}, {100, 100, 7, 7}, {100, 100, 9, 9}}));
    assertArrayEquals(bytes(3, 25, 100, 8), ImageDecoder.decode(new ByteArrayInputStream(file), "g.png", 1, 2, 2));
  }

  @Test
  void corruptBytesNameTheFile() throws IOException {
    CorruptDataException notAnImage = assertThrows(CorruptDataException.class,
        () -> ImageDecoder.probe(new ByteArrayInputStream(bytes(1, 2, 3, 4, 5)), "cats/x.png"));
    assertTrue(notAnImage.getMessage().contains("cats/x.png"), notAnImage.getMessage());
    byte[] file = png(grey(new int[][] {{1, 2}, {3, 4}}));
    byte[] truncated = java.util.Arrays.copyOf(file, file.length / 2);
    CorruptDataException cut = assertThrows(CorruptDataException.class,
        () -> ImageDecoder.decode(new ByteArrayInputStream(truncated), "cats/y.png", 1, 2, 2));
    assertTrue(cut.getMessage().contains("cats/y.png"), cut.getMessage());
  }
}
