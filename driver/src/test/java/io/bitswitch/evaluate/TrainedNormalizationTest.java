package io.bitswitch.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.bitswitch.bundle.Manifest;
import io.bitswitch.data.Normalization;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which manifests carry the statistics a bundle runs with; ColourDataCommandsTest runs it end to end. */
class TrainedNormalizationTest {
  @Test
  void perChannelStatisticsAreTheBundles() {
    Manifest.Normalization n = new Manifest.Normalization(0.1f, 0.2f, List.of(0.1f, 0.3f, 0.5f),
        List.of(0.2f, 0.4f, 0.6f));
    assertEquals(new Normalization(new float[] {0.1f, 0.3f, 0.5f}, new float[] {0.2f, 0.4f, 0.6f}),
        TrainedNormalization.recorded(n));
  }

  @Test
  void aSingleMeanAndStdAreTheBundlesToo() {
    assertEquals(new Normalization(0.28f, 0.35f), TrainedNormalization.recorded(new Manifest.Normalization(0.28f, 0.35f)));
    assertNull(TrainedNormalization.recorded(null));
  }
}
