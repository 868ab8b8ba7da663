package io.bitswitch.cli;

import io.bitswitch.cli.config.BitswitchConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitswitch supernet}: HASB mixed-precision SuperNet training. */
@Command(name = "supernet", mixinStandardHelpOptions = true,
    description = "HASB mixed-precision SuperNet training (bitswitch.supernet) from a multi-precision bundle; "
        + "writes <out>/<run-id>/bundle (INT-h).",
    footerHeading = "%nExample:%n", footer = "  bitswitch supernet --bundle runs/mp/bundle --out runs")
public final class SupernetCommand extends BitswitchCommand {
  @Option(names = "--bundle", paramLabel = "BUNDLE", required = true,
      description = "The multi-precision INT-h bundle to start from (the output of train).")
  private String bundle;

  @Option(names = "--sensitivity", paramLabel = "FILE",
      description = "sensitivity.json with the per-layer Hessian traces. Default: the traces stored in the bundle.")
  private String sensitivity;

  @Override
  protected int run(BitswitchConfig config) {
    common.dataOrDefault();
    common.requireOut("the directory that holds run directories, e.g. runs or hdfs:///bitswitch/runs");
    common.runId();
    throw notAvailable("the SuperNet trainer (io.bitswitch.train)");
  }
}
