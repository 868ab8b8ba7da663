package io.bitswitch.data;

import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ingest} step: converts a directory of IDX(.gz), CSV or CIFAR binary files, or an
 * image folder ({@link ImageFolder}), into a Parquet dataset
 * ({@link ParquetLayout}) written through Spark, so training reads it from any Hadoop file system
 * in parallel.
 *
 * <p>The dataset is written into a hidden temporary sibling of the output directory and renamed
 * into place only when both splits are complete: a failed ingest leaves no half-written dataset.
 * (On object stores without atomic rename the final rename is a copy, but still happens last.)
 */
public final class Ingest {
  /** Rows per Parquet file (and write task): about 8 MB of 28×28 images. */
  public static final int ROWS_PER_FILE = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(Ingest.class);

  private Ingest() {}

  /** Ingests without overwriting; see {@link #run(SparkSession, String, String, boolean)}. */
  public static IngestResult run(SparkSession spark, String dataDir, String outUri) {
    return run(spark, dataDir, outUri, false);
  }

  /** Ingests with the default {@link IngestOptions}; see {@link #run(SparkSession, String, String, boolean, IngestOptions)}. */
  public static IngestResult run(SparkSession spark, String dataDir, String outUri, boolean overwrite) {
    return run(spark, dataDir, outUri, overwrite, IngestOptions.DEFAULT);
  }

  /**
   * Reads the IDX, CSV or CIFAR binary dataset or the image folder in {@code dataDir} and writes
   * {@code <outUri>/train}, {@code <outUri>/test} and, when the source names its classes,
   * {@code <outUri>/}{@value ClassNames#FILE}.
   *
   * @param overwrite replace {@code outUri} if it exists (only after the new dataset is complete)
   * @param options channels and size of an image folder's images; other sources take only the
   *     defaults
   * @return the number of rows written per split
   * @throws InvalidInputException when {@code outUri} exists and {@code overwrite} is false,
   *     {@code dataDir} is already a Parquet dataset, options are given for a source other than
   *     an image folder, or an image folder is malformed (no split folders, an empty class
   *     folder, images of different sizes without a resize)
   * @throws CorruptDataException when the source is missing or malformed (naming the file), or
   *     writing fails
   */
  public static IngestResult run(SparkSession spark, String dataDir, String outUri, boolean overwrite,
      IngestOptions options) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path out = new Path(outUri);
    FileSystem fs = DataFiles.fileSystem(out, conf);
    out = fs.makeQualified(out);
    if (!overwrite && DataFiles.exists(fs, out)) {
      throw new InvalidInputException("output dataset directory " + outUri
          + " already exists; refusing to overwrite it (enable overwrite to replace it)");
    }
    Path source = new Path(dataDir);
    FileSystem sourceFs = DataFiles.fileSystem(source, conf);
    if (isSameOrInside(sourceFs.makeQualified(source), out)) {
      // Overwriting would move the source aside and delete it.
      throw new InvalidInputException("output dataset directory " + outUri + " contains the source "
          + dataDir + "; choose an output outside it");
    }
    if (Datasets.isParquetDataset(sourceFs, source)) {
      throw new InvalidInputException(dataDir + " is already a Parquet dataset; ingest reads a"
          + " directory of IDX(.gz), CSV or CIFAR binary files or an image folder");
    }
    Path parent = out.getParent();
    if (parent == null) {
      throw new InvalidInputException("output dataset directory " + outUri + " cannot be a root directory");
    }
    ImageFolder folder = null;
    SourceData data = null;
    if (DataFiles.isDirectory(sourceFs, source) && SourceData.detect(sourceFs, source) == null
        && ImageFolder.looksLikeOne(sourceFs, source)) {
      folder = ImageFolder.list(sourceFs, sourceFs.makeQualified(source));
    } else {
      if (!options.isDefault()) {
        throw new InvalidInputException("--channels and --resize apply to image folders only; " + dataDir
            + " is not one");
      }
      data = SourceData.load(dataDir, conf);
    }

    Path tmp = new Path(parent, "." + out.getName() + ".ingest-" + UUID.randomUUID());
    ImageShape shape;
    try {
      if (folder != null) {
        shape = ImageFolderIngest.settleShape(spark, folder, options);
        for (Split split : Split.values()) {
          ImageFolderIngest.writeSplit(spark, folder.split(split), shape,
              new Path(tmp, split.dirName()).toString());
        }
      } else {
        shape = data.train().shape();
        for (Split split : Split.values()) {
          writeSplit(spark, data.split(split), new Path(tmp, split.dirName()).toString());
        }
      }
      ClassNames.write(fs, tmp, folder != null ? folder.classNames() : data.classNames());
      commit(fs, tmp, out, overwrite);
    } catch (Exception e) { // Spark's SparkException is a checked exception thrown unchecked.
      deleteQuietly(fs, tmp);
      RuntimeException cause = SparkFailures.unwrap(e instanceof RuntimeException r ? r : new IllegalStateException(e));
      if (cause instanceof io.bitswitch.BitswitchException) {
        throw cause;
      }
      throw new CorruptDataException("ingest of " + dataDir + " into " + outUri + " failed: " + e, e);
    }
    IngestResult result = folder != null
        ? new IngestResult(folder.train().size(), folder.test().size())
        : new IngestResult(data.train().count(), data.test().count());
    LOG.info("ingested {} dataset {} into {}: {} train rows, {} test rows, images {}",
        folder != null ? DatasetFormat.IMAGE_FOLDER : data.format(), dataDir, out, result.trainRows(),
        result.testRows(), shape);
    return result;
  }

  private static void writeSplit(SparkSession spark, LabeledImages images, String path) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    // Tasks cut their rows from a broadcast rather than carrying them, keeping tasks small.
    Broadcast<byte[]> pixels = jsc.broadcast(images.pixels());
    Broadcast<int[]> labels = jsc.broadcast(images.labels());
    try {
      ImageShape shape = images.shape();
      long n = images.count();
      int files = (int) Math.max(1, (n + ROWS_PER_FILE - 1) / ROWS_PER_FILE);
      List<Integer> ids = new ArrayList<>(files);
      for (int p = 0; p < files; p++) {
        ids.add(p);
      }
      JavaRDD<Row> rows = jsc.parallelize(ids, files).mapPartitionsWithIndex(
          (p, ignored) -> rowsOf(pixels.value(), labels.value(), shape,
              ShardLayout.start(p, n, files), ShardLayout.start(p + 1, n, files)), true);
      spark.createDataFrame(rows, ParquetLayout.SCHEMA).write().mode(SaveMode.ErrorIfExists).parquet(path);
    } finally {
      pixels.destroy();
      labels.destroy();
    }
  }

  /** Rows {@code [from, to)} in {@link ParquetLayout#SCHEMA} order, made one at a time. */
  private static Iterator<Row> rowsOf(byte[] pixels, int[] labels, ImageShape shape, long from, long to) {
    int size = shape.size();
    return new Iterator<>() {
      private long next = from;

      @Override
      public boolean hasNext() {
        return next < to;
      }

      @Override
      public Row next() {
        if (next >= to) {
          throw new NoSuchElementException();
        }
        int i = (int) next++;
        byte[] image = new byte[size];
        System.arraycopy(pixels, i * size, image, 0, size);
        return RowFactory.create(labels[i], image, shape.height(), shape.width(), shape.channels(), (long) i);
      }
    };
  }

  /** Whether {@code path} is {@code dir} or lies below it. */
  private static boolean isSameOrInside(Path path, Path dir) {
    for (Path p = path; p != null; p = p.getParent()) {
      if (p.equals(dir)) {
        return true;
      }
    }
    return false;
  }

  /** Moves the finished dataset into place; with {@code overwrite} the old one goes only after. */
  private static void commit(FileSystem fs, Path tmp, Path out, boolean overwrite) {
    try {
      Path old = null;
      if (fs.exists(out)) {
        if (!overwrite) {
          throw new InvalidInputException("output dataset directory " + out
              + " appeared while ingesting; refusing to overwrite it");
        }
        old = new Path(out.getParent(), "." + out.getName() + ".replaced-" + UUID.randomUUID());
        if (!fs.rename(out, old)) {
          throw new CorruptDataException("cannot move the existing dataset " + out + " aside to " + old);
        }
      }
      if (!fs.rename(tmp, out)) {
        if (old != null) {
          fs.rename(old, out);
        }
        throw new CorruptDataException("cannot rename " + tmp + " to " + out);
      }
      if (old != null) {
        fs.delete(old, true);
      }
    } catch (IOException e) {
      throw new CorruptDataException("cannot move the ingested dataset into " + out + ": " + e.getMessage(), e);
    }
  }

  private static void deleteQuietly(FileSystem fs, Path dir) {
    try {
      fs.delete(dir, true);
    } catch (IOException e) {
      LOG.warn("could not remove the temporary directory {}: {}", dir, e.toString());
    }
  }
}
