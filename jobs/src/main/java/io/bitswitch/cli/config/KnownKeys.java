package io.bitswitch.cli.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import io.bitswitch.InvalidInputException;
import java.util.Comparator;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The keys of the reference configuration, and the check that a user's configuration uses only
 * those. Two kinds of object are opaque (one leaf each, their insides checked separately):
 * {@value #MIN_ACCURACY}, a map keyed by bit-width, and the demo profiles
 * {@code bitswitch.demo.<profile>}, which hold overrides of ordinary keys written relative to
 * {@value #ROOT}.
 */
final class KnownKeys {
  static final String ROOT = "bitswitch";
  static final String MIN_ACCURACY = "bitswitch.gates.min-accuracy";
  static final String DEMO = "bitswitch.demo";

  private final SortedSet<String> leaves = new TreeSet<>();

  KnownKeys(ConfigObject referenceRoot) {
    ConfigTree.forEachLeaf(referenceRoot, "", KnownKeys::isOpaque, (path, value) -> leaves.add(path));
  }

  /** Every known key, sorted. */
  SortedSet<String> leaves() {
    return leaves;
  }

  static boolean isOpaque(String path) {
    return path.equals(MIN_ACCURACY) || profileOf(path) != null;
  }

  /** The demo profile whose override block is at {@code path}, or null. */
  static DemoProfile profileOf(String path) {
    for (DemoProfile profile : DemoProfile.values()) {
      if (path.equals(DEMO + "." + profile.configName())) {
        return profile;
      }
    }
    return null;
  }

  /**
   * Refuses any key in {@code userRoot} that the reference configuration does not have.
   *
   * @param source names where a value came from, for the message (file and line, or the --set)
   */
  void check(ConfigObject userRoot, Function<ConfigValue, String> source) {
    ConfigTree.forEachLeaf(userRoot, "", KnownKeys::isOpaque, (path, value) -> {
      checkKey(path, path, value, source);
      DemoProfile profile = profileOf(path);
      if (profile != null) {
        checkProfileBlock(path, value, source);
      }
    });
  }

  private void checkProfileBlock(String blockPath, ConfigValue block, Function<ConfigValue, String> source) {
    if (!(block instanceof ConfigObject)) {
      throw new InvalidInputException(blockPath + " must be an object of overrides such as { train.epochs = 1 }, got '"
          + OptionReader.show(block) + "' (" + source.apply(block) + ")");
    }
    ConfigTree.forEachLeaf((ConfigObject) block, ROOT, KnownKeys::isOpaque, (path, value) -> {
      String shown = blockPath + path.substring(ROOT.length());
      if (path.startsWith(DEMO + ".") || path.equals(DEMO)) {
        throw new InvalidInputException("key '" + shown + "' (" + source.apply(value)
            + ") is not allowed: a demo profile cannot override " + DEMO + " keys");
      }
      checkKey(path, shown, value, source);
    });
  }

  private void checkKey(String path, String shown, ConfigValue value, Function<ConfigValue, String> source) {
    if (leaves.contains(path)) {
      return;
    }
    List<String> sectionKeys = leaves.stream().filter(k -> k.startsWith(path + ".")).toList();
    if (!sectionKeys.isEmpty()) {
      throw new InvalidInputException("'" + shown + "' (" + source.apply(value)
          + ") is a section, not a value; set one of its keys: " + String.join(", ", sectionKeys));
    }
    throw new InvalidInputException("unknown key '" + shown + "' (" + source.apply(value) + "); "
        + suggestion(path));
  }

  /** "did you mean ...": the same key under the root, else keys with the same last name, else the closest. */
  String suggestion(String path) {
    String rooted = ROOT + "." + path;
    if (leaves.contains(rooted)) {
      return "did you mean '" + rooted + "'? (in a file, keys live inside " + ROOT + " { ... })";
    }
    String name = path.substring(path.lastIndexOf('.') + 1);
    Comparator<String> byDistance = Comparator.comparingInt((String k) -> ConfigTree.editDistance(path, k))
        .thenComparing(Comparator.naturalOrder());
    List<String> sameName = leaves.stream()
        .filter(k -> k.substring(k.lastIndexOf('.') + 1).equals(name))
        .sorted(byDistance)
        .toList();
    if (sameName.size() == 1) {
      return "did you mean '" + sameName.get(0) + "'?";
    }
    if (!sameName.isEmpty()) {
      return "did you mean one of " + sameName.stream().map(k -> "'" + k + "'").collect(Collectors.joining(", ")) + "?";
    }
    String closest = leaves.stream().min(byDistance).orElseThrow();
    return "did you mean '" + closest + "'?";
  }
}
