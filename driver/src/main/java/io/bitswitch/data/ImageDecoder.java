package io.bitswitch.data;

import io.bitswitch.CorruptDataException;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes one PNG or JPEG file with the JDK's ImageIO into the dataset's uint8 pixels,
 * channels-first (docs/design/architecture.md, Parquet layout). Runs inside Spark tasks, so it
 * depends on nothing but the bytes it is given.
 *
 * <p>Grey images are read from their raster (not through {@code getRGB}, whose colour-space
 * conversion would alter the grey levels); colour images as sRGB, alpha dropped. Grey → 3 channels
 * repeats the grey plane; colour → 1 channel is the BT.601 luma
 * {@code (299·R + 587·G + 114·B)/1000}, rounded. A resize is bilinear with pixel centres at half
 * integers (the convention of most image libraries), per channel, rounded to the nearest uint8.
 */
final class ImageDecoder {
  static {
    // Decode from memory: ImageIO's default disk cache writes a temporary file per stream.
    ImageIO.setUseCache(false);
  }

  private ImageDecoder() {}

  /** What {@link #probe} reads from a file's header without decoding its pixels. */
  record Probe(int width, int height, boolean colour) {}

  /**
   * The size and colour-ness of an image from its header.
   *
   * @param name the file, for error messages
   * @throws CorruptDataException when no ImageIO reader understands the bytes or they are corrupt
   */
  static Probe probe(InputStream in, String name) {
    return withReader(in, name, reader -> {
      ImageTypeSpecifier type = reader.getRawImageType(0);
      if (type == null) {
        Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
        type = types.hasNext() ? types.next() : null;
      }
      boolean colour = type == null || type.getColorModel().getNumColorComponents() >= 3;
      return new Probe(reader.getWidth(0), reader.getHeight(0), colour);
    });
  }

  /**
   * Decodes an image into {@code channels × height × width} uint8 values.
   *
   * @param channels 1 or 3
   * @param height the output height; when it differs from the image's (or {@code width} does) the
   *     image is resized
   * @throws CorruptDataException naming {@code name} when the file cannot be decoded
   */
  static byte[] decode(InputStream in, String name, int channels, int height, int width) {
    BufferedImage image = withReader(in, name, reader -> reader.read(0));
    int[][] planes = planes(image);
    int h = image.getHeight();
    int w = image.getWidth();
    int[][] converted = convertChannels(planes, channels);
    byte[] out = new byte[channels * height * width];
    for (int c = 0; c < channels; c++) {
      int[] plane = h == height && w == width ? converted[c] : resize(converted[c], h, w, height, width);
      for (int k = 0; k < plane.length; k++) {
        out[c * height * width + k] = (byte) plane[k];
      }
    }
    return out;
  }

  /** The image as 1 (grey) or 3 (R, G, B) planes of 0..255 values, row-major. */
  static int[][] planes(BufferedImage image) {
    int h = image.getHeight();
    int w = image.getWidth();
    ColorModel cm = image.getColorModel();
    if (cm.getNumColorComponents() == 1) {
      Raster raster = image.getRaster();
      int bits = cm.getComponentSize(0);
      int max = (1 << bits) - 1;
      int[] grey = new int[h * w];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int v = raster.getSample(x, y, 0);
          grey[y * w + x] = bits == 8 ? v : (int) Math.round(v * 255.0 / max);
        }
      }
      return new int[][] {grey};
    }
    int[] r = new int[h * w];
    int[] g = new int[h * w];
    int[] b = new int[h * w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int argb = image.getRGB(x, y);
        r[y * w + x] = (argb >> 16) & 0xFF;
        g[y * w + x] = (argb >> 8) & 0xFF;
        b[y * w + x] = argb & 0xFF;
      }
    }
    return new int[][] {r, g, b};
  }

  /** 1 or 3 planes to {@code channels} planes (see the class comment for the rules). */
  static int[][] convertChannels(int[][] planes, int channels) {
    if (planes.length == channels) {
      return planes;
    }
    if (channels == 3) {
      return new int[][] {planes[0], planes[0], planes[0]};
    }
    int[] luma = new int[planes[0].length];
    for (int k = 0; k < luma.length; k++) {
      luma[k] = (299 * planes[0][k] + 587 * planes[1][k] + 114 * planes[2][k] + 500) / 1000;
    }
    return new int[][] {luma};
  }

  /** Bilinear resize of one plane, pixel centres at half integers, edges clamped. */
  static int[] resize(int[] src, int h, int w, int height, int width) {
    int[] out = new int[height * width];
    double sy = (double) h / height;
    double sx = (double) w / width;
    for (int y = 0; y < height; y++) {
      double fy = Math.max(0, Math.min(h - 1, (y + 0.5) * sy - 0.5));
      int y0 = (int) fy;
      int y1 = Math.min(h - 1, y0 + 1);
      double dy = fy - y0;
      for (int x = 0; x < width; x++) {
        double fx = Math.max(0, Math.min(w - 1, (x + 0.5) * sx - 0.5));
        int x0 = (int) fx;
        int x1 = Math.min(w - 1, x0 + 1);
        double dx = fx - x0;
        double top = src[y0 * w + x0] * (1 - dx) + src[y0 * w + x1] * dx;
        double bottom = src[y1 * w + x0] * (1 - dx) + src[y1 * w + x1] * dx;
        out[y * width + x] = (int) Math.round(top * (1 - dy) + bottom * dy);
      }
    }
    return out;
  }

  private interface ReaderAction<T> {
    T apply(ImageReader reader) throws IOException;
  }

  private static <T> T withReader(InputStream in, String name, ReaderAction<T> action) {
    try (ImageInputStream iis = ImageIO.createImageInputStream(in)) {
      Iterator<ImageReader> readers = iis == null ? null : ImageIO.getImageReaders(iis);
      if (readers == null || !readers.hasNext()) {
        throw new CorruptDataException("image " + name + " is not a readable PNG or JPEG file");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(iis, true, true);
        return action.apply(reader);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof CorruptDataException c) {
        throw c;
      }
      throw new CorruptDataException("image " + name + " cannot be decoded: " + e.getMessage(), e);
    }
  }
}
