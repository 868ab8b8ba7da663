package io.bitswitch.cli;

import io.bitswitch.bundle.Bundle;
import io.bitswitch.bundle.BundleInspector;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.store.BundleStore;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bitswitch inspect}: print a bundle's manifest, tensors, sizes and metrics, and what each
 * precision's ONNX export would hold.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Print a bundle's manifest, tensors, sizes and metrics, and what each precision's ONNX export "
        + "would hold (weight integer type, bytes).",
    footerHeading = "%nExample:%n", footer = "  bitswitch inspect --bundle runs/mp/bundle")
public final class InspectCommand extends BitswitchCommand {
  @Option(names = "--bundle", paramLabel = "BUNDLE", required = true, description = "The bundle to describe.")
  private String bundle;

  @Override
  protected List<String> unusedCommonOptions() {
    return List.of("--data", "--out", "--master", "--run-id");
  }

  @Override
  protected int run(BitswitchConfig config) {
    Bundle b = BundleStore.read(bundle, new Configuration());
    stdout().print(BundleInspector.describe(b));
    stdout().print(OnnxExports.describe(b));
    return 0;
  }
}
