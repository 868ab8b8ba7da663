package io.bitswitch.cli;

import io.bitswitch.cli.config.BitswitchConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitswitch evaluate}: accuracy of a bundle at given bit-widths or per-layer configurations. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Accuracy of a bundle on the test split of --data at the given bit-widths and per-layer configurations; "
        + "prints a table and optionally writes JSON {\"accuracy\": {\"8\": 0.92, ...}}.",
    footerHeading = "%nExample:%n", footer = "  bitswitch evaluate --bundle runs/mp/bundle --bits 8,6,4,2 --json eval.json")
public final class EvaluateCommand extends BitswitchCommand {
  @Option(names = "--bundle", paramLabel = "BUNDLE", required = true, description = "The bundle to evaluate.")
  private String bundle;

  @Option(names = "--bits", paramLabel = "LIST", converter = BitsOptions.EvaluationList.class,
      description = "Comma-separated bit-widths, e.g. 8,6,4,2 (32: the FP32 model). "
          + "Default: every bit-width of the bundle.")
  private BitsOptions.Selection bits;

  @Option(names = "--layer-bits", paramLabel = "FILE",
      description = "Also evaluate this per-layer bit-width configuration (JSON layer name to bit-width). Repeatable.")
  private List<Path> layerBits = new ArrayList<>();

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to this file.")
  private Path json;

  @Override
  protected List<String> unusedCommonOptions() {
    return List.of("--out", "--run-id");
  }

  @Override
  protected int run(BitswitchConfig config) {
    common.dataOrDefault();
    for (Path file : layerBits) {
      LayerBits.read(file);
    }
    throw notAvailable("the evaluator (io.bitswitch.search)");
  }
}
