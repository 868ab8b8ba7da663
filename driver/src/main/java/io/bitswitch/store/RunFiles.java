package io.bitswitch.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The small files of a run directory ({@code report.json}, {@code report.md}, {@code history.csv},
 * {@code sensitivity.json}, {@code pareto.json}, ...; docs/design/architecture.md §5), written on
 * any Hadoop file system. Each is written atomically: into a hidden temporary file beside it, then
 * renamed over the destination, so a reader never sees half a file.
 */
public final class RunFiles {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private RunFiles() {}

  /**
   * Writes {@code value} as pretty JSON with a final newline.
   *
   * @return the URI written
   */
  public static String writeJson(String uri, Object value, Configuration conf) {
    try {
      return writeText(uri, JSON.writeValueAsString(value) + "\n", conf);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + uri, e);
    }
  }

  /**
   * Reads a UTF-8 text file.
   *
   * @throws UncheckedIOException when it cannot be read
   */
  public static String readText(String uri, Configuration conf) {
    Path file = new Path(uri);
    try (FSDataInputStream in = file.getFileSystem(conf).open(file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + uri, e);
    }
  }

  /**
   * Writes {@code text} as UTF-8, creating the parent directory if needed. A file that exists is
   * replaced atomically where the file system can (local, HDFS): a failure leaves the old content.
   *
   * @return the URI written
   */
  public static String writeText(String uri, String text, Configuration conf) {
    Path dest = new Path(uri);
    Path tmp = new Path(dest.getParent(), "." + dest.getName() + ".tmp-" + System.nanoTime());
    try {
      // The file system's own class (checksummed on local disk), as the run files have always been
      // written; bundles and checkpoints go through StoreFs instead.
      FileSystem fs = dest.getFileSystem(conf);
      fs.mkdirs(dest.getParent());
      try (FSDataOutputStream out = fs.create(tmp, false)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      }
      FaultPoints.reach(FaultPoints.runFileBeforeRename(dest.getName()));
      try {
        StoreFs.replace(fs, tmp, dest, conf);
      } catch (IOException | RuntimeException e) {
        StoreFs.deleteQuietly(fs, tmp);
        throw e;
      }
      return dest.toString();
    } catch (IOException e) {
      deleteQuietly(tmp, conf);
      throw new UncheckedIOException("cannot write " + uri, e);
    } catch (FSError e) {
      // Hadoop's local file system reports a full disk as this Error; it is an I/O failure like any other.
      deleteQuietly(tmp, conf);
      throw new UncheckedIOException("cannot write " + uri, new IOException(causeMessage(e), e));
    } catch (RuntimeException | Error e) {
      deleteQuietly(tmp, conf);
      throw e;
    }
  }

  /** Deletes a temporary left by a failed write, if any: no {@code .x.tmp-*} (nor 0-byte file) stays. */
  private static void deleteQuietly(Path tmp, Configuration conf) {
    try {
      StoreFs.deleteQuietly(tmp.getFileSystem(conf), tmp);
    } catch (IOException | RuntimeException e) {
      // The file system cannot even be opened: nothing was written.
    }
  }

  /** The message of what an {@link FSError} wraps (its own is the cause's class and message). */
  static String causeMessage(FSError e) {
    return e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getMessage();
  }
}
