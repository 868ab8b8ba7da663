package io.bitswitch.data;

import io.bitswitch.CorruptDataException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads the CIFAR binary layout (https://www.cs.toronto.edu/~kriz/cifar.html): records of label
 * bytes followed by 3072 pixel bytes, the R, G and B planes of a 32×32 image, row-major, which is
 * already the dataset's channels-first order.
 *
 * <ul>
 *   <li>CIFAR-10: {@code data_batch_<n>.bin} (train, in batch order) and {@code test_batch.bin};
 *       one label byte 0..9; class names from {@code batches.meta.txt} when present;
 *   <li>CIFAR-100: {@code train.bin} and {@code test.bin}; a coarse and a fine label byte, the
 *       fine one (0..99) is the label; class names from {@code fine_label_names.txt} when present.
 * </ul>
 */
final class CifarBinary {
  /** The shape of every CIFAR image. */
  static final ImageShape SHAPE = new ImageShape(3, 32, 32);

  private static final Pattern TRAIN_BATCH = Pattern.compile("data_batch_(\\d+)\\.bin");

  /** Which of the two CIFAR variants a directory holds. */
  enum Variant {
    CIFAR10(1, 10, "batches.meta.txt"),
    CIFAR100(2, 100, "fine_label_names.txt");

    final int labelBytes;
    final int classes;
    final String namesFile;

    Variant(int labelBytes, int classes, String namesFile) {
      this.labelBytes = labelBytes;
      this.classes = classes;
      this.namesFile = namesFile;
    }
  }

  private CifarBinary() {}

  /** The variant whose files {@code dir} holds (a test file and at least one train file), else null. */
  static Variant detect(FileSystem fs, Path dir) {
    boolean test10 = false;
    boolean train10 = false;
    boolean test100 = false;
    boolean train100 = false;
    for (Path f : DataFiles.listFiles(fs, dir)) {
      String n = f.getName();
      test10 |= n.equals("test_batch.bin");
      train10 |= TRAIN_BATCH.matcher(n).matches();
      test100 |= n.equals("test.bin");
      train100 |= n.equals("train.bin");
    }
    return test10 && train10 ? Variant.CIFAR10 : test100 && train100 ? Variant.CIFAR100 : null;
  }

  /** Reads the train split: every train file of {@code variant}, in batch order. */
  static LabeledImages readTrain(FileSystem fs, Path dir, Variant variant) {
    List<Path> files = new ArrayList<>();
    if (variant == Variant.CIFAR100) {
      files.add(new Path(dir, "train.bin"));
    } else {
      for (Path f : DataFiles.listFiles(fs, dir)) {
        if (TRAIN_BATCH.matcher(f.getName()).matches()) {
          files.add(f);
        }
      }
      files.sort(Comparator.comparingLong(CifarBinary::batchNumber));
    }
    return read(fs, files, variant);
  }

  /** Reads the test split. */
  static LabeledImages readTest(FileSystem fs, Path dir, Variant variant) {
    return read(fs, List.of(new Path(dir, variant == Variant.CIFAR10 ? "test_batch.bin" : "test.bin")), variant);
  }

  /** The class names of the variant's names file, one per non-blank line; empty when absent. */
  static List<String> classNames(FileSystem fs, Path dir, Variant variant) {
    return ClassNames.readNames(fs, new Path(dir, variant.namesFile));
  }

  private static long batchNumber(Path p) {
    Matcher m = TRAIN_BATCH.matcher(p.getName());
    return m.matches() ? Long.parseLong(m.group(1)) : Long.MAX_VALUE;
  }

  private static LabeledImages read(FileSystem fs, List<Path> files, Variant variant) {
    int size = SHAPE.size();
    int recordSize = variant.labelBytes + size;
    byte[] record = new byte[recordSize];
    byte[] pixels = new byte[size * 1024];
    int[] labels = new int[1024];
    int count = 0;
    for (Path file : files) {
      try (InputStream in = DataFiles.open(fs, file)) {
        for (long recordNo = 0; ; recordNo++) {
          int got = in.readNBytes(record, 0, recordSize);
          if (got == 0) {
            break;
          }
          if (got < recordSize) {
            throw new CorruptDataException("CIFAR file " + file + " is truncated: record " + recordNo
                + " has " + got + " of its " + recordSize + " bytes");
          }
          int label = record[variant.labelBytes - 1] & 0xFF;
          if (label >= variant.classes) {
            throw new CorruptDataException("CIFAR file " + file + " record " + recordNo + ": label "
                + label + " is outside 0.." + (variant.classes - 1) + " of " + variant);
          }
          if (count == labels.length) {
            if ((long) labels.length * 2 * size > Integer.MAX_VALUE - 8) {
              throw new CorruptDataException("CIFAR files " + files + ": more pixels than one array holds");
            }
            labels = Arrays.copyOf(labels, labels.length * 2);
            pixels = Arrays.copyOf(pixels, labels.length * size);
          }
          labels[count] = label;
          System.arraycopy(record, variant.labelBytes, pixels, count * size, size);
          count++;
        }
      } catch (IOException e) {
        throw IdxReader.readFailed(file.toString(), e);
      }
    }
    if (count == 0) {
      throw new CorruptDataException("CIFAR files " + files + " hold no records");
    }
    return new LabeledImages(SHAPE, Arrays.copyOf(pixels, count * size), Arrays.copyOf(labels, count));
  }
}
