package io.bitswitch.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.bitswitch.data.FashionMnistFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Debian packages that some tests need, which {@code bin/test} installs, and the check such a
 * test makes before it uses one. A missing package fails the test with one line that names it,
 * where it was looked for, and the command that installs it, instead of a stack trace from deep
 * inside the code under test.
 *
 * <p>The driver module's test sources hold the same class: test code is not shared across modules.
 */
public final class RequiredPackages {
  /** What a missing package's failure message tells the reader to do. */
  public static final String REMEDY = "run bin/test (installs the Debian packages the suite needs)";

  /** Per package, the file or directory whose presence shows that it is installed. */
  private static final Map<String, Path> INSTALLS = new LinkedHashMap<>();

  static {
    INSTALLS.put("dataset-fashion-mnist", Path.of(FashionMnistFiles.DEFAULT_DIR));
    INSTALLS.put("prometheus", Path.of("/usr/bin/prometheus"));
    INSTALLS.put("prometheus-pushgateway", Path.of("/usr/bin/prometheus-pushgateway"));
    INSTALLS.put("chromium", Path.of("/usr/bin/chromium"));
    INSTALLS.put("jupyter-nbconvert", Path.of("/usr/bin/jupyter-nbconvert"));
    INSTALLS.put("python3-ipykernel", Path.of("/usr/lib/python3/dist-packages/ipykernel"));
    INSTALLS.put("python3-pandas", Path.of("/usr/lib/python3/dist-packages/pandas"));
    INSTALLS.put("python3-matplotlib", Path.of("/usr/lib/python3/dist-packages/matplotlib"));
    INSTALLS.put("python3-torch", Path.of("/usr/lib/python3/dist-packages/torch"));
  }

  private RequiredPackages() {}

  /** Where a test finds what {@code debianPackage} installs (a program, a directory). */
  public static Path path(String debianPackage) {
    Path path = INSTALLS.get(debianPackage);
    if (path == null) {
      throw new IllegalArgumentException("unknown package " + debianPackage + "; known: " + INSTALLS.keySet());
    }
    return path;
  }

  /**
   * Fails the calling test, with one line naming every missing one, unless all of
   * {@code debianPackages} are installed.
   */
  public static void require(String... debianPackages) {
    List<String> missing = new ArrayList<>();
    for (String p : debianPackages) {
      if (!Files.exists(path(p))) {
        missing.add(notFound(p, path(p)));
      }
    }
    if (!missing.isEmpty()) {
      fail(String.join(", ", missing) + "; " + REMEDY);
    }
  }

  /** {@code "<package> not found at <path>"}. */
  public static String notFound(String debianPackage, Path path) {
    return debianPackage + " not found at " + path;
  }
}
