package io.bitswitch.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT during a command: one line {@code bitswitch: error: interrupted by SIGTERM}
 * and exit {@code 128 + signal} ({@link ExitCodes#TERMINATED}, {@link ExitCodes#INTERRUPTED}),
 * instead of the stack dumps Spark's tasks and logs print while the JVM shuts down. Logging is
 * switched off before the JVM's shutdown hooks (Spark's among them) run, and whatever the
 * command's own thread fails with afterwards is not reported ({@link Failures#report}). After the
 * line, {@code System.err} is discarded: threads that Spark's shutdown cuts short print their
 * traces there directly (Scala's futures report a rejected task with {@code printStackTrace()},
 * bypassing logging), and no such trace says anything about the run.
 */
final class Interruption {
  private static volatile int exitCode;
  private static final List<Runnable> ON_INTERRUPT = new CopyOnWriteArrayList<>();

  private Interruption() {}

  /** Installs the handlers; {@link BitswitchCli#main} does, so tests running commands in-process do not. */
  static void install(PrintWriter err) {
    for (String name : List.of("TERM", "INT")) {
      try {
        Signal.handle(new Signal(name), signal -> interrupted(signal, err));
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        // The JVM keeps the signal (-Xrs) or the platform lacks it: its default handling stays.
      }
    }
  }

  /** Whether a signal is ending this process. */
  static boolean happened() {
    return exitCode != 0;
  }

  /** The exit code of the signal that ends this process (0 when none). */
  static int exitCode() {
    return exitCode;
  }

  /**
   * Runs {@code action} if a signal ends the process while the returned handle is open, before
   * the JVM's shutdown hooks: e.g. releasing a run's lock, so that a retry need not wait for it
   * to go stale.
   */
  static Registration onInterrupt(Runnable action) {
    ON_INTERRUPT.add(action);
    return () -> ON_INTERRUPT.remove(action);
  }

  /** An action registered by {@link #onInterrupt}; closing it unregisters it. */
  interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  private static synchronized void interrupted(Signal signal, PrintWriter err) {
    if (exitCode != 0) {
      return; // a second signal while the first is handled
    }
    exitCode = 128 + signal.getNumber();
    quietLogging();
    err.println(Failures.PREFIX + "interrupted by SIG" + signal.getName());
    err.flush();
    System.setErr(new PrintStream(OutputStream.nullOutputStream()));
    Thread.setDefaultUncaughtExceptionHandler((thread, failure) -> { });
    for (Runnable action : ON_INTERRUPT) {
      try {
        action.run();
      } catch (RuntimeException e) {
        // Exiting anyway; what the action left undone is what a kill would leave.
      }
    }
    System.exit(exitCode);
  }

  /** Switches every logger off, where log4j 2 (Spark's) is the logging backend. */
  private static void quietLogging() {
    try {
      Configurator.setAllLevels(LogManager.getRootLogger().getName(), Level.OFF);
    } catch (LinkageError | RuntimeException e) {
      // Another backend: its log lines stay.
    }
  }
}
