package io.bitswitch.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.InvalidInputException;
import org.junit.jupiter.api.Test;

/** Per-channel statistics from the training split, and normalising each channel by its own. */
class NormalizationTest {
  private static final ImageShape SHAPE = new ImageShape(3, 2, 2);

  /** Two images; channel c's pixels are c·50 + (0..7)·10. */
  private static LabeledImages images() {
    byte[] pixels = new byte[2 * SHAPE.size()];
    for (int i = 0; i < 2; i++) {
      for (int c = 0; c < 3; c++) {
        for (int k = 0; k < 4; k++) {
          pixels[i * 12 + c * 4 + k] = (byte) (c * 50 + (i * 4 + k) * 10);
        }
      }
    }
    return new LabeledImages(SHAPE, pixels, new int[] {0, 1});
  }

  @Test
  void statisticsArePerChannel() {
    Normalization norm = PixelStatistics.of(images()).normalization("test");
    for (int c = 0; c < 3; c++) {
      double sum = 0;
      double squares = 0;
      for (int j = 0; j < 8; j++) {
        double x = (c * 50 + j * 10) / 255.0;
        sum += x;
        squares += x * x;
      }
      assertEquals(sum / 8, norm.mean(c), 1e-6);
      assertEquals(Math.sqrt(squares / 8 - (sum / 8) * (sum / 8)), norm.std(c), 1e-6);
    }
    assertTrue(norm.mean(2) > norm.mean(1) && norm.mean(1) > norm.mean(0));
  }

  @Test
  void shardsNormaliseEachChannelWithItsOwnValues() {
    Normalization norm = new Normalization(new float[] {0.1f, 0.2f, 0.3f}, new float[] {0.5f, 0.25f, 0.125f});
    LabeledImages images = images();
    Shard shard = SourceDataset.cut(0, images.pixels(), images.labels(), SHAPE, 2, 1, norm);
    for (int k = 0; k < 2 * SHAPE.size(); k++) {
      int c = (k % 12) / 4;
      assertEquals(norm.apply(c, images.pixels()[k] & 0xFF), shard.pixels()[k]);
    }
  }

  @Test
  void aSingleValueServesEveryChannelAndAMismatchIsRefused() {
    Normalization single = new Normalization(0.5f, 0.25f);
    float[][] tables = single.lookupTables(3);
    assertArrayEquals(tables[0], tables[2]);
    assertEquals(single.apply(200), tables[1][200]);
    Normalization two = new Normalization(new float[] {0.1f, 0.2f}, new float[] {1f, 1f});
    assertThrows(InvalidInputException.class, () -> two.lookupTables(3));
    assertEquals(two, new Normalization(new float[] {0.1f, 0.2f}, new float[] {1f, 1f}));
  }
}
