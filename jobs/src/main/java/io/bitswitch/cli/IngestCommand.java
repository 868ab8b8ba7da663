package io.bitswitch.cli;

import io.bitswitch.cli.config.BitswitchConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitswitch ingest}: IDX(.gz) or CSV files to a Parquet dataset. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = "Convert a dataset of IDX(.gz) or CSV files to Parquet "
        + "(label int, pixels binary uint8, height, width, channels).",
    footerHeading = "%nExample:%n", footer = "  bitswitch ingest --data /usr/share/datasets/fashion-mnist --out file:///tmp/fmnist")
public final class IngestCommand extends BitswitchCommand {
  @Option(names = "--overwrite", description = "Replace what is already at --out.")
  private boolean overwrite;

  @Override
  protected List<String> unusedCommonOptions() {
    return List.of("--run-id");
  }

  @Override
  protected int run(BitswitchConfig config) throws IOException {
    String dataDir = common.requireData("the directory holding the IDX(.gz) or CSV files");
    String outUri = common.requireOut("the Parquet dataset directory to write");
    ingest(stdout(), common.sparkMaster(), dataDir, outUri, overwrite);
    return 0;
  }

  /**
   * The engine call: in a Spark session on {@code master}, clears {@code outUri} (see
   * {@link OutputDirs#prepare}), converts with {@code io.bitswitch.data.Ingest} and prints the row
   * counts. Kept apart from the option handling above because the engine lives in the driver
   * module.
   */
  private void ingest(PrintWriter out, String master, String dataDir, String outUri, boolean overwrite)
      throws IOException {
    throw notAvailable("the dataset ingest (io.bitswitch.data.Ingest)");
  }
}
