package io.bitswitch.data;

import io.bitswitch.CorruptDataException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads image CSV files (the layout of Kaggle's MNIST / Fashion-MNIST CSVs): one example per line,
 * {@code label,pixel1,...,pixelN} with integer labels ≥ 0 and pixels in 0..255, N a square number
 * (one channel of {@code √N × √N}, row-major). An optional header line (any first line that is not
 * all integers) is skipped; blank lines are ignored; the file may be gzipped. Every row must have
 * the same number of fields.
 */
public final class CsvImages {
  private CsvImages() {}

  /** Reads a CSV file from the local file system. */
  public static LabeledImages read(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    } catch (NoSuchFileException e) {
      throw new CorruptDataException("CSV file " + file + " does not exist", e);
    } catch (IOException e) {
      throw IdxReader.readFailed(file.toString(), e);
    }
  }

  /**
   * Reads CSV rows from a stream (gzipped or plain); does not close it.
   *
   * @param name file name for error messages
   * @throws CorruptDataException naming the file and line of the first malformed row
   */
  public static LabeledImages read(InputStream raw, String name) {
    try {
      BufferedReader reader = new BufferedReader(
          new InputStreamReader(DataStreams.decompressIfGzip(raw), StandardCharsets.UTF_8), 1 << 16);
      int[] fields = new int[1024];
      int width = -1;
      int pixelsPerRow = -1;
      int headerFields = -1;
      byte[] pixels = new byte[1 << 20];
      int[] labels = new int[1024];
      int count = 0;
      long lineNo = 0;
      String line;
      while ((line = reader.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        int n = parseIntegers(line, fields);
        if (n == -1 && count == 0 && headerFields < 0) {
          headerFields = line.split(",", -1).length;
          continue;
        }
        if (n == -1) {
          throw new CorruptDataException("CSV file " + name + " line " + lineNo
              + ": expected comma-separated integers, found '" + abbreviate(line) + "'");
        }
        if (n == -2) {
          fields = Arrays.copyOf(fields, Math.max(fields.length * 2, line.length() / 2 + 1));
          n = parseIntegers(line, fields);
        }
        if (pixelsPerRow < 0) {
          pixelsPerRow = n - 1;
          width = (int) Math.round(Math.sqrt(pixelsPerRow));
          if (pixelsPerRow < 1 || width * width != pixelsPerRow) {
            throw new CorruptDataException("CSV file " + name + " line " + lineNo + ": " + pixelsPerRow
                + " pixel values after the label is not a square number; expected label,pixel1..pixelN"
                + " with N = side²");
          }
          if (headerFields >= 0 && headerFields != n) {
            throw new CorruptDataException("CSV file " + name + ": header has " + headerFields
                + " fields but line " + lineNo + " has " + n);
          }
        } else if (n - 1 != pixelsPerRow) {
          throw new CorruptDataException("CSV file " + name + " line " + lineNo + ": " + n
              + " fields, expected " + (pixelsPerRow + 1) + " like the first row");
        }
        if (fields[0] < 0) {
          throw new CorruptDataException("CSV file " + name + " line " + lineNo + ": label "
              + fields[0] + " is negative");
        }
        if ((long) (count + 1) * pixelsPerRow > Integer.MAX_VALUE - 8) {
          throw new CorruptDataException("CSV file " + name + ": more pixels than one array holds");
        }
        if (count == labels.length) {
          labels = Arrays.copyOf(labels, labels.length * 2);
        }
        labels[count] = fields[0];
        int base = count * pixelsPerRow;
        if (base + pixelsPerRow > pixels.length) {
          long grown = Math.max((long) pixels.length * 2, (long) base + pixelsPerRow);
          pixels = Arrays.copyOf(pixels, (int) Math.min(grown, Integer.MAX_VALUE - 8));
        }
        for (int k = 0; k < pixelsPerRow; k++) {
          int v = fields[k + 1];
          if (v < 0 || v > 255) {
            throw new CorruptDataException("CSV file " + name + " line " + lineNo + ": pixel " + (k + 1)
                + " is " + v + ", outside 0..255");
          }
          pixels[base + k] = (byte) v;
        }
        count++;
      }
      if (count == 0) {
        throw new CorruptDataException("CSV file " + name + " has no data rows");
      }
      return new LabeledImages(new ImageShape(1, width, width),
          Arrays.copyOf(pixels, count * pixelsPerRow), Arrays.copyOf(labels, count));
    } catch (IOException e) {
      throw IdxReader.readFailed(name, e);
    }
  }

  /**
   * Parses comma-separated integers (optionally padded with spaces) into {@code out}.
   *
   * @return the number of fields; -1 when a field is not an integer; -2 when {@code out} is too
   *     small
   */
  private static int parseIntegers(String line, int[] out) {
    int n = 0;
    int i = 0;
    int len = line.length();
    while (true) {
      while (i < len && line.charAt(i) == ' ') {
        i++;
      }
      boolean negative = false;
      if (i < len && line.charAt(i) == '-') {
        negative = true;
        i++;
      }
      long value = 0;
      int digits = 0;
      while (i < len) {
        char ch = line.charAt(i);
        if (ch < '0' || ch > '9') {
          break;
        }
        value = value * 10 + (ch - '0');
        if (value > Integer.MAX_VALUE) {
          return -1;
        }
        digits++;
        i++;
      }
      while (i < len && (line.charAt(i) == ' ' || line.charAt(i) == '\r')) {
        i++;
      }
      if (digits == 0 || (i < len && line.charAt(i) != ',')) {
        return -1;
      }
      if (n == out.length) {
        return -2;
      }
      out[n++] = (int) (negative ? -value : value);
      if (i >= len) {
        return n;
      }
      i++; // the comma
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
