package io.bitswitch.data;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The on-disk layout of an ingested dataset: {@code <dir>/train} and {@code <dir>/test}, each a
 * Parquet directory written by Spark with one row per example:
 *
 * <pre>
 * label    int     class label
 * pixels   binary  channels·height·width uint8 values, channels-first, row-major
 * height   int
 * width    int
 * channels int
 * index    long    position of the example in the source files (0-based); file and row order
 *                  carry no meaning, readers sort by this column
 * </pre>
 */
public final class ParquetLayout {
  public static final String LABEL = "label";
  public static final String PIXELS = "pixels";
  public static final String HEIGHT = "height";
  public static final String WIDTH = "width";
  public static final String CHANNELS = "channels";
  public static final String INDEX = "index";

  /** The schema, in column order. */
  public static final StructType SCHEMA = new StructType(new StructField[] {
      DataTypes.createStructField(LABEL, DataTypes.IntegerType, false),
      DataTypes.createStructField(PIXELS, DataTypes.BinaryType, false),
      DataTypes.createStructField(HEIGHT, DataTypes.IntegerType, false),
      DataTypes.createStructField(WIDTH, DataTypes.IntegerType, false),
      DataTypes.createStructField(CHANNELS, DataTypes.IntegerType, false),
      DataTypes.createStructField(INDEX, DataTypes.LongType, false)});

  private ParquetLayout() {}
}
