package io.bitswitch.data;

import io.bitswitch.CorruptDataException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/** Opens datasets in any supported storage format. */
public final class Datasets {
  private Datasets() {}

  /**
   * Opens the dataset at {@code uri} (local path or Hadoop URI), which is either a Parquet dataset
   * directory written by {@link Ingest} (it has a {@code train/} directory with {@code .parquet}
   * files) or a directory of IDX(.gz) or CSV files.
   *
   * @throws CorruptDataException when the path does not exist, is neither kind of dataset, or its
   *     files are malformed; for the default Fashion-MNIST directory the message says how to
   *     install it
   */
  public static Dataset open(SparkSession spark, String uri) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path path = new Path(uri);
    FileSystem fs = DataFiles.fileSystem(path, conf);
    if (!DataFiles.exists(fs, path)) {
      throw new CorruptDataException("dataset path " + uri + " does not exist"
          + FashionMnistFiles.installHint(uri));
    }
    if (!DataFiles.isDirectory(fs, path)) {
      throw new CorruptDataException("dataset path " + uri + " is a file; expected a Parquet dataset"
          + " directory written by ingest or a directory of IDX(.gz) or CSV files");
    }
    if (isParquetDataset(fs, path)) {
      return new ParquetDataset(spark, uri);
    }
    if (SourceData.detect(fs, path) != null) {
      return new SourceDataset(spark, SourceData.load(uri, conf));
    }
    throw new CorruptDataException("dataset path " + uri + " is neither a Parquet dataset written by"
        + " ingest (train/ and test/ directories of .parquet files) nor a directory of IDX(.gz) files ("
        + FashionMnistFiles.TRAIN_IMAGES + "[.gz] etc.) or train/test CSV files");
  }

  /** Whether {@code dir/train} holds Parquet files, i.e. {@code dir} was written by ingest. */
  static boolean isParquetDataset(FileSystem fs, Path dir) {
    Path train = new Path(dir, Split.TRAIN.dirName());
    if (!DataFiles.isDirectory(fs, train)) {
      return false;
    }
    for (Path f : DataFiles.listFiles(fs, train)) {
      if (f.getName().endsWith(".parquet")) {
        return true;
      }
    }
    return false;
  }
}
