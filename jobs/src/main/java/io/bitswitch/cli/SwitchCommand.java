package io.bitswitch.cli;

import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.store.BundleStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
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
        description = "The bit-width of every quantized layer (one of the bundle's bit-widths).")
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
  protected int run(BitswitchConfig config) {
    String outUri = common.requireOut("the directory to publish the switched bundle into");
    Map<String, Integer> layerBits = target.layerBits == null ? null : LayerBits.read(target.layerBits);
    Configuration hadoop = new Configuration();
    if (qualified(bundle, hadoop).equals(qualified(outUri, hadoop))) {
      throw new InvalidInputException("--out " + outUri + " is the source bundle --bundle " + bundle
          + "; publish the switched bundle elsewhere (replacing its own source would lose the INT-h codes)");
    }
    Bundle source = BundleStore.read(bundle, hadoop);
    Bundle switched = layerBits == null ? source.switchTo(target.bits) : source.switchTo(layerBits);
    BundleStore.publish(switched, outUri, hadoop, overwrite);
    printSummary(stdout(), switched, outUri);
    return 0;
  }

  /** {@code uri} made absolute on its file system, normalised ({@code a/./b/} is {@code a/b}). */
  private static org.apache.hadoop.fs.Path qualified(String uri, Configuration hadoop) {
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(uri);
    try {
      return path.getFileSystem(hadoop).makeQualified(path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the file system of " + uri, e);
    }
  }

  private static void printSummary(PrintWriter out, Bundle switched, String outUri) {
    String precision = switched.manifest().layerBits() == null
        ? switched.manifest().bits().get(0) + "-bit"
        : "mixed-precision (bits " + switched.manifest().bits() + ")";
    out.printf(Locale.ROOT, "published %s bundle at %s: %.1f KiB deployed, %.1f%% of FP32%n", precision, outUri,
        switched.deployedSizeBits() / 8.0 / 1024, 100 * switched.sizeRatioVsFp32());
  }
}
