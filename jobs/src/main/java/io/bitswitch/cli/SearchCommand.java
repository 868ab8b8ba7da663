package io.bitswitch.cli;

import io.bitswitch.cli.config.BitswitchConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitswitch search}: ILP subnet search, BatchNorm recalibration and evaluation. */
@Command(name = "search", mixinStandardHelpOptions = true,
    description = "ILP subnet search over the budgets of bitswitch.search, BatchNorm recalibration and evaluation "
        + "of every Pareto front member; writes <out>/pareto.json and one layer-bits file per member.",
    footerHeading = "%nExample:%n", footer = "  bitswitch search --bundle runs/supernet/bundle --out runs/supernet/search")
public final class SearchCommand extends BitswitchCommand {
  @Option(names = "--bundle", paramLabel = "BUNDLE", required = true,
      description = "The SuperNet INT-h bundle (the output of supernet).")
  private String bundle;

  @Option(names = "--sensitivity", paramLabel = "FILE",
      description = "sensitivity.json with the per-layer Hessian traces. Default: the traces stored in the bundle.")
  private String sensitivity;

  @Override
  protected int run(BitswitchConfig config) {
    common.dataOrDefault();
    common.requireOut("the directory to write pareto.json and the layer-bits files into");
    throw notAvailable("the subnet search (io.bitswitch.search)");
  }
}
