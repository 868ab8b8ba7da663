package io.bitswitch.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Crop and flip are exact pixel moves; the draws depend on (seed, epoch, partition, step) only. */
class CropFlipTest {
  private static final ImageShape SHAPE = new ImageShape(2, 3, 4);

  /** Pixel values 1..24: channel c, row y, column x is 1 + c·12 + y·4 + x. */
  private static float[] image() {
    float[] x = new float[SHAPE.size()];
    for (int k = 0; k < x.length; k++) {
      x[k] = k + 1;
    }
    return x;
  }

  private static float[] transformed(int dy, int dx, boolean flip) {
    float[] out = new float[SHAPE.size()];
    CropFlip.transform(image(), out, 0, SHAPE, dy, dx, flip);
    return out;
  }

  @Test
  void noShiftNoFlipIsTheIdentity() {
    assertArrayEquals(image(), transformed(0, 0, false));
  }

  @Test
  void flipMirrorsEachRowOfEachChannel() {
    float[] f = transformed(0, 0, true);
    assertArrayEquals(new float[] {4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9}, Arrays.copyOfRange(f, 0, 12));
    assertArrayEquals(new float[] {16, 15, 14, 13}, Arrays.copyOfRange(f, 12, 16));
  }

  @Test
  void shiftingMovesPixelsAndPadsWithZero() {
    // Output (y, x) = input (y + 1, x − 2): the first two columns and the last row are padding.
    float[] s = transformed(1, -2, false);
    assertArrayEquals(new float[] {0, 0, 5, 6, 0, 0, 9, 10, 0, 0, 0, 0}, Arrays.copyOfRange(s, 0, 12));
    assertArrayEquals(new float[] {0, 0, 17, 18, 0, 0, 21, 22, 0, 0, 0, 0}, Arrays.copyOfRange(s, 12, 24));
    // A shift by the whole padding leaves nothing of a 3-row image.
    float[] gone = transformed(4, 0, false);
    assertTrue(Arrays.equals(new float[SHAPE.size()], gone));
  }

  @Test
  void flipAppliesToTheCrop() {
    float[] s = transformed(0, 1, true);
    // Output x reads input column (3 − x) + 1: columns 4 (padding), 3, 2, 1 → 0, 4, 3, 2.
    assertArrayEquals(new float[] {0, 4, 3, 2}, Arrays.copyOfRange(s, 0, 4));
  }

  @Test
  void drawsAreReproducibleAndDependOnEveryPartOfTheKey() {
    float[] batch = new float[8 * SHAPE.size()];
    for (int k = 0; k < batch.length; k++) {
      batch[k] = k % 97 + 1;
    }
    float[] a = batch.clone();
    float[] b = batch.clone();
    CropFlip.apply(a, 8, SHAPE, 42, 1, 0, 3);
    CropFlip.apply(b, 8, SHAPE, 42, 1, 0, 3);
    assertArrayEquals(a, b, "same key, same batch");
    assertFalse(Arrays.equals(batch, a), "eight images are not all left as they were");
    for (long[] key : new long[][] {{43, 1, 0, 3}, {42, 2, 0, 3}, {42, 1, 1, 3}, {42, 1, 0, 4}}) {
      float[] c = batch.clone();
      CropFlip.apply(c, 8, SHAPE, key[0], (int) key[1], (int) key[2], (int) key[3]);
      assertFalse(Arrays.equals(a, c), "key " + Arrays.toString(key));
    }
  }

  @Test
  void everyOffsetAndBothFlipsOccur() {
    // 32×32 one-channel images whose pixel (y, x) holds y·32 + x + 1: the centre pixels reveal the draw.
    ImageShape shape = new ImageShape(1, 32, 32);
    int n = 2000;
    float[] batch = new float[n * shape.size()];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < shape.size(); k++) {
        batch[i * shape.size() + k] = k + 1;
      }
    }
    CropFlip.apply(batch, n, shape, 7, 0, 0, 0);
    int flipped = 0;
    java.util.Set<java.util.List<Integer>> draws = new java.util.HashSet<>();
    for (int i = 0; i < n; i++) {
      float centre = batch[i * shape.size() + 16 * 32 + 16];
      float right = batch[i * shape.size() + 16 * 32 + 17];
      // The centre pixel tells the offset within a flip; its right neighbour is one less when flipped.
      draws.add(java.util.List.of((int) centre, (int) (right - centre)));
      flipped += right < centre ? 1 : 0;
    }
    assertEquals(81 * 2, draws.size(), "9×9 offsets × 2 flips all drawn");
    assertTrue(flipped > n * 0.45 && flipped < n * 0.55, "flipped " + flipped + " of " + n);
  }
}
