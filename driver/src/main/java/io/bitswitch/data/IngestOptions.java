package io.bitswitch.data;

import io.bitswitch.InvalidInputException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How {@link Ingest} shapes the images of an image folder.
 *
 * @param channels 1 or 3, or 0 for "3 if any image is colour, else 1"
 * @param resizeHeight the height to resize every image to, or 0 to keep the images' common size
 * @param resizeWidth the width to resize every image to, or 0 (with {@code resizeHeight})
 */
public record IngestOptions(int channels, int resizeHeight, int resizeWidth) {
  /** Channels from the images, no resize. */
  public static final IngestOptions DEFAULT = new IngestOptions(0, 0, 0);

  private static final Pattern SIZE = Pattern.compile("(\\d{1,5})[xX](\\d{1,5})");

  /** @throws InvalidInputException when channels is not 0, 1 or 3 or only one resize side is set */
  public IngestOptions {
    if (channels != 0 && channels != 1 && channels != 3) {
      throw new InvalidInputException("--channels must be 1 or 3, got " + channels);
    }
    if (resizeHeight < 0 || resizeWidth < 0 || (resizeHeight == 0) != (resizeWidth == 0)) {
      throw new InvalidInputException("resize needs a positive height and width, got "
          + resizeHeight + "x" + resizeWidth);
    }
  }

  /**
   * Parses {@code --resize HxW}, e.g. {@code 32x32}; null or blank means no resize.
   *
   * @throws InvalidInputException when the text is not two positive integers joined by 'x'
   */
  public static IngestOptions of(int channels, String resize) {
    if (resize == null || resize.isBlank()) {
      return new IngestOptions(channels, 0, 0);
    }
    Matcher m = SIZE.matcher(resize.trim());
    if (!m.matches() || Integer.parseInt(m.group(1)) == 0 || Integer.parseInt(m.group(2)) == 0) {
      throw new InvalidInputException("--resize must be HxW with positive integers, e.g. 32x32; got '"
          + resize + "'");
    }
    return new IngestOptions(channels, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
  }

  /** Whether images are resized. */
  public boolean resizes() {
    return resizeHeight > 0;
  }

  /** Whether these are the defaults (which every source accepts). */
  boolean isDefault() {
    return equals(DEFAULT);
  }
}
