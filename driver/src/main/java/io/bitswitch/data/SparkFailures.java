package io.bitswitch.data;

import io.bitswitch.BitswitchException;
import io.bitswitch.CorruptDataException;
import org.apache.spark.SparkThrowable;

/**
 * Spark reports an exception thrown inside a task as a {@code SparkException} whose cause chain
 * holds the original. Our own exceptions carry the message the user needs, so they are rethrown
 * as they were.
 */
final class SparkFailures {
  private SparkFailures() {}

  /**
   * Rethrows the first {@link BitswitchException} in {@code e}'s cause chain; else, when Spark
   * failed to read a data file ({@code FAILED_READ_FILE.*}), a {@link CorruptDataException} naming
   * the file; else {@code e}.
   */
  static RuntimeException unwrap(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BitswitchException b) {
        return b;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    CorruptDataException unreadable = unreadableFile(e);
    return unreadable != null ? unreadable : e;
  }

  /**
   * A {@link CorruptDataException} "cannot read data file F: ..." when {@code e}'s chain holds
   * Spark's failure to read a file (a truncated or garbled Parquet file), else null. Its message
   * ends with the innermost cause's, which says what was wrong.
   */
  static CorruptDataException unreadableFile(Throwable e) {
    Throwable root = e;
    String file = null;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (file == null && t instanceof SparkThrowable st && st.getCondition() != null
          && st.getCondition().startsWith(FAILED_READ_FILE)) {
        file = st.getMessageParameters().get("path");
      }
      root = t;
    }
    if (file == null) {
      return null;
    }
    String why = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return new CorruptDataException("cannot read data file " + file + " (truncated, garbled or not Parquet?): "
        + why, e);
  }

  /** Spark's error condition for a data file it could not read. */
  private static final String FAILED_READ_FILE = "FAILED_READ_FILE";
}
