package io.bitswitch.cli.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.bitswitch.InvalidInputException;

/**
 * One {@code --set key=value}. The key may be written with or without the {@code bitswitch.}
 * prefix. The value is parsed as a HOCON value ({@code [4]}, {@code false}, {@code 5e-4},
 * {@code {"8" = 0.9}}); when that yields a plain string, or does not parse, the text is taken
 * verbatim, so values such as {@code host:9091} or {@code s3a://bucket/runs} need no quoting.
 *
 * @param key the full key, starting with {@code bitswitch}
 * @param value the parsed value
 * @param text the assignment as the user wrote it, for messages
 */
record SetOverride(String key, ConfigValue value, String text) {

  /** Parses {@code key=value}. */
  static SetOverride parse(String assignment) {
    int eq = assignment.indexOf('=');
    if (eq <= 0) {
      throw new InvalidInputException("--set expects key=value, got '" + assignment + "'");
    }
    String rawKey = assignment.substring(0, eq).trim();
    String key = rawKey.equals(KnownKeys.ROOT) || rawKey.startsWith(KnownKeys.ROOT + ".")
        ? rawKey : KnownKeys.ROOT + "." + rawKey;
    try {
      ConfigUtil.splitPath(key);
    } catch (ConfigException e) {
      throw new InvalidInputException("--set " + assignment + ": '" + rawKey + "' is not a key path such as train.epochs");
    }
    String valueText = assignment.substring(eq + 1).trim();
    return new SetOverride(key, parseValue(valueText, "--set " + assignment), assignment);
  }

  private static ConfigValue parseValue(String text, String origin) {
    ConfigValue parsed = null;
    boolean plainString = true;
    if (!text.isEmpty()) {
      try {
        Config holder = ConfigFactory.parseString("v = " + text,
            ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setOriginDescription(origin));
        parsed = holder.root().get("v");
        plainString = parsed.valueType() == ConfigValueType.STRING && !text.startsWith("\"");
      } catch (ConfigException.NotResolved e) {
        // A substitution such as ${bitswitch.pretrain.lr}: resolved with the whole configuration.
        plainString = false;
      } catch (ConfigException e) {
        parsed = null;
      }
    }
    if (parsed == null || plainString) {
      return ConfigValueFactory.fromAnyRef(text, origin);
    }
    return parsed;
  }

  /** This override as a configuration with one value. */
  Config asConfig() {
    return ConfigFactory.empty().withValue(key, value);
  }
}
