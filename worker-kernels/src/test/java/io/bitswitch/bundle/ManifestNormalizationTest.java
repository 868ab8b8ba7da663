package io.bitswitch.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-channel normalisation in the manifest; single-value manifests read and write as before. */
class ManifestNormalizationTest {

  private static Manifest.Builder base() {
    return Manifest.builder().architecture("resnet20").inputShape(new int[] {3, 32, 32}).numClasses(10)
        .bits(List.of(8, 4)).h(8);
  }

  @Test
  void perChannelValuesRoundTrip() {
    Manifest.Normalization norm = new Manifest.Normalization(0.49f, 0.25f, List.of(0.49f, 0.48f, 0.45f),
        List.of(0.25f, 0.24f, 0.26f));
    Manifest m = base().normalization(norm).build();
    String json = new String(m.toJson(), StandardCharsets.UTF_8);
    assertTrue(json.contains("\"channel_means\"") && json.contains("\"channel_stds\""), json);
    assertEquals(norm, Manifest.fromJson(m.toJson()).normalization());
  }

  @Test
  void aSingleValueIsWrittenAndReadAsBefore() {
    Manifest m = base().normalization(new Manifest.Normalization(0.286f, 0.353f)).build();
    String json = new String(m.toJson(), StandardCharsets.UTF_8);
    assertFalse(json.contains("channel_"), json);
    Manifest.Normalization read = Manifest.fromJson(m.toJson()).normalization();
    assertEquals(0.286f, read.mean());
    assertNull(read.channelMeans());
  }
}
