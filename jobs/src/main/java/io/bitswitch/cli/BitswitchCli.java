package io.bitswitch.cli;

import io.bitswitch.BitswitchException;
import io.bitswitch.BuildVersion;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code bitswitch} command line: {@code bitswitch <command> [options]} locally (see
 * {@code bin/bitswitch}), or {@code spark-submit --class io.bitswitch.cli.BitswitchCli
 * bitswitch-jobs-<version>-spark.jar <command> [options]} on a cluster.
 *
 * <p>Exit codes: 0 success; 2 a usage error or a {@link BitswitchException} (bad option, bad
 * configuration, bad or corrupt input), reported as one line {@code bitswitch: error: <message>}
 * on standard error; 1 an unexpected failure, reported with its stack trace.
 */
@Command(name = "bitswitch", mixinStandardHelpOptions = true, versionProvider = BitswitchCli.Version.class,
    description = "One-shot multi-precision quantization-aware training on Apache Spark.",
    subcommands = {
        IngestCommand.class,
        PretrainCommand.class,
        TrainCommand.class,
        BenchmarkCommand.class,
        SensitivityCommand.class,
        SupernetCommand.class,
        SearchCommand.class,
        EvaluateCommand.class,
        SwitchCommand.class,
        ExportCommand.class,
        InspectCommand.class,
        DemoCommand.class,
        HelpCommand.class})
public final class BitswitchCli implements Runnable {
  /** Exit code of a usage error or a {@link BitswitchException}. */
  public static final int EXIT_USAGE = 2;
  /** Exit code of an unexpected failure. */
  public static final int EXIT_FAILURE = 1;

  @Spec private CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(),
        "missing command: one of " + String.join(", ", spec.subcommands().keySet()));
  }

  /** Runs a command and exits the JVM with its exit code. */
  public static void main(String[] args) {
    int code = execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    System.exit(code);
  }

  /**
   * Runs a command with the given output streams and returns its exit code, without exiting.
   *
   * @param args the command line, starting with the command's name
   */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = newCommandLine();
    cli.setOut(out);
    cli.setErr(err);
    try {
      return cli.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** The command line with bitswitch's error reporting. */
  public static CommandLine newCommandLine() {
    CommandLine cli = new CommandLine(new BitswitchCli());
    for (CommandLine sub : cli.getSubcommands().values()) {
      if (sub.getCommand() instanceof BitswitchCommand command) {
        for (String name : command.unusedCommonOptions()) {
          sub.getCommandSpec().remove(sub.getCommandSpec().findOption(name));
        }
      }
    }
    cli.setUsageHelpAutoWidth(true);
    cli.setUsageHelpWidth(100);
    cli.setParameterExceptionHandler((ex, args) -> {
      CommandLine failed = ex.getCommandLine();
      failed.getErr().println("bitswitch: error: " + oneLine(ex.getMessage()) + " (see '"
          + failed.getCommandSpec().qualifiedName() + " --help')");
      return EXIT_USAGE;
    });
    cli.setExecutionExceptionHandler((ex, failed, parseResult) -> {
      BitswitchException known = findBitswitchException(ex);
      if (known != null) {
        failed.getErr().println("bitswitch: error: " + oneLine(known.getMessage()));
        return EXIT_USAGE;
      }
      ex.printStackTrace(failed.getErr());
      return EXIT_FAILURE;
    });
    return cli;
  }

  /** The exception or the first of its causes that is a {@link BitswitchException} (Spark wraps task failures). */
  private static BitswitchException findBitswitchException(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof BitswitchException b) {
        return b;
      }
    }
    return null;
  }

  private static String oneLine(String message) {
    return message == null ? "(no message)" : message.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  /** The Maven project version, written into the jar at build time ({@link BuildVersion}). */
  static String version() {
    return BuildVersion.version();
  }

  /** {@code bitswitch --version}: {@link #version()}. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"bitswitch " + version()};
    }
  }
}
