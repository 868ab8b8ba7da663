package io.bitswitch.cli;

import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.data.Ingest;
import io.bitswitch.data.IngestOptions;
import io.bitswitch.data.IngestResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitswitch ingest}: IDX(.gz), CSV or CIFAR binary files, or an image folder, to a Parquet dataset. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = "Convert a dataset of IDX(.gz), CSV or CIFAR-10/100 binary files, or an image folder "
        + "(<data>/{train,test}/<class>/*.png|jpg), to Parquet "
        + "(label int, pixels binary uint8, height, width, channels): <out>/train and <out>/test.",
    footerHeading = "%nExample:%n", footer = "  bitswitch ingest --data /usr/share/datasets/fashion-mnist --out file:///tmp/fmnist")
public final class IngestCommand extends BitswitchCommand {
  @Option(names = "--overwrite", description = "Replace what is already at --out (only once the new dataset is complete).")
  private boolean overwrite;

  @Option(names = "--channels", paramLabel = "1|3",
      description = "Image folders: channels to write, every image converted to it (grey repeated, colour to"
          + " BT.601 luma). Default: 3 if any image is colour, else 1.")
  private int channels;

  @Option(names = "--resize", paramLabel = "HxW",
      description = "Image folders: resize every image bilinearly to H×W, e.g. 32x32. Default: none (all images"
          + " must then have one size).")
  private String resize;

  @Override
  protected List<String> unusedCommonOptions() {
    return List.of("--run-id");
  }

  @Override
  protected int run(BitswitchConfig config) throws IOException {
    String dataDir = common.requireData("the directory holding the IDX(.gz), CSV or CIFAR binary files, or the image folder");
    String outUri = common.requireOut("the Parquet dataset directory to write");
    IngestOptions options = IngestOptions.of(channels, resize);
    try (SparkSession spark = startSpark("bitswitch ingest")) {
      ingest(stdout(), spark, dataDir, outUri, overwrite, options);
    }
    return 0;
  }

  /**
   * Converts with {@link Ingest} in {@code spark} and prints the row counts.
   * Ingest writes beside the target and renames last, so a failure leaves no partial dataset.
   */
  private static void ingest(PrintWriter out, SparkSession spark, String dataDir, String outUri, boolean overwrite,
      IngestOptions options) throws IOException {
    IngestResult result = Ingest.run(spark, dataDir, outUri, overwrite, options);
    out.printf("ingested %d train and %d test examples into %s%n", result.trainRows(), result.testRows(), outUri);
  }
}
