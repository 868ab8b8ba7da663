package io.bitswitch.cli;

import io.bitswitch.cli.config.BitswitchConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitswitch inspect}: print a bundle's manifest, tensors, sizes and metrics. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Print a bundle's manifest, tensors, sizes and metrics.",
    footerHeading = "%nExample:%n", footer = "  bitswitch inspect --bundle runs/mp/bundle")
public final class InspectCommand extends BitswitchCommand {
  @Option(names = "--bundle", paramLabel = "BUNDLE", required = true, description = "The bundle to describe.")
  private String bundle;

  @Override
  protected List<String> unusedCommonOptions() {
    return List.of("--data", "--out", "--master", "--run-id");
  }

  @Override
  protected int run(BitswitchConfig config) throws IOException {
    inspect(stdout(), bundle);
    return 0;
  }

  /**
   * The engine call: reads {@code bundleUri} with {@code io.bitswitch.store.BundleStore} and prints
   * {@code io.bitswitch.bundle.BundleInspector.describe} of it. Kept apart from the option handling
   * because the engine lives in other modules.
   */
  private void inspect(PrintWriter out, String bundleUri) throws IOException {
    throw notAvailable("the bundle store (io.bitswitch.store.BundleStore)");
  }
}
