package io.bitswitch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The bitswitch version of this build: the Maven project version, written into
 * {@code io/bitswitch/build.properties} by resource filtering. It names the producer of every
 * bundle ({@code manifest.json}'s {@code producer}, docs/design/architecture.md §5), the ONNX
 * exports and {@code bitswitch --version}.
 */
public final class BuildVersion {
  private static final String VERSION = load();

  private BuildVersion() {}

  /** The project version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String version() {
    return VERSION;
  }

  /** The producer string bundles record: {@code "bitswitch <version>"}. */
  public static String producer() {
    return "bitswitch " + VERSION;
  }

  private static String load() {
    Properties properties = new Properties();
    try (InputStream in = BuildVersion.class.getResourceAsStream("build.properties")) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read io/bitswitch/build.properties", e);
    }
    String version = properties.getProperty("version");
    // An unfiltered copy (a build that skipped resource processing) holds the placeholder itself.
    if (version == null || version.contains("${")) {
      String fromJar = BuildVersion.class.getPackage().getImplementationVersion();
      return fromJar != null ? fromJar : "(unknown version)";
    }
    return version;
  }
}
