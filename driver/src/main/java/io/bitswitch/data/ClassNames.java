package io.bitswitch.data;

import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A dataset's class names: {@code <dir>/classes.txt}, UTF-8, one name per line, line {@code k}
 * (0-based) naming label {@code k}, without leading or trailing blanks (docs/design/architecture.md,
 * the dataset layout). Optional: a
 * dataset without it has unnamed classes.
 */
public final class ClassNames {
  /** The file's name inside the dataset directory. */
  public static final String FILE = "classes.txt";

  private ClassNames() {}

  /**
   * Writes {@code names} into {@code dir}; nothing when there are none.
   *
   * @throws InvalidInputException when a name is blank or holds a line break
   */
  static void write(FileSystem fs, Path dir, List<String> names) {
    if (names.isEmpty()) {
      return;
    }
    StringBuilder text = new StringBuilder();
    for (String n : names) {
      if (n.isBlank() || !n.equals(n.strip()) || n.indexOf('\n') >= 0 || n.indexOf('\r') >= 0) {
        throw new InvalidInputException("class name '" + n + "' is blank, starts or ends with a blank, or holds"
            + " a line break");
      }
      text.append(n).append('\n');
    }
    Path file = new Path(dir, FILE);
    try (OutputStream out = fs.create(file, false)) {
      out.write(text.toString().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new CorruptDataException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** The class names of the dataset in {@code dir}; empty when it has no {@value #FILE}. */
  static List<String> read(FileSystem fs, Path dir) {
    return readNames(fs, new Path(dir, FILE));
  }

  /**
   * The names in a text file, one per non-blank line, trimmed; empty when the file is absent. Also
   * reads CIFAR's names files ({@link CifarBinary}).
   */
  static List<String> readNames(FileSystem fs, Path file) {
    if (!DataFiles.exists(fs, file)) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(DataFiles.open(fs, file),
        StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (!line.isBlank()) {
          names.add(line.strip());
        }
      }
    } catch (IOException e) {
      throw new CorruptDataException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return List.copyOf(names);
  }
}
