package io.bitswitch.cli;

import io.bitswitch.BitswitchException;
import io.bitswitch.cli.config.BitswitchConfig;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Base of every command: the common options, configuration loading, and refusal of common options
 * that a command does not use (so that nothing the user typed is silently ignored).
 */
public abstract class BitswitchCommand implements Callable<Integer> {
  /** The options every command takes. */
  @Mixin protected CommonOptions common;

  /** This command's picocli model, for its name, output stream and parse result. */
  @Spec protected CommandSpec spec;

  @Override
  public final Integer call() throws Exception {
    for (String option : unusedCommonOptions()) {
      if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
        throw new ParameterException(spec.commandLine(), "'" + spec.name() + "' does not use " + option);
      }
    }
    return run(common.loadConfig());
  }

  /**
   * Does the command's work.
   *
   * @param config the validated configuration
   * @return the exit code (0 for success)
   */
  protected abstract int run(BitswitchConfig config) throws Exception;

  /** Common options this command has no use for; giving one is an error. */
  protected List<String> unusedCommonOptions() {
    return List.of();
  }

  /** Standard output of this command (the picocli command line's, so tests can capture it). */
  protected PrintWriter stdout() {
    return spec.commandLine().getOut();
  }

  /** The error for a command whose engine this build does not contain. */
  protected BitswitchException notAvailable(String engine) {
    return new BitswitchException("command '" + spec.name() + "' is not available in this build: " + engine
        + " is not part of it yet");
  }
}
