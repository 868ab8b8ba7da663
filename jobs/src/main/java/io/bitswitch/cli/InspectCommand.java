package io.bitswitch.cli;

import io.bitswitch.bundle.BundleInspector;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.store.BundleStore;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
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
  protected int run(BitswitchConfig config) {
    stdout().print(BundleInspector.describe(BundleStore.read(bundle, new Configuration())));
    return 0;
  }
}
