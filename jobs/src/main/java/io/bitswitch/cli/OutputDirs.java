package io.bitswitch.cli;

import io.bitswitch.BitswitchException;
import io.bitswitch.InvalidInputException;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Output locations of commands that write a directory in one go (such as {@code ingest}). */
public final class OutputDirs {
  private OutputDirs() {}

  /**
   * Makes sure nothing is at {@code uri} before a command writes there: an existing file or
   * directory is an error unless {@code overwrite}, in which case it is deleted.
   *
   * @param uri any Hadoop FileSystem URI or local path
   * @param conf Hadoop configuration (credentials, file system implementations)
   * @throws InvalidInputException when something exists at {@code uri} and {@code overwrite} is false
   * @throws BitswitchException when the file system cannot be reached or the deletion fails
   */
  public static void prepare(String uri, Configuration conf, boolean overwrite) {
    Path path = new Path(uri);
    try {
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        return;
      }
      if (!overwrite) {
        throw new InvalidInputException(uri + " already exists; pass --overwrite to replace it");
      }
      if (!fs.delete(path, true)) {
        throw new BitswitchException("could not delete " + uri + " to overwrite it");
      }
    } catch (IOException e) {
      throw new BitswitchException("cannot prepare output " + uri + ": " + e.getMessage(), e);
    }
  }
}
