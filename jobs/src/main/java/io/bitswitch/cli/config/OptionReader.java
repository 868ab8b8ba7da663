package io.bitswitch.cli.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.bitswitch.InvalidInputException;
import io.bitswitch.quant.BitWidthSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Typed, validated reads from a resolved configuration. Every failure is an
 * {@link InvalidInputException} that names the key, what it must be, and what it was. Typesafe
 * Config's own getters are not used for numbers because they silently truncate {@code 2.5} to an
 * integer.
 */
final class OptionReader {
  private final Config config;
  private final Function<String, String> display;

  /**
   * @param display maps a key to the name shown in messages (a demo profile's override is shown
   *     under its block, e.g. {@code bitswitch.demo.quick.train.epochs})
   */
  OptionReader(Config config, Function<String, String> display) {
    this.config = config;
    this.display = display;
  }

  /** A value as the user would write it: strings bare, everything else as concise HOCON. */
  static String show(ConfigValue value) {
    if (value == null) {
      return "null";
    }
    try {
      if (value.valueType() == ConfigValueType.STRING) {
        return (String) value.unwrapped();
      }
    } catch (ConfigException.NotResolved e) {
      // An unresolved substitution: shown as written.
    }
    return value.render(ConfigRenderOptions.concise());
  }

  private ConfigValue value(String key) {
    return config.getIsNull(key) ? null : config.getValue(key);
  }

  private InvalidInputException invalid(String key, String mustBe, ConfigValue got) {
    return new InvalidInputException(display.apply(key) + " must be " + mustBe + ", got '" + show(got) + "'");
  }

  /** An integer-valued number, or null when the value is not one. */
  private static Long integral(ConfigValue value) {
    if (value == null) {
      return null;
    }
    if (value.valueType() == ConfigValueType.NUMBER) {
      Number n = (Number) value.unwrapped();
      if (n instanceof Integer || n instanceof Long) {
        return n.longValue();
      }
      double d = n.doubleValue();
      return Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 0x1p63 ? (long) d : null;
    }
    if (value.valueType() == ConfigValueType.STRING) {
      try {
        return Long.parseLong(((String) value.unwrapped()).trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  /** A finite number, or null when the value is not one. */
  private static Double number(ConfigValue value) {
    if (value == null) {
      return null;
    }
    double d;
    if (value.valueType() == ConfigValueType.NUMBER) {
      d = ((Number) value.unwrapped()).doubleValue();
    } else if (value.valueType() == ConfigValueType.STRING) {
      try {
        d = Double.parseDouble(((String) value.unwrapped()).trim());
      } catch (NumberFormatException e) {
        return null;
      }
    } else {
      return null;
    }
    return Double.isFinite(d) ? d : null;
  }

  long anyLong(String key) {
    Long v = integral(value(key));
    if (v == null) {
      throw invalid(key, "an integer", value(key));
    }
    return v;
  }

  int intInRange(String key, int min, int max, String mustBe) {
    Long v = integral(value(key));
    if (v == null || v < min || v > max) {
      throw invalid(key, mustBe, value(key));
    }
    return v.intValue();
  }

  int positiveInt(String key) {
    return intInRange(key, 1, Integer.MAX_VALUE, "a positive integer");
  }

  int nonNegativeInt(String key) {
    return intInRange(key, 0, Integer.MAX_VALUE, "an integer >= 0");
  }

  double positiveDouble(String key) {
    Double v = number(value(key));
    if (v == null || v <= 0) {
      throw invalid(key, "a number > 0", value(key));
    }
    return v;
  }

  double nonNegativeDouble(String key) {
    Double v = number(value(key));
    if (v == null || v < 0) {
      throw invalid(key, "a number >= 0", value(key));
    }
    return v;
  }

  /** A number in (0, 1]. */
  double openUnitRatio(String key) {
    Double v = number(value(key));
    if (v == null || v <= 0 || v > 1) {
      throw invalid(key, "a number in (0, 1]", value(key));
    }
    return v;
  }

  /** A number in [0, 1]. */
  double closedUnitRatio(String key) {
    Double v = number(value(key));
    if (v == null || v < 0 || v > 1) {
      throw invalid(key, "a number in [0, 1]", value(key));
    }
    return v;
  }

  boolean bool(String key) {
    ConfigValue v = value(key);
    if (v != null && v.valueType() == ConfigValueType.BOOLEAN) {
      return (Boolean) v.unwrapped();
    }
    if (v != null && v.valueType() == ConfigValueType.STRING) {
      String s = ((String) v.unwrapped()).trim();
      if (s.equals("true") || s.equals("false")) {
        return Boolean.parseBoolean(s);
      }
    }
    throw invalid(key, "true or false", v);
  }

  String string(String key) {
    ConfigValue v = value(key);
    if (v == null || v.valueType() != ConfigValueType.STRING) {
      throw invalid(key, "a string", v);
    }
    return (String) v.unwrapped();
  }

  <E extends Enum<E> & ConfigEnum> E enumValue(String key, Class<E> type) {
    ConfigValue v = value(key);
    if (v != null && v.valueType() == ConfigValueType.STRING) {
      String s = ((String) v.unwrapped()).trim();
      for (E constant : type.getEnumConstants()) {
        if (constant.configName().equals(s)) {
          return constant;
        }
      }
    }
    String allowed = Arrays.stream(type.getEnumConstants()).map(ConfigEnum::configName).collect(Collectors.joining(", "));
    throw invalid(key, "one of " + allowed, v);
  }

  /**
   * A bit-width set: a list of integers ({@code [8, 6, 4, 2]}) or the same as a string
   * ({@code "8,6,4,2"}), checked by {@link BitWidthSet#parse}.
   */
  BitWidthSet bits(String key) {
    ConfigValue v = value(key);
    String text;
    if (v != null && v.valueType() == ConfigValueType.LIST) {
      List<String> elements = new ArrayList<>();
      for (ConfigValue element : (ConfigList) v) {
        Long asInteger = element.valueType() == ConfigValueType.NUMBER ? integral(element) : null;
        elements.add(asInteger != null ? asInteger.toString() : show(element));
      }
      text = "[" + String.join(",", elements) + "]";
    } else if (v != null && v.valueType() == ConfigValueType.STRING) {
      text = (String) v.unwrapped();
    } else {
      throw invalid(key, "a list of bit-widths such as [8, 6, 4, 2]", v);
    }
    try {
      return BitWidthSet.parse(text);
    } catch (InvalidInputException e) {
      throw new InvalidInputException(display.apply(key) + " is invalid: " + e.getMessage());
    }
  }

  /** A non-empty list of positive numbers. */
  List<Double> positiveNumbers(String key) {
    ConfigValue v = value(key);
    String mustBe = "a non-empty list of numbers > 0";
    if (v == null || v.valueType() != ConfigValueType.LIST || ((ConfigList) v).isEmpty()) {
      throw invalid(key, mustBe, v);
    }
    List<Double> numbers = new ArrayList<>();
    for (ConfigValue element : (ConfigList) v) {
      Double d = number(element);
      if (d == null || d <= 0) {
        throw invalid(key, mustBe, v);
      }
      numbers.add(d);
    }
    return numbers;
  }

  /**
   * A map from bit-width (2..8, or 32 for FP32; written as a string key) to a ratio in [0, 1], such
   * as {@code { "8" = 0.85 }}.
   */
  SortedMap<Integer, Double> accuracyByBits(String key) {
    ConfigValue v = value(key);
    if (v == null || v.valueType() != ConfigValueType.OBJECT) {
      throw invalid(key, "an object mapping bit-widths to accuracies, e.g. { \"8\" = 0.85 }", v);
    }
    SortedMap<Integer, Double> map = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> entry : ((ConfigObject) v).entrySet()) {
      String shownKey = display.apply(key) + ".\"" + entry.getKey() + "\"";
      int bits;
      try {
        bits = Integer.parseInt(entry.getKey().trim());
      } catch (NumberFormatException e) {
        bits = -1;
      }
      if (bits != 32 && (bits < BitWidthSet.MIN_BITS || bits > BitWidthSet.MAX_BITS)) {
        throw new InvalidInputException(display.apply(key) + " has key '" + entry.getKey()
            + "': keys are bit-widths " + BitWidthSet.MIN_BITS + ".." + BitWidthSet.MAX_BITS + " or 32");
      }
      Double ratio = number(entry.getValue());
      if (ratio == null || ratio < 0 || ratio > 1) {
        throw new InvalidInputException(shownKey + " must be an accuracy ratio in [0, 1], got '"
            + show(entry.getValue()) + "'");
      }
      map.put(bits, ratio);
    }
    return map;
  }
}
