package io.bitswitch.data;

import io.bitswitch.BitswitchException;

/**
 * Spark reports an exception thrown inside a task as a {@code SparkException} whose cause chain
 * holds the original. Our own exceptions carry the message the user needs, so they are rethrown
 * as they were.
 */
final class SparkFailures {
  private SparkFailures() {}

  /** Rethrows the first {@link BitswitchException} in {@code e}'s cause chain, else {@code e}. */
  static RuntimeException unwrap(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BitswitchException b) {
        return b;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return e;
  }
}
