package io.bitswitch.cli;

import io.bitswitch.InvalidInputException;
import io.bitswitch.cli.config.BitswitchConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitswitch train}: one-shot joint multi-precision quantization-aware training. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "One-shot joint multi-precision QAT (Double Rounding + ALRS) over bitswitch.train.bits, "
        + "from a pretrained bundle or from scratch; writes <out>/<run-id>/bundle (INT-h) and the report.",
    footerHeading = "%nExample:%n", footer = "  bitswitch train --init runs/fp32/bundle --out runs --set train.bits=[8,6,4,2]")
public final class TrainCommand extends BitswitchCommand {
  /** Where the initial weights come from; at most one. */
  static final class Start {
    @Option(names = "--init", paramLabel = "BUNDLE",
        description = "Start from this bundle's weights (usually the FP32 bundle of pretrain).")
    String initBundle;

    @Option(names = "--warm-start", paramLabel = "latest|BUNDLE",
        description = "Start from a previously published multi-precision bundle: 'latest' (the latest pointer "
        + "under --out) or a bundle directory.")
    String warmStart;
  }

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  private Start start;

  @Option(names = "--resume",
      description = "Continue run --run-id from its newest committed checkpoint under <out>/<run-id>/state.")
  private boolean resume;

  @Override
  protected int run(BitswitchConfig config) {
    common.dataOrDefault();
    common.requireOut("the directory that holds run directories, e.g. runs or hdfs:///bitswitch/runs");
    if (resume && common.runId().isEmpty()) {
      throw new InvalidInputException("--resume needs --run-id: the run whose checkpoints to continue from");
    }
    if (start != null && start.warmStart != null && start.warmStart.isBlank()) {
      throw new InvalidInputException("--warm-start needs 'latest' or a bundle directory");
    }
    throw notAvailable("the multi-precision trainer (io.bitswitch.train)");
  }
}
