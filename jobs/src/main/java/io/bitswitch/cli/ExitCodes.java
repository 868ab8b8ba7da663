package io.bitswitch.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The exit codes of {@code bitswitch}, in one place: {@link BitswitchCli} maps every failure to
 * one of them, {@code --help} lists them, and README's table repeats them. Every failure but an
 * internal error is reported as one line {@code bitswitch: error: <message>} on standard error.
 */
public final class ExitCodes {
  /** The command did what it was asked. */
  public static final int OK = 0;
  /** A bug: anything not foreseen below; reported with its stack trace, to be reported. */
  public static final int INTERNAL_ERROR = 1;
  /** A usage error (unknown option, bad value) or bad input (configuration, dataset, bundle, run state). */
  public static final int BAD_INPUT = 2;
  /** {@code train} trained and published its bundle, but a quality gate failed: {@code latest} is not moved. */
  public static final int GATES_FAILED = 3;
  /** Reading or writing a file failed (disk full, unwritable path, file system down). */
  public static final int IO_FAILURE = 4;
  /** Stopped by SIGINT (Ctrl-C): 128 + 2, the shell's convention. */
  public static final int INTERRUPTED = 130;
  /** Stopped by SIGTERM (e.g. Kubernetes ending the pod): 128 + 15. */
  public static final int TERMINATED = 143;

  private ExitCodes() {}

  /**
   * The exit codes {@code --help} lists: those every command can return, and
   * {@link #GATES_FAILED} when {@code withGates} (only {@code train} has gates).
   */
  static Map<String, String> helpList(boolean withGates) {
    Map<String, String> codes = new LinkedHashMap<>();
    codes.put(Integer.toString(OK), "Success.");
    codes.put(Integer.toString(BAD_INPUT), "Usage error or bad input (options, configuration, data, bundle, run state).");
    if (withGates) {
      codes.put(Integer.toString(GATES_FAILED), "Quality gates failed: the bundle is kept, 'latest' is not moved.");
    }
    codes.put(Integer.toString(IO_FAILURE), "I/O failure reading or writing files (disk full, unwritable path).");
    codes.put(Integer.toString(INTERNAL_ERROR), "Internal error (printed with its stack trace; please report it).");
    codes.put(Integer.toString(INTERRUPTED), "Interrupted by SIGINT.");
    codes.put(Integer.toString(TERMINATED), "Terminated by SIGTERM.");
    return codes;
  }
}
