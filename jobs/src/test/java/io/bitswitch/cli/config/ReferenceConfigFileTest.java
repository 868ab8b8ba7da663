package io.bitswitch.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** conf/bitswitch.conf is the documented reference configuration, and the jar carries it unchanged. */
class ReferenceConfigFileTest {
  /** Surefire runs in the module directory; conf/ is beside it. */
  private static final Path SOURCE = Path.of("..", "conf", "bitswitch.conf");

  @Test
  void classpathCopyIsTheFileInConf() throws IOException {
    String source = Files.readString(SOURCE);
    try (InputStream in = BitswitchConfig.class.getClassLoader().getResourceAsStream(BitswitchConfig.REFERENCE_RESOURCE)) {
      assertEquals(source, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void everyKeyAndSectionHasADescriptionCommentAboveIt() {
    Config reference = ConfigFactory.parseFile(SOURCE.toFile());
    List<String> undocumented = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    collectUndocumented(reference.getObject(KnownKeys.ROOT), KnownKeys.ROOT, undocumented, seen);
    assertTrue(undocumented.isEmpty(), "keys without a description comment: " + undocumented);
    assertTrue(seen.containsAll(BitswitchConfig.defaults().knownKeys()), "every known key was visited");
  }

  private static void collectUndocumented(ConfigObject object, String prefix, List<String> undocumented, List<String> seen) {
    for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
      String path = prefix + "." + entry.getKey();
      ConfigValue value = entry.getValue();
      seen.add(path);
      boolean descend = value instanceof ConfigObject inner && !inner.isEmpty() && !path.equals(KnownKeys.MIN_ACCURACY);
      // Sections (bitswitch.train) and demo profiles (bitswitch.demo.quick) are documented too;
      // deeper objects are only the dotted paths of overrides (quick { data.max-train-examples = .. }).
      boolean needsComment = !descend || path.split("\\.").length <= 3;
      if (needsComment && value.origin().comments().stream().noneMatch(c -> !c.isBlank())) {
        undocumented.add(path);
      }
      if (descend) {
        collectUndocumented((ConfigObject) value, path, undocumented, seen);
      }
    }
  }
}
