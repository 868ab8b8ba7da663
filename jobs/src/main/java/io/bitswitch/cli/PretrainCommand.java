package io.bitswitch.cli;

import io.bitswitch.cli.config.BitswitchConfig;
import picocli.CommandLine.Command;

/** {@code bitswitch pretrain}: FP32 training of the configured architecture. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
    description = "FP32 training of the configured architecture (bitswitch.model, bitswitch.pretrain); "
        + "writes <out>/<run-id>/bundle with FP32 weights (bits=[32]).",
    footerHeading = "%nExample:%n", footer = "  bitswitch pretrain --out runs --run-id fp32 --set pretrain.epochs=5")
public final class PretrainCommand extends BitswitchCommand {
  @Override
  protected int run(BitswitchConfig config) {
    common.dataOrDefault();
    common.requireOut("the directory that holds run directories, e.g. runs or hdfs:///bitswitch/runs");
    common.runId();
    throw notAvailable("the FP32 trainer (io.bitswitch.train)");
  }
}
