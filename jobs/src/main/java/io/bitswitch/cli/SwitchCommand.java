package io.bitswitch.cli;

import io.bitswitch.cli.config.BitswitchConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitswitch switch}: derive a b-bit or per-layer integer model from an INT-h bundle. */
@Command(name = "switch", mixinStandardHelpOptions = true,
    description = "Derive a b-bit (or per-layer mixed-precision) integer model from an INT-h bundle by Double Rounding's "
        + "integer shift, and publish it as a bundle at --out.",
    footerHeading = "%nExample:%n", footer = "  bitswitch switch --bundle runs/mp/bundle --bits 4 --out runs/mp/int4")
public final class SwitchCommand extends BitswitchCommand {
  /** The target precision: one bit-width for every layer, or one per layer. */
  static final class Target {
    @Option(names = "--bits", paramLabel = "B", converter = BitsOptions.Single.class,
        description = "The bit-width of every quantized layer (2..8, at most the bundle's h).")
    Integer bits;

    @Option(names = "--layer-bits", paramLabel = "FILE",
        description = "Per-layer bit-widths: a JSON object of layer name to bit-width, as search writes them.")
    Path layerBits;
  }

  @Option(names = "--bundle", paramLabel = "BUNDLE", required = true, description = "The INT-h bundle to switch.")
  private String bundle;

  @ArgGroup(exclusive = true, multiplicity = "1")
  private Target target;

  @Option(names = "--overwrite", description = "Replace a bundle already at --out.")
  private boolean overwrite;

  @Override
  protected List<String> unusedCommonOptions() {
    return List.of("--data", "--master", "--run-id");
  }

  @Override
  protected int run(BitswitchConfig config) throws IOException {
    String outUri = common.requireOut("the directory to publish the switched bundle into");
    if (target.layerBits != null) {
      switchPerLayer(stdout(), bundle, LayerBits.read(target.layerBits), outUri, overwrite);
    } else {
      switchUniform(stdout(), bundle, target.bits, outUri, overwrite);
    }
    return 0;
  }

  /**
   * The engine call for one bit-width: reads {@code bundleUri} with
   * {@code io.bitswitch.store.BundleStore}, switches it with {@code Bundle.switchTo(int)}, publishes
   * the result at {@code outUri} (replacing what is there only when {@code overwrite}) and prints
   * {@code outUri}. Kept apart from the option handling because the engine lives in other modules.
   */
  private void switchUniform(PrintWriter out, String bundleUri, int bits, String outUri, boolean overwrite)
      throws IOException {
    throw notAvailable("the bundle store (io.bitswitch.store.BundleStore)");
  }

  /** As {@link #switchUniform}, with {@code Bundle.switchTo(Map)} and one bit-width per layer. */
  private void switchPerLayer(PrintWriter out, String bundleUri, Map<String, Integer> layerBits, String outUri,
      boolean overwrite) throws IOException {
    throw notAvailable("the bundle store (io.bitswitch.store.BundleStore)");
  }
}
