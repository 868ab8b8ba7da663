package io.bitswitch.cli;

import io.bitswitch.cli.config.BitswitchConfig;
import picocli.CommandLine.Command;

/** {@code bitswitch demo}: the whole pipeline on Fashion-MNIST with local Spark. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "The whole pipeline on Fashion-MNIST (pretrain, train, sensitivity, supernet, search, evaluate) with the "
        + "overrides of bitswitch.demo.profile (quick by default) beneath your own settings. Writes a run "
        + "directory under --out (default: " + DemoCommand.DEFAULT_RUNS_DIR + ") and prints its path as the last line.",
    footerHeading = "%nExample:%n", footer = "  bitswitch demo --set demo.profile=full")
public final class DemoCommand extends BitswitchCommand {
  /** Where demo runs go when {@code --out} is not given. */
  public static final String DEFAULT_RUNS_DIR = "runs";

  @Override
  protected int run(BitswitchConfig config) {
    config.withDemoProfile();
    common.dataOrDefault();
    common.out().orElse(DEFAULT_RUNS_DIR);
    common.runId();
    throw notAvailable("the training pipeline (io.bitswitch.train, io.bitswitch.sensitivity, io.bitswitch.search)");
  }
}
