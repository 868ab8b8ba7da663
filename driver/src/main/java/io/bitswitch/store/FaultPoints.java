package io.bitswitch.store;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named crash points for fault tests (docs/RELIABILITY.md): the places in a run's checkpointing
 * and finishing sequence where a crash leaves a distinct state on disk
 * (docs/design/architecture.md §5, "Finishing a run"). A fault test starts a child JVM with the
 * system property {@value #HALT_AT} set to one of the names below; when the run reaches that
 * point the JVM halts at once with exit status {@value #HALT_STATUS}, as after SIGKILL: no
 * shutdown hooks, no finally blocks, no buffered output flushed. {@code name@N} halts at the
 * {@code N}-th time the point is reached instead of the first.
 *
 * <p>Without the property every point is a no-op costing one property read. Not for production
 * use: nothing but fault tests sets the property.
 */
public final class FaultPoints {
  /** System property naming the point to halt at ({@code name} or {@code name@N}). */
  public static final String HALT_AT = "bitswitch.fault.halt-at";

  /** Exit status of a halted JVM: 128 + 9, what a shell reports for a process killed by SIGKILL. */
  public static final int HALT_STATUS = 137;

  /** A checkpoint's tensors file is written, its manifest (the commit) is not. */
  public static final String CHECKPOINT_BEFORE_COMMIT = "checkpoint.before-commit";

  /** A training step and its checkpoint (when one was due) are done; {@code @N} is after step N. */
  public static final String TRAIN_STEP_DONE = "train.step-done";

  /** The bundle's files are in the hidden temporary directory, not yet renamed to the target. */
  public static final String BUNDLE_BEFORE_RENAME = "bundle.before-rename";

  /** The bundle is published (renamed in); nothing of the run files is written yet. */
  public static final String BUNDLE_AFTER_RENAME = "bundle.after-rename";

  /** {@code report.json}'s content is in its temporary file, not yet renamed over the destination. */
  public static final String REPORT_BEFORE_RENAME = "run-file.report.json.before-rename";

  /** The run files are complete ({@code report.json} last); the {@code latest} pointer is not moved yet. */
  public static final String POINTER_BEFORE_WRITE = "pointer.before-write";

  /** The {@code latest} pointer names the run; the run has not exited yet. */
  public static final String POINTER_AFTER_WRITE = "pointer.after-write";

  private static final Map<String, AtomicInteger> REACHED = new ConcurrentHashMap<>();

  private FaultPoints() {}

  /**
   * Halts the JVM when {@value #HALT_AT} names this point (and, for {@code name@N}, this is its
   * N-th arrival); otherwise does nothing.
   */
  public static void reach(String name) {
    String haltAt = System.getProperty(HALT_AT);
    if (haltAt == null || !haltAt.startsWith(name)) {
      return;
    }
    String rest = haltAt.substring(name.length());
    if (rest.isEmpty()
        || rest.startsWith("@") && REACHED.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet()
            == Integer.parseInt(rest.substring(1))) {
      System.err.println("bitswitch: fault test: halting at " + haltAt);
      System.err.flush();
      Runtime.getRuntime().halt(HALT_STATUS);
    }
  }

  /** The name of the run file {@code fileName}'s point before its rename, as {@link RunFiles} reaches it. */
  static String runFileBeforeRename(String fileName) {
    return "run-file." + fileName + ".before-rename";
  }
}
