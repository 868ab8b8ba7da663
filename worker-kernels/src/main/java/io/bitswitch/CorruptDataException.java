package io.bitswitch;

/**
 * A file that bitswitch reads (dataset, bundle, checkpoint) is missing, truncated, malformed,
 * fails its checksum, or does not match what it is used with.
 */
public class CorruptDataException extends BitswitchException {
  private static final long serialVersionUID = 1L;

  public CorruptDataException(String message) {
    super(message);
  }

  public CorruptDataException(String message, Throwable cause) {
    super(message, cause);
  }
}
