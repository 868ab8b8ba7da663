package io.bitswitch.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The design documents live in the repository and everything cites them there: a person who
 * clones the project has every document its comments, configuration, manifests and scripts refer
 * to.
 *
 * <p>Checked over every text file of the repository (the files git tracks, plus new ones it does
 * not ignore; {@code .git}, {@code target/} and the raw outputs under {@code docs/results*} are
 * skipped): no line points to the {@code shared/} directory beside the repository or names the
 * design files that used to live there; {@code docs/design/method.md} and {@code docs/design/architecture.md}
 * exist; and every citation {@code method.md §n} or {@code architecture.md §n} (also
 * {@code §n–m}, {@code §n, §m}, {@code §8a}) names a section that the document has, as do the
 * bare {@code §n} of a design document, which refer to its own sections.
 */
class RepositoryDocsTest {
  /** The design documents, by the file name citations use. */
  static final Map<String, String> DOCUMENTS = Map.of(
      "method.md", "docs/design/method.md",
      "architecture.md", "docs/design/architecture.md");

  /**
   * References that must not appear: a path out of the repository, and the names of the design
   * files kept there before (upper case, followed by ".md" or by a section sign).
   */
  static final Pattern OUTSIDE = Pattern.compile("\\.\\./shared|(?:ALGORITHM|ARCHITECTURE)(?:\\.md| §)");

  /** A section number as a heading of a design document declares it: {@code ## 4. Title}, {@code ### 8a. Title}. */
  static final Pattern HEADING = Pattern.compile("^#{2,6}\\s+(\\d+[a-z]?)\\.\\s");

  /** One section reference: {@code §4}, {@code §8a}. */
  static final String SECTION = "§(\\d+[a-z]?)";

  /**
   * A citation of a design document and the sections it names: {@code method.md §1–3},
   * {@code `architecture.md` §4, §7}, {@code method.md §5 and §6}.
   */
  static final Pattern CITATION = Pattern.compile("(method|architecture)\\.md[`)]*\\s*" + SECTION
      + "((?:\\s*(?:,|–|-|and)\\s*§?\\d+[a-z]?)*)");

  private static Path root;
  /** Repository-relative path of every text file checked, to its lines. */
  private static Map<String, List<String>> files;

  @BeforeAll
  static void readRepository() throws IOException, InterruptedException {
    root = findRepositoryRoot();
    files = new LinkedHashMap<>();
    for (String path : textFileCandidates()) {
      if (path.startsWith("docs/results")) {
        continue;
      }
      Path file = root.resolve(path);
      if (!Files.isRegularFile(file)) {
        continue; // deleted in the working tree but still in the index
      }
      readText(file).ifPresent(text -> files.put(path, text.lines().toList()));
    }
    assertTrue(files.containsKey("README.md"), () -> "README.md not among the files read under " + root);
  }

  @Test
  void noLinePointsOutsideTheRepository() {
    List<String> found = new ArrayList<>();
    files.forEach((path, lines) -> {
      for (int i = 0; i < lines.size(); i++) {
        if (OUTSIDE.matcher(lines.get(i)).find()) {
          found.add(path + ":" + (i + 1) + ": " + lines.get(i).strip());
        }
      }
    });
    assertTrue(found.isEmpty(), () -> "references to documents outside the repository; cite docs/design/method.md §n "
        + "or docs/design/architecture.md §n instead:\n" + String.join("\n", found));
  }

  @Test
  void designDocumentsExist() {
    for (String doc : DOCUMENTS.values()) {
      assertTrue(files.containsKey(doc), () -> doc + " is missing under " + root);
    }
  }

  @Test
  void everyCitationNamesAnExistingSection() {
    Map<String, Set<String>> sections = new LinkedHashMap<>();
    DOCUMENTS.forEach((name, doc) -> sections.put(name, sectionsOf(files.getOrDefault(doc, List.of()))));
    List<String> wrong = new ArrayList<>();
    files.forEach((path, lines) -> {
      // Inside a design document, a bare § refers to that document's own sections.
      String self = DOCUMENTS.entrySet().stream().filter(e -> e.getValue().equals(path)).map(Map.Entry::getKey)
          .findFirst().orElse(null);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        String where = path + ":" + (i + 1) + ": ";
        StringBuilder rest = new StringBuilder(line);
        Matcher m = CITATION.matcher(line);
        while (m.find()) {
          String doc = m.group(1) + ".md";
          for (String section : sectionsNamed(m.group(2), m.group(3))) {
            if (!sections.get(doc).contains(section)) {
              wrong.add(where + doc + " has no section " + section + ": " + line.strip());
            }
          }
          for (int k = m.start(); k < m.end(); k++) {
            rest.setCharAt(k, ' ');
          }
        }
        if (self != null) {
          Matcher bare = Pattern.compile(SECTION).matcher(rest);
          while (bare.find()) {
            if (!sections.get(self).contains(bare.group(1))) {
              wrong.add(where + self + " has no section " + bare.group(1) + ": " + line.strip());
            }
          }
        }
      }
    });
    assertTrue(wrong.isEmpty(), () -> "citations of sections that do not exist (sections: " + sections + "):\n"
        + String.join("\n", wrong));
  }

  /** The section numbers a design document's headings declare. */
  static Set<String> sectionsOf(List<String> lines) {
    Set<String> ids = new LinkedHashSet<>();
    for (String line : lines) {
      Matcher m = HEADING.matcher(line);
      if (m.find()) {
        ids.add(m.group(1));
      }
    }
    return ids;
  }

  /**
   * The sections a citation names: its first section and the list that follows it, with a range
   * {@code n–m} standing for every section from n to m.
   */
  static List<String> sectionsNamed(String first, String following) {
    List<String> named = new ArrayList<>(List.of(first));
    Matcher m = Pattern.compile("(,|–|-|and)\\s*§?(\\d+[a-z]?)").matcher(following);
    while (m.find()) {
      String previous = named.get(named.size() - 1);
      String next = m.group(2);
      boolean range = !m.group(1).equals(",") && !m.group(1).equals("and");
      if (range && previous.matches("\\d+") && next.matches("\\d+")) {
        for (int n = Integer.parseInt(previous) + 1; n < Integer.parseInt(next); n++) {
          named.add(Integer.toString(n));
        }
      }
      named.add(next);
    }
    return named;
  }

  /**
   * Repository-relative paths of the files to check: what git tracks plus the new files it does
   * not ignore; without git (an exported source tree), every file outside {@code .git},
   * {@code target/} and {@code runs/}.
   */
  private static List<String> textFileCandidates() throws IOException, InterruptedException {
    try {
      Process git = new ProcessBuilder("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
          .directory(root.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      byte[] out;
      try (InputStream in = git.getInputStream()) {
        out = in.readAllBytes();
      }
      if (git.waitFor(60, TimeUnit.SECONDS) && git.exitValue() == 0) {
        return Stream.of(new String(out, StandardCharsets.UTF_8).split("\0")).filter(p -> !p.isEmpty()).distinct()
            .toList();
      }
    } catch (IOException noGit) {
      // fall through to walking the tree
    }
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/'))
          .filter(p -> Stream.of(p.split("/")).noneMatch(part -> part.equals(".git") || part.equals("target")
              || part.equals("runs")))
          .toList();
    }
  }

  /** The file's text, or empty when it is binary (a NUL byte, or not valid UTF-8). */
  private static Optional<String> readText(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    for (byte b : bytes) {
      if (b == 0) {
        return Optional.empty();
      }
    }
    try {
      return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
    } catch (CharacterCodingException binary) {
      return Optional.empty();
    }
  }

  /** The directory with {@code k8s/} and {@code conf/bitswitch.conf} at or above the jobs module. */
  private static Path findRepositoryRoot() {
    Path module = Path.of(Optional.ofNullable(System.getProperty("basedir")).orElse("")).toAbsolutePath();
    for (Path dir = module; dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("k8s")) && Files.isRegularFile(dir.resolve("conf/bitswitch.conf"))) {
        return dir;
      }
    }
    throw new AssertionError("no k8s/ and conf/bitswitch.conf at or above " + module);
  }
}
