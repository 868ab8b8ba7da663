package io.bitswitch.cli;

import io.bitswitch.BitswitchException;
import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FSError;

/**
 * How {@code bitswitch} reports a failed command: which {@link ExitCodes exit code} it gets and the
 * one line {@code bitswitch: error: <message>} on standard error; only an internal error adds its
 * stack trace. Spark wraps a task's failure in its own exceptions, so the whole cause chain is
 * looked at, not only the outermost exception.
 */
final class Failures {
  /** What every error line starts with. */
  static final String PREFIX = "bitswitch: error: ";

  private Failures() {}

  /**
   * Prints {@code failure} to {@code err} and returns its exit code:
   * <ul>
   *   <li>{@link ExitCodes#BAD_INPUT} for an {@link InvalidInputException} or
   *       {@link CorruptDataException} anywhere in the chain (bad input comes first: a corrupt file
   *       is often found by an I/O exception of its parser);
   *   <li>{@link ExitCodes#IO_FAILURE} for an {@link IOException}, {@link UncheckedIOException}
   *       or Hadoop's {@link FSError} (an {@link Error}) anywhere in the chain;
   *   <li>{@link ExitCodes#BAD_INPUT} for any other {@link BitswitchException};
   *   <li>{@link ExitCodes#INTERNAL_ERROR} for anything else, with the stack trace.
   * </ul>
   * After SIGTERM or SIGINT nothing is printed (the signal's own line was) and the signal's code
   * is returned: what fails then is the work the signal stopped.
   */
  static int report(Throwable failure, PrintWriter err) {
    if (Interruption.happened()) {
      return Interruption.exitCode();
    }
    BitswitchException known = first(failure, BitswitchException.class);
    if (known instanceof InvalidInputException || known instanceof CorruptDataException) {
      err.println(PREFIX + oneLine(known.getMessage()));
      return ExitCodes.BAD_INPUT;
    }
    if (firstIoFailure(failure) != null) {
      // Our own exceptions already name the file and quote the cause; a bare one is described by its chain.
      err.println(PREFIX + oneLine(known != null ? known.getMessage() : chainMessage(failure)));
      return ExitCodes.IO_FAILURE;
    }
    if (known != null) {
      err.println(PREFIX + oneLine(known.getMessage()));
      return ExitCodes.BAD_INPUT;
    }
    err.println(PREFIX + "internal error, please report: " + oneLine(failure.toString()));
    failure.printStackTrace(err);
    return ExitCodes.INTERNAL_ERROR;
  }

  /** The first throwable of {@code type} in {@code failure}'s cause chain, or null. */
  static <T extends Throwable> T first(Throwable failure, Class<T> type) {
    for (Throwable t : chain(failure)) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  /** The first I/O failure in the chain: an {@link IOException}, {@link UncheckedIOException} or {@link FSError}. */
  static Throwable firstIoFailure(Throwable failure) {
    for (Throwable t : chain(failure)) {
      if (t instanceof IOException || t instanceof UncheckedIOException || t instanceof FSError) {
        return t;
      }
    }
    return null;
  }

  /**
   * The messages of the chain, outermost first, joined by ": ", leaving out those that only
   * repeat their cause ({@code new RuntimeException(cause)} takes {@code cause.toString()}).
   */
  static String chainMessage(Throwable failure) {
    List<String> parts = new ArrayList<>();
    String joined = "";
    for (Throwable t : chain(failure)) {
      String m = describe(t);
      if (m == null || m.isBlank() || (t.getCause() != null && m.equals(t.getCause().toString()))
          || joined.contains(m)) {
        continue;
      }
      parts.add(m);
      joined = String.join(": ", parts);
    }
    return parts.isEmpty() ? failure.toString() : joined;
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    if (t instanceof FileSystemException f && f.getReason() == null) {
      // java.nio's messages are the bare path when the OS gave no reason.
      String why = t instanceof AccessDeniedException ? "permission denied"
          : t instanceof NoSuchFileException ? "no such file or directory" : t.getClass().getSimpleName();
      return m + " (" + why + ")";
    }
    return m;
  }

  private static List<Throwable> chain(Throwable failure) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }

  /** {@code message} on one line. */
  static String oneLine(String message) {
    return message == null ? "(no message)" : message.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
