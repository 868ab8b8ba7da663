package io.bitswitch.cli;

import io.bitswitch.cli.config.BitswitchConfig;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of every command: the common options and configuration loading. Common options that a
 * command does not use are removed from it (see {@link #unusedCommonOptions()}), so they are
 * neither listed in its help nor silently ignored when given.
 */
public abstract class BitswitchCommand implements Callable<Integer> {
  /** The options every command takes. */
  @Mixin protected CommonOptions common;

  /** This command's picocli model, for its name, output stream and parse result. */
  @Spec protected CommandSpec spec;

  @Override
  public final Integer call() throws Exception {
    return run(common.loadConfig());
  }

  /**
   * Does the command's work.
   *
   * @param config the validated configuration
   * @return the exit code (0 for success)
   */
  protected abstract int run(BitswitchConfig config) throws Exception;

  /**
   * Common options this command has no use for; {@link BitswitchCli#newCommandLine()} removes them
   * from the command, so giving one is an unknown-option error.
   */
  protected List<String> unusedCommonOptions() {
    return List.of();
  }

  /** Standard output of this command (the picocli command line's, so tests can capture it). */
  protected PrintWriter stdout() {
    return spec.commandLine().getOut();
  }

  /** Standard error of this command (the picocli command line's): messages beside progress output. */
  protected PrintWriter stderr() {
    return spec.commandLine().getErr();
  }
}
