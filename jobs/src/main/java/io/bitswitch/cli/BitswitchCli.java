package io.bitswitch.cli;

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
 * <p>Exit codes ({@link ExitCodes}, listed by {@code --help}): 0 success; 2 a usage error or bad
 * input (bad option, bad configuration, bad or corrupt input); 3 failed quality gates
 * ({@code train}); 4 an I/O failure reading or writing files; 130 and 143 SIGINT and SIGTERM; each
 * reported as one line {@code bitswitch: error: <message>} on standard error ({@link Failures}).
 * 1 is an internal error, the only one reported with its stack trace.
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
  @Spec private CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(),
        "missing command: one of " + String.join(", ", spec.subcommands().keySet()));
  }

  /** Runs a command and exits the JVM with its exit code. */
  public static void main(String[] args) {
    PrintWriter err = new PrintWriter(System.err, true);
    Interruption.install(err);
    int code = execute(args, new PrintWriter(System.out, true), err);
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
    return execute(cli, args);
  }

  /** Runs {@code args} on {@code cli} (its output streams set) and returns the exit code. */
  static int execute(CommandLine cli, String... args) {
    try {
      return cli.execute(args);
    } catch (Throwable failure) {
      // picocli hands only Exceptions to the handler; an Error (Hadoop's FSError) arrives here.
      return Failures.report(failure, cli.getErr());
    } finally {
      cli.getOut().flush();
      cli.getErr().flush();
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
    listExitCodes(cli.getCommandSpec(), true);
    for (CommandLine sub : cli.getSubcommands().values()) {
      if (sub.getCommand() instanceof BitswitchCommand) {
        listExitCodes(sub.getCommandSpec(), sub.getCommand() instanceof TrainCommand);
      }
    }
    cli.setUsageHelpAutoWidth(true);
    cli.setUsageHelpWidth(100);
    cli.setParameterExceptionHandler((ex, args) -> {
      CommandLine failed = ex.getCommandLine();
      failed.getErr().println(Failures.PREFIX + Failures.oneLine(ex.getMessage()) + " (see '"
          + failed.getCommandSpec().qualifiedName() + " --help')");
      return ExitCodes.BAD_INPUT;
    });
    cli.setExecutionExceptionHandler((ex, failed, parseResult) -> Failures.report(ex, failed.getErr()));
    return cli;
  }

  /** The exit codes section of a command's help ({@link ExitCodes#helpList}). */
  private static void listExitCodes(CommandSpec command, boolean withGates) {
    command.usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(ExitCodes.helpList(withGates));
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
