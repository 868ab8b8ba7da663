package io.bitswitch.cli;

import io.bitswitch.cli.config.BitswitchConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitswitch sensitivity}: distributed Hutchinson estimates of per-layer Hessian traces. */
@Command(name = "sensitivity", mixinStandardHelpOptions = true,
    description = "Per-layer average Hessian traces by Hutchinson's method on a sample of the training data "
        + "(bitswitch.sensitivity); writes <out>/sensitivity.json and stores the traces in the bundle.",
    footerHeading = "%nExample:%n", footer = "  bitswitch sensitivity --bundle runs/fp32/bundle --out runs/fp32")
public final class SensitivityCommand extends BitswitchCommand {
  @Option(names = "--bundle", paramLabel = "BUNDLE", required = true,
      description = "The model to analyse: an FP32 bundle, or an INT-h bundle (dequantized at h bits).")
  private String bundle;

  @Override
  protected int run(BitswitchConfig config) {
    common.dataOrDefault();
    common.requireOut("the directory to write sensitivity.json into");
    throw notAvailable("the Hessian trace estimator (io.bitswitch.sensitivity)");
  }
}
