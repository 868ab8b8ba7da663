package io.bitswitch.data;

import io.bitswitch.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import scala.Tuple3;

/**
 * Writes an {@link ImageFolder} as the Parquet layout. Only file paths travel to the executors;
 * the tasks open and decode the images ({@link ImageDecoder}). Two passes: the first reads every
 * header (size, colour) so the driver can settle one shape [C,H,W], the second decodes and writes.
 */
final class ImageFolderIngest {
  private ImageFolderIngest() {}

  /**
   * The shape every image is written in: the requested channels, or 3 when any image is colour
   * and else 1; the requested size, or the images' common size.
   *
   * @throws InvalidInputException when images differ in size and no resize is requested, naming
   *     two files and their sizes
   */
  static ImageShape settleShape(SparkSession spark, ImageFolder folder, IngestOptions options) {
    List<ImageFolder.Entry> all = new ArrayList<>(folder.train());
    all.addAll(folder.test());
    Map<String, String> conf = confEntries(spark);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<String> paths = new ArrayList<>(all.size());
    for (ImageFolder.Entry e : all) {
      paths.add(e.path());
    }
    // Paths and int[] travel through Spark: both are registered with Kryo (BitswitchKryoRegistrator).
    List<ImageDecoder.Probe> probes = new ArrayList<>(all.size());
    for (int[] p : jsc.parallelize(paths, partitions(jsc, paths.size())).map(path -> probe(path, conf)).collect()) {
      probes.add(new ImageDecoder.Probe(p[0], p[1], p[2] == 1));
    }
    boolean colour = false;
    for (int i = 0; i < probes.size(); i++) {
      ImageDecoder.Probe p = probes.get(i);
      ImageDecoder.Probe first = probes.get(0);
      colour |= p.colour();
      if (!options.resizes() && (p.width() != first.width() || p.height() != first.height())) {
        throw new InvalidInputException("images in " + folder.root() + " differ in size: "
            + all.get(0).path() + " is " + first.height() + "x" + first.width() + " (HxW) but "
            + all.get(i).path() + " is " + p.height() + "x" + p.width()
            + "; pass --resize HxW to bring them to one size");
      }
    }
    int channels = options.channels() > 0 ? options.channels() : colour ? 3 : 1;
    ImageDecoder.Probe first = probes.get(0);
    return options.resizes()
        ? new ImageShape(channels, options.resizeHeight(), options.resizeWidth())
        : new ImageShape(channels, first.height(), first.width());
  }

  /** Decodes one split's images into {@code path} as {@link ParquetLayout#SCHEMA} rows. */
  static void writeSplit(SparkSession spark, List<ImageFolder.Entry> images, ImageShape shape, String path) {
    Map<String, String> conf = confEntries(spark);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Tuple3<Long, String, Integer>> indexed = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      indexed.add(new Tuple3<>((long) i, images.get(i).path(), images.get(i).label()));
    }
    var rows = jsc.parallelize(indexed, partitions(jsc, images.size()))
        .map(t -> toRow(t._1(), t._2(), t._3(), shape, conf));
    spark.createDataFrame(rows, ParquetLayout.SCHEMA).write().mode(SaveMode.ErrorIfExists).parquet(path);
  }

  private static Row toRow(long index, String path, int label, ImageShape shape, Map<String, String> conf)
      throws IOException {
    Path p = new Path(path);
    try (InputStream in = DataFiles.open(DataFiles.fileSystem(p, configuration(conf)), p)) {
      byte[] pixels = ImageDecoder.decode(in, path, shape.channels(), shape.height(), shape.width());
      return RowFactory.create(label, pixels, shape.height(), shape.width(), shape.channels(), index);
    }
  }

  /** {@code {width, height, colour ? 1 : 0}}. */
  private static int[] probe(String path, Map<String, String> conf) throws IOException {
    Path p = new Path(path);
    try (InputStream in = DataFiles.open(DataFiles.fileSystem(p, configuration(conf)), p)) {
      ImageDecoder.Probe probe = ImageDecoder.probe(in, path);
      return new int[] {probe.width(), probe.height(), probe.colour() ? 1 : 0};
    }
  }

  /** Enough tasks to use every core, and about {@link Ingest#ROWS_PER_FILE} rows a file at most. */
  private static int partitions(JavaSparkContext jsc, int n) {
    int byRows = (n + Ingest.ROWS_PER_FILE - 1) / Ingest.ROWS_PER_FILE;
    return Math.max(1, Math.min(n, Math.max(jsc.defaultParallelism(), byRows)));
  }

  /** The driver's Hadoop settings as a serialisable map, so tasks reach the same file systems. */
  private static Map<String, String> confEntries(SparkSession spark) {
    Map<String, String> entries = new HashMap<>();
    for (Map.Entry<String, String> e : spark.sparkContext().hadoopConfiguration()) {
      entries.put(e.getKey(), e.getValue());
    }
    return entries;
  }

  private static Configuration configuration(Map<String, String> entries) {
    Configuration conf = new Configuration(false);
    entries.forEach(conf::set);
    return conf;
  }
}
