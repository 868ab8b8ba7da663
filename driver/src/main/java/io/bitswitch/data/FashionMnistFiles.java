package io.bitswitch.data;

import io.bitswitch.CorruptDataException;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The four IDX files of Fashion-MNIST (or MNIST, which uses the same names) in one directory, each
 * either gzipped ({@code .gz}) or raw. The Debian package {@code dataset-fashion-mnist} installs
 * them in {@value #DEFAULT_DIR}.
 */
public final class FashionMnistFiles {
  /** Where {@code apt-get install dataset-fashion-mnist} puts the files. */
  public static final String DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";
  /** Training images file name, without {@code .gz}. */
  public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
  /** Training labels file name, without {@code .gz}. */
  public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
  /** Test images file name, without {@code .gz}. */
  public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
  /** Test labels file name, without {@code .gz}. */
  public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

  private static final String[] BASE_NAMES = {TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS};

  private final FileSystem fs;
  private final Path trainImages;
  private final Path trainLabels;
  private final Path testImages;
  private final Path testLabels;

  private FashionMnistFiles(FileSystem fs, Path[] files) {
    this.fs = fs;
    this.trainImages = files[0];
    this.trainLabels = files[1];
    this.testImages = files[2];
    this.testLabels = files[3];
  }

  /**
   * Finds the four files in {@code dir} (a local path or Hadoop URI), preferring {@code name.gz}
   * over {@code name} when both exist.
   *
   * @throws CorruptDataException when the directory or a file is missing; for
   *     {@value #DEFAULT_DIR} the message says how to install the package
   */
  public static FashionMnistFiles locate(String dir, Configuration conf) {
    Path dirPath = new Path(dir);
    FileSystem fs = DataFiles.fileSystem(dirPath, conf);
    if (!DataFiles.isDirectory(fs, dirPath)) {
      throw new CorruptDataException("IDX dataset directory " + dir + " does not exist"
          + installHint(dir));
    }
    Path[] files = new Path[BASE_NAMES.length];
    for (int i = 0; i < BASE_NAMES.length; i++) {
      files[i] = find(fs, dirPath, BASE_NAMES[i]);
      if (files[i] == null) {
        throw new CorruptDataException("IDX dataset directory " + dir + " lacks " + BASE_NAMES[i]
            + " (or " + BASE_NAMES[i] + ".gz)" + installHint(dir));
      }
    }
    return new FashionMnistFiles(fs, files);
  }

  /** Whether {@code dir} holds at least one of the four files (so it is meant as an IDX dataset). */
  static boolean anyPresent(FileSystem fs, Path dir) {
    for (String name : BASE_NAMES) {
      if (find(fs, dir, name) != null) {
        return true;
      }
    }
    return false;
  }

  /** Loads the 60,000-image training split (for Fashion-MNIST). */
  public LabeledImages loadTrain() {
    return loadPair(trainImages, trainLabels);
  }

  /** Loads the 10,000-image test split (for Fashion-MNIST). */
  public LabeledImages loadTest() {
    return loadPair(testImages, testLabels);
  }

  /** Loads one split. */
  public LabeledImages load(Split split) {
    return split == Split.TRAIN ? loadTrain() : loadTest();
  }

  /**
   * {@code "; install it with: apt-get install dataset-fashion-mnist"} when {@code dir} is
   * {@value #DEFAULT_DIR}, else the empty string: a suffix for "not found" messages.
   */
  public static String installHint(String dir) {
    Path p = new Path(dir);
    String scheme = p.toUri().getScheme();
    boolean local = scheme == null || scheme.equals("file");
    String path = p.toUri().getPath();
    if (local && path != null && new Path(path).equals(new Path(DEFAULT_DIR))) {
      return "; install it with: apt-get install dataset-fashion-mnist";
    }
    return "";
  }

  private LabeledImages loadPair(Path images, Path labels) {
    IdxImages img;
    IdxLabels lab;
    try (InputStream in = DataFiles.open(fs, images)) {
      img = IdxReader.readImages(in, images.toString());
    } catch (IOException e) {
      throw IdxReader.readFailed(images.toString(), e);
    }
    try (InputStream in = DataFiles.open(fs, labels)) {
      lab = IdxReader.readLabels(in, labels.toString());
    } catch (IOException e) {
      throw IdxReader.readFailed(labels.toString(), e);
    }
    return IdxReader.combine(img, images.toString(), lab, labels.toString());
  }

  private static Path find(FileSystem fs, Path dir, String baseName) {
    Path gz = new Path(dir, baseName + ".gz");
    if (DataFiles.exists(fs, gz)) {
      return gz;
    }
    Path raw = new Path(dir, baseName);
    return DataFiles.exists(fs, raw) ? raw : null;
  }
}
