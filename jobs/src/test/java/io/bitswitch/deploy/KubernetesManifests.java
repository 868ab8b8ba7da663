package io.bitswitch.deploy;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.nd4j.shade.yaml.snakeyaml.DumperOptions;
import org.nd4j.shade.yaml.snakeyaml.LoaderOptions;
import org.nd4j.shade.yaml.snakeyaml.Yaml;
import org.nd4j.shade.yaml.snakeyaml.constructor.SafeConstructor;
import org.nd4j.shade.yaml.snakeyaml.representer.Representer;

/**
 * The YAML documents of {@code k8s/}, parsed with the SnakeYAML that ND4J ships (relocated under
 * {@code org.nd4j.shade}, already on the classpath through DL4J: no YAML library is added), and
 * small accessors for the tests of the deployment (docs/design/architecture.md §8).
 */
final class KubernetesManifests {
  /** One YAML document of a file in k8s/. */
  record Manifest(String file, Map<String, Object> body) {
    String kind() {
      return (String) body.get("kind");
    }

    String name() {
      return path(body, "metadata", "name") instanceof String s ? s : "";
    }

    @Override
    public String toString() {
      return file + ": " + kind() + "/" + name();
    }
  }

  private KubernetesManifests() {}

  /** The repository root: the first directory above the module that has k8s/ and conf/bitswitch.conf. */
  static Path repositoryRoot() {
    Path module = Path.of(Optional.ofNullable(System.getProperty("basedir")).orElse("")).toAbsolutePath();
    for (Path dir = module; dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("k8s")) && Files.isRegularFile(dir.resolve("conf/bitswitch.conf"))) {
        return dir;
      }
    }
    throw new AssertionError("no k8s/ and conf/bitswitch.conf above " + module);
  }

  /** Every document of every *.yaml file directly in k8s/, in file order. */
  static List<Manifest> load() {
    Path k8s = repositoryRoot().resolve("k8s");
    List<Manifest> manifests = new ArrayList<>();
    try (Stream<Path> files = Files.list(k8s)) {
      for (Path file : files.sorted().toList()) {
        String name = file.getFileName().toString();
        if (!name.endsWith(".yaml")) {
          continue;
        }
        for (Object document : yaml().loadAll(Files.readString(file, StandardCharsets.UTF_8))) {
          assertNotNull(document, () -> "k8s/" + name + " has an empty YAML document");
          manifests.add(new Manifest("k8s/" + name, map(document, "k8s/" + name)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return manifests;
  }

  /** The one manifest of {@code kind} in {@code file}. */
  static Manifest single(List<Manifest> manifests, String file, String kind) {
    List<Manifest> found = manifests.stream().filter(m -> m.file().equals(file) && kind.equals(m.kind())).toList();
    if (found.size() != 1) {
      throw new AssertionError("one " + kind + " in " + file + ", found " + found);
    }
    return found.get(0);
  }

  /** A YAML loader that refuses duplicate keys (the last one would silently win). */
  static Yaml yaml() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    DumperOptions dump = new DumperOptions();
    dump.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    dump.setWidth(1 << 16);
    return new Yaml(new SafeConstructor(options), new Representer(dump), dump, options);
  }

  /** The value at {@code keys} below {@code node}, or null where a key is missing. */
  static Object path(Object node, String... keys) {
    Object current = node;
    for (String key : keys) {
      if (!(current instanceof Map<?, ?> m)) {
        return null;
      }
      current = m.get(key);
    }
    return current;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object node, String what) {
    assertInstanceOf(Map.class, node, () -> what + " is a mapping");
    return (Map<String, Object>) node;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object node, String what) {
    assertInstanceOf(List.class, node, () -> what + " is a list");
    return (List<Object>) node;
  }

  /** The mappings of a list, e.g. the containers of a pod. */
  static List<Map<String, Object>> maps(Object node, String what) {
    return list(node, what).stream().map(o -> map(o, what + " item")).toList();
  }
}
