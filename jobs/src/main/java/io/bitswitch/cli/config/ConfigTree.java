package io.bitswitch.cli.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/** Walks a configuration tree leaf by leaf (nulls included, unlike {@code Config.entrySet()}). */
final class ConfigTree {
  private ConfigTree() {}

  /**
   * Calls {@code visitor} with the dotted path and value of every leaf under {@code object}. An
   * object whose path satisfies {@code opaque} (a free-form map such as
   * {@code bitswitch.gates.min-accuracy}) counts as one leaf; an empty non-opaque object has none.
   */
  static void forEachLeaf(ConfigObject object, String prefix, Predicate<String> opaque,
      BiConsumer<String, ConfigValue> visitor) {
    for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
      String path = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
      ConfigValue value = entry.getValue();
      // instanceof rather than valueType(): an unresolved substitution has no type yet.
      if (value instanceof ConfigObject inner && !opaque.test(path)) {
        forEachLeaf(inner, path, opaque, visitor);
      } else {
        visitor.accept(path, value);
      }
    }
  }

  /** Levenshtein edit distance, for "did you mean" suggestions. */
  static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
