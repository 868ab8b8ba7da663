package io.bitswitch;

/**
 * Root of bitswitch's small exception hierarchy. Every error a user can cause (bad configuration,
 * bad or corrupt input, mismatched artifacts) is reported as one of its subclasses with a message
 * that names the problem; the command line turns them into a one-line error and a non-zero exit.
 */
public class BitswitchException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BitswitchException(String message) {
    super(message);
  }

  public BitswitchException(String message, Throwable cause) {
    super(message, cause);
  }
}
