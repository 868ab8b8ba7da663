package io.bitswitch.data;

import io.bitswitch.CorruptDataException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Small Hadoop FileSystem helpers for dataset files, so every location works as a local path or
 * any Hadoop URI ({@code file:}, {@code hdfs:}, {@code s3a:}); I/O failures become
 * {@link CorruptDataException}s naming the path.
 */
final class DataFiles {
  private DataFiles() {}

  static FileSystem fileSystem(Path path, Configuration conf) {
    try {
      return path.getFileSystem(conf);
    } catch (IOException e) {
      throw new CorruptDataException("cannot access " + path + ": " + e.getMessage(), e);
    }
  }

  static boolean exists(FileSystem fs, Path path) {
    try {
      return fs.exists(path);
    } catch (IOException e) {
      throw new CorruptDataException("cannot access " + path + ": " + e.getMessage(), e);
    }
  }

  static boolean isDirectory(FileSystem fs, Path path) {
    try {
      return fs.getFileStatus(path).isDirectory();
    } catch (FileNotFoundException e) {
      return false;
    } catch (IOException e) {
      throw new CorruptDataException("cannot access " + path + ": " + e.getMessage(), e);
    }
  }

  /** The plain files directly inside {@code dir} (no recursion). */
  static List<Path> listFiles(FileSystem fs, Path dir) {
    try {
      List<Path> files = new ArrayList<>();
      for (FileStatus s : fs.listStatus(dir)) {
        if (s.isFile()) {
          files.add(s.getPath());
        }
      }
      return files;
    } catch (IOException e) {
      throw new CorruptDataException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Opens a file; the caller closes the stream. Decompression is the reader's business. */
  static InputStream open(FileSystem fs, Path file) {
    try {
      return fs.open(file);
    } catch (FileNotFoundException e) {
      throw new CorruptDataException("file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new CorruptDataException("cannot open " + file + ": " + e.getMessage(), e);
    }
  }
}
