package io.bitswitch.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The rows of docs/RELIABILITY.md, recorded by the fault and bad-input tests as they run: one row
 * a case (what was done to the product, what it did, how the test checked it), appended to
 * {@code target/reliability/<TestClass>.tsv}. {@code experiments/reliability-table.py} renders the
 * document from these files.
 *
 * <p>Recording a case also checks that the committed document lists it, so the document cannot
 * fall behind the tests: a new case fails its test until the document is regenerated.
 */
public final class ReliabilityLog {
  /** Where the rows go, under the module's build directory. */
  public static final Path DIR = Path.of("target", "reliability");

  /** The document, relative to the repository root. */
  public static final String DOC = "docs/RELIABILITY.md";

  /**
   * System property that turns the check against the document off, for the run that regenerates
   * it (the check would fail a case the document does not list yet).
   */
  public static final String RECORD_ONLY = "bitswitch.reliability.record-only";

  /** What a missing case's failure tells the reader to do. */
  static final String REGENERATE = "regenerate it: run the recording tests with -P all -D" + RECORD_ONLY
      + "=true (see docs/RELIABILITY.md), then python3 experiments/reliability-table.py";

  /** Test classes whose file this JVM has started afresh. */
  private static final Set<String> STARTED = ConcurrentHashMap.newKeySet();

  private ReliabilityLog() {}

  /**
   * Records one case of {@code test} and checks that {@value #DOC} lists it.
   *
   * @param kase the case, short and unique within the test class (the document's key)
   * @param done what was done: the fault or bad input
   * @param product what the product did
   * @param checked how the test checked it
   * @throws AssertionError when the document does not list the case
   */
  public static void record(Class<?> test, String kase, String done, String product, String checked) {
    String source = test.getSimpleName();
    String row = String.join("\t", source, clean(kase), clean(done), clean(product), clean(checked)) + "\n";
    Path file = DIR.resolve(source + ".tsv");
    try {
      Files.createDirectories(DIR);
      if (STARTED.add(source)) {
        Files.writeString(file, "", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING);
      }
      synchronized (ReliabilityLog.class) {
        Files.writeString(file, row, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record a reliability case in " + file, e);
    }
    if (Boolean.getBoolean(RECORD_ONLY)) {
      return;
    }
    String doc = document().orElseThrow(() -> new AssertionError(DOC + " is missing; " + REGENERATE));
    if (!doc.contains(key(source, clean(kase)))) {
      throw new AssertionError(DOC + " does not list the case '" + kase + "' of " + source + "; " + REGENERATE);
    }
  }

  /** How the document's table row of a case starts: its first two cells. */
  static String key(String source, String kase) {
    return "| " + source + " | " + kase + " |";
  }

  /** The committed document, if the repository root is found. */
  static Optional<String> document() {
    Path module = Path.of(Optional.ofNullable(System.getProperty("basedir")).orElse("")).toAbsolutePath();
    for (Path dir = module; dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("docs")) && Files.isRegularFile(dir.resolve("conf/bitswitch.conf"))) {
        Path doc = dir.resolve(DOC);
        try {
          return Files.exists(doc) ? Optional.of(Files.readString(doc)) : Optional.empty();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return Optional.empty();
  }

  /** One line, no tabs, no table separators: a cell of both the TSV file and the markdown table. */
  private static String clean(String text) {
    return text.replaceAll("[\\t\\r\\n]+", " ").replace("|", "/").strip();
  }
}
