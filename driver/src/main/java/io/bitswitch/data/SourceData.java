package io.bitswitch.data;

import io.bitswitch.CorruptDataException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A source dataset loaded into the driver's memory: the train and test splits of a directory of
 * IDX files ({@link FashionMnistFiles}), of CSV files ({@link CsvImages}) or of CIFAR-10/100
 * binary files ({@link CifarBinary}).
 *
 * <p>CSV directories hold exactly one train file (name contains {@code train}) and one test file
 * (name contains {@code test} or {@code t10k}), each ending in {@code .csv} or {@code .csv.gz}, e.g.
 * Kaggle's {@code fashion-mnist_train.csv} and {@code fashion-mnist_test.csv}.
 *
 * @param location the directory it was read from
 * @param format {@link DatasetFormat#IDX}, {@link DatasetFormat#CSV} or {@link DatasetFormat#CIFAR}
 * @param classNames class names by label when the source names them (CIFAR's names file), else
 *     empty
 */
public record SourceData(String location, DatasetFormat format, LabeledImages train, LabeledImages test,
    List<String> classNames) {

  /** The given split. */
  public LabeledImages split(Split split) {
    return split == Split.TRAIN ? train : test;
  }

  /**
   * Loads a directory of IDX, CSV or CIFAR binary files (local path or Hadoop URI).
   *
   * @throws CorruptDataException when the directory is missing, holds neither format, a file is
   *     missing or malformed, or the two splits' image shapes differ
   */
  public static SourceData load(String dir, Configuration conf) {
    Path dirPath = new Path(dir);
    FileSystem fs = DataFiles.fileSystem(dirPath, conf);
    if (!DataFiles.isDirectory(fs, dirPath)) {
      throw new CorruptDataException("dataset directory " + dir + " does not exist"
          + FashionMnistFiles.installHint(dir));
    }
    DatasetFormat format = detect(fs, dirPath);
    if (format == null) {
      throw new CorruptDataException("dataset directory " + dir + " holds neither the IDX files ("
          + FashionMnistFiles.TRAIN_IMAGES + "[.gz] etc.) nor a train and a test CSV file nor CIFAR"
          + " binary files (data_batch_<n>.bin and test_batch.bin, or train.bin and test.bin) nor, for"
          + " ingest, an image folder ({train,test}/<class>/*.png|*.jpg|*.jpeg)"
          + FashionMnistFiles.installHint(dir));
    }
    LabeledImages train;
    LabeledImages test;
    List<String> classNames = List.of();
    if (format == DatasetFormat.CIFAR) {
      CifarBinary.Variant variant = CifarBinary.detect(fs, dirPath);
      train = CifarBinary.readTrain(fs, dirPath, variant);
      test = CifarBinary.readTest(fs, dirPath, variant);
      classNames = CifarBinary.classNames(fs, dirPath, variant);
    } else if (format == DatasetFormat.IDX) {
      FashionMnistFiles files = FashionMnistFiles.locate(dir, conf);
      train = files.loadTrain();
      test = files.loadTest();
    } else {
      Path[] csv = csvFiles(fs, dirPath);
      train = readCsv(fs, csv[0]);
      test = readCsv(fs, csv[1]);
    }
    if (!train.shape().equals(test.shape())) {
      throw new CorruptDataException("dataset directory " + dir + ": train images have shape "
          + train.shape() + " but test images " + test.shape());
    }
    return new SourceData(dir, format, train, test, classNames);
  }

  /**
   * IDX if any IDX file name is present, else CIFAR if CIFAR's train and test files are, else CSV
   * if any CSV file is, else null.
   */
  static DatasetFormat detect(FileSystem fs, Path dir) {
    if (FashionMnistFiles.anyPresent(fs, dir)) {
      return DatasetFormat.IDX;
    }
    if (CifarBinary.detect(fs, dir) != null) {
      return DatasetFormat.CIFAR;
    }
    for (Path f : DataFiles.listFiles(fs, dir)) {
      if (isCsv(f.getName())) {
        return DatasetFormat.CSV;
      }
    }
    return null;
  }

  private static boolean isCsv(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".csv") || n.endsWith(".csv.gz");
  }

  /** {train, test} CSV files of {@code dir}. */
  private static Path[] csvFiles(FileSystem fs, Path dir) {
    List<Path> train = new ArrayList<>();
    List<Path> test = new ArrayList<>();
    for (Path f : DataFiles.listFiles(fs, dir)) {
      String n = f.getName().toLowerCase(Locale.ROOT);
      if (!isCsv(n)) {
        continue;
      }
      if (n.contains("train")) {
        train.add(f);
      } else if (n.contains("test") || n.contains("t10k")) {
        test.add(f);
      }
    }
    return new Path[] {onlyOne(dir, "train", train), onlyOne(dir, "test", test)};
  }

  private static Path onlyOne(Path dir, String split, List<Path> found) {
    if (found.size() != 1) {
      throw new CorruptDataException("CSV dataset directory " + dir + " must hold exactly one " + split
          + " CSV file (name containing '" + split + "', ending .csv or .csv.gz), found "
          + (found.isEmpty() ? "none" : found));
    }
    return found.get(0);
  }

  private static LabeledImages readCsv(FileSystem fs, Path file) {
    try (InputStream in = DataFiles.open(fs, file)) {
      return CsvImages.read(in, file.toString());
    } catch (IOException e) {
      throw IdxReader.readFailed(file.toString(), e);
    }
  }
}
