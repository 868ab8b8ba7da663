package io.bitswitch.cli.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import io.bitswitch.CorruptDataException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The settings that differ between two effective configurations as {@link BitswitchConfig#toHocon()}
 * renders them: what a resumed or retried run checks against the configuration its run recorded
 * when training started (docs/design/architecture.md §5, "Training state").
 */
public final class ConfigChanges {
  private ConfigChanges() {}

  /**
   * One changed setting.
   *
   * @param key the full key, e.g. {@code bitswitch.train.lr}
   * @param before its recorded value, or null when the recorded configuration lacks it
   * @param after its current value, or null when the current configuration lacks it
   */
  public record Change(String key, String before, String after) {
    @Override
    public String toString() {
      return key + " " + (before == null ? "(unset)" : before) + " -> " + (after == null ? "(unset)" : after);
    }
  }

  /**
   * The keys whose values differ between {@code recordedHocon} and {@code currentHocon}, sorted,
   * leaving out those {@code ignored} accepts.
   *
   * @throws CorruptDataException when {@code recordedHocon} is not HOCON
   */
  public static List<Change> between(String recordedHocon, String currentHocon, Predicate<String> ignored) {
    Map<String, String> before;
    try {
      before = leaves(ConfigFactory.parseString(recordedHocon));
    } catch (ConfigException e) {
      throw new CorruptDataException("the recorded configuration is not HOCON: " + e.getMessage());
    }
    Map<String, String> after = leaves(ConfigFactory.parseString(currentHocon));
    TreeSet<String> keys = new TreeSet<>(before.keySet());
    keys.addAll(after.keySet());
    List<Change> changes = new ArrayList<>();
    for (String key : keys) {
      if (!ignored.test(key) && !Objects.equals(before.get(key), after.get(key))) {
        changes.add(new Change(key, before.get(key), after.get(key)));
      }
    }
    return changes;
  }

  /** Every leaf of {@code config} by its path, with its value rendered as compact HOCON. */
  private static Map<String, String> leaves(Config config) {
    Map<String, String> leaves = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : config.entrySet()) {
      leaves.put(e.getKey(), e.getValue().render(ConfigRenderOptions.concise()));
    }
    return leaves;
  }
}
