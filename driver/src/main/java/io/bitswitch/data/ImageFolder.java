package io.bitswitch.data;

import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A directory of image files, {@code <root>/{train,test}/<class>/*.png|*.jpg|*.jpeg}, as listed on
 * the driver: the class names (the train split's folder names, sorted; label = position) and
 * every image file's path and label in the {@code index} order of the ingested dataset
 * (docs/design/architecture.md, Parquet layout): label order, then file-name order, shuffled by a
 * fixed seed ({@link #SHUFFLE_SEED}). Training splits its data into partitions of consecutive
 * indices and normalises BatchNorm over each partition's slice of a batch, so a class-sorted index
 * would give each partition a few classes only: the network would then learn from per-partition
 * batch statistics that evaluation does not have. The fixed seed keeps ingest reproducible.
 * The pixels are decoded later, in Spark tasks ({@link ImageFolderIngest}).
 *
 * @param root the directory given
 * @param classNames class names by label
 * @param train the train split's images
 * @param test the test split's images
 */
record ImageFolder(String root, List<String> classNames, List<Entry> train, List<Entry> test) {
  /** Seed of the shuffle that takes the listing from label order to index order. */
  static final long SHUFFLE_SEED = 0x1F2E3D4CL;

  /** One image file: its path (a Hadoop URI) and label. */
  record Entry(String path, int label) {}

  /** The given split's images. */
  List<Entry> split(Split split) {
    return split == Split.TRAIN ? train : test;
  }

  /**
   * Whether {@code dir} looks like an image folder: it has subdirectories (the split folders, or
   * class folders put directly under it, which {@link #list} then reports).
   */
  static boolean looksLikeOne(FileSystem fs, Path dir) {
    return !directories(fs, dir).isEmpty();
  }

  /**
   * Lists an image folder.
   *
   * @throws InvalidInputException when {@code train/} or {@code test/} is missing, a split has no
   *     class folders, a class folder holds no image, or the test split has a class the train
   *     split lacks
   */
  static ImageFolder list(FileSystem fs, Path root) {
    Path trainDir = new Path(root, Split.TRAIN.dirName());
    Path testDir = new Path(root, Split.TEST.dirName());
    if (!DataFiles.isDirectory(fs, trainDir) || !DataFiles.isDirectory(fs, testDir)) {
      throw new InvalidInputException("image folder " + root + " has no train/ and test/ split folders;"
          + " expected " + root + "/{train,test}/<class>/*.png|*.jpg|*.jpeg");
    }
    List<String> classes = new ArrayList<>();
    for (Path d : directories(fs, trainDir)) {
      classes.add(d.getName());
    }
    if (classes.isEmpty()) {
      throw new InvalidInputException("image folder " + trainDir + " has no class folders;"
          + " expected " + trainDir + "/<class>/*.png|*.jpg|*.jpeg");
    }
    List<Entry> train = entries(fs, trainDir, classes);
    List<Entry> test = entries(fs, testDir, classes);
    return new ImageFolder(root.toString(), List.copyOf(classes), train, test);
  }

  /** The images of one split, labelled by {@code classes}. */
  private static List<Entry> entries(FileSystem fs, Path splitDir, List<String> classes) {
    List<Path> classDirs = directories(fs, splitDir);
    if (classDirs.isEmpty()) {
      throw new InvalidInputException("image folder " + splitDir + " has no class folders;"
          + " expected " + splitDir + "/<class>/*.png|*.jpg|*.jpeg");
    }
    List<Entry> entries = new ArrayList<>();
    for (Path classDir : classDirs) {
      int label = classes.indexOf(classDir.getName());
      if (label < 0) {
        throw new InvalidInputException("image folder " + splitDir + " has class folder '"
            + classDir.getName() + "' that the train split lacks; train classes are " + classes);
      }
      List<Path> images = new ArrayList<>();
      for (Path f : DataFiles.listFiles(fs, classDir)) {
        if (isImage(f.getName())) {
          images.add(f);
        }
      }
      if (images.isEmpty()) {
        throw new InvalidInputException("class folder " + classDir + " holds no .png, .jpg or .jpeg image");
      }
      images.sort(Comparator.comparing(Path::getName));
      for (Path f : images) {
        entries.add(new Entry(f.toString(), label));
      }
    }
    // Label order, then file-name order, then shuffled: the dataset's index order.
    entries.sort(Comparator.comparingInt(Entry::label));
    Collections.shuffle(entries, new Random(SHUFFLE_SEED));
    return List.copyOf(entries);
  }

  static boolean isImage(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
  }

  /** The subdirectories of {@code dir}, sorted by name; hidden ones (leading '.' or '_') skipped. */
  private static List<Path> directories(FileSystem fs, Path dir) {
    try {
      List<Path> dirs = new ArrayList<>();
      for (FileStatus s : fs.listStatus(dir)) {
        String name = s.getPath().getName();
        if (s.isDirectory() && !name.startsWith(".") && !name.startsWith("_")) {
          dirs.add(s.getPath());
        }
      }
      dirs.sort(Comparator.comparing(Path::getName));
      return dirs;
    } catch (IOException e) {
      throw new CorruptDataException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }
}
