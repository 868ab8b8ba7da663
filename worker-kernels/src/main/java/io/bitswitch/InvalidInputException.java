package io.bitswitch;

/** A value given by the user (option, config key, bit-width, budget) is not acceptable. */
public class InvalidInputException extends BitswitchException {
  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }
}
