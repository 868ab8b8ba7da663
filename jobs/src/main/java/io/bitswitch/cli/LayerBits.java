package io.bitswitch.cli;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.bitswitch.InvalidInputException;
import io.bitswitch.quant.BitWidthSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A per-layer bit-width configuration file ({@code --layer-bits FILE}): a JSON object from layer
 * name to bit-width, e.g. {@code {"conv2": 4, "conv3": 6, "dense1": 2}}, as {@code search} writes
 * them. Whether the names match a bundle's quantized layers is checked by the bundle.
 */
public final class LayerBits {
  private LayerBits() {}

  /**
   * Reads and checks a layer-bits file.
   *
   * @return layer name to bit-width (2..8), sorted by name, unmodifiable
   * @throws InvalidInputException when the file is missing, is not a JSON object, is empty, or a
   *     value is not a bit-width
   */
  public static Map<String, Integer> read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException("layer bit-width file " + file + " does not exist or is not a regular file");
    }
    ConfigObject root;
    try {
      root = ConfigFactory.parseFile(file.toFile(),
          ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON).setAllowMissing(false)).root();
    } catch (ConfigException e) {
      throw new InvalidInputException("layer bit-width file " + file + " is not a JSON object of layer name to "
          + "bit-width: " + e.getMessage());
    }
    if (root.isEmpty()) {
      throw new InvalidInputException("layer bit-width file " + file + " names no layer");
    }
    Map<String, Integer> bits = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> entry : root.entrySet()) {
      ConfigValue value = entry.getValue();
      Object raw = value.unwrapped();
      boolean integer = value.valueType() == ConfigValueType.NUMBER
          && (raw instanceof Integer || raw instanceof Long);
      int b = integer ? ((Number) raw).intValue() : -1;
      if (!integer || b < BitWidthSet.MIN_BITS || b > BitWidthSet.MAX_BITS) {
        throw new InvalidInputException("layer '" + entry.getKey() + "' in " + file + " has bit-width "
            + value.render() + "; allowed are integers " + BitWidthSet.MIN_BITS + ".." + BitWidthSet.MAX_BITS);
      }
      bits.put(entry.getKey(), b);
    }
    return Collections.unmodifiableMap(bits);
  }
}
