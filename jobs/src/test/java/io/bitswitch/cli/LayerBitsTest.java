package io.bitswitch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitswitch.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerBitsTest {
  @TempDir Path dir;

  private Path write(String json) throws IOException {
    Path file = dir.resolve("layers.json");
    Files.writeString(file, json);
    return file;
  }

  private String refused(String json) throws IOException {
    Path file = write(json);
    return assertThrows(InvalidInputException.class, () -> LayerBits.read(file)).getMessage();
  }

  @Test
  void readsLayerNamesIncludingDots() throws IOException {
    assertEquals(Map.of("conv2", 4, "block1.conv", 8, "dense1", 2),
        LayerBits.read(write("{\"conv2\": 4, \"block1.conv\": 8, \"dense1\": 2}")));
  }

  @Test
  void refusesWhatIsNotALayerToBitWidthObject() throws IOException {
    assertTrue(refused("{\"conv2\": 4.5}").contains("layer 'conv2'"));
    assertTrue(refused("{\"conv2\": \"4\"}").contains("has bit-width \"4\""));
    assertTrue(refused("{\"conv2\": 1}").contains("allowed are integers 2..8"));
    assertTrue(refused("{}").contains("names no layer"));
    assertTrue(refused("[4, 4]").contains("is not a JSON object"));
    assertTrue(assertThrows(InvalidInputException.class, () -> LayerBits.read(dir.resolve("none.json")))
        .getMessage().contains("does not exist"));
  }
}
