package io.bitswitch.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.net.URI;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under the scheme {@code fulldisk:}, behaving like a full disk for the
 * files whose name contains the value of {@value #FAIL_NAME}: the file is created (empty), and
 * writing to it throws {@link FSError}, as Hadoop's local file system does on {@code ENOSPC}.
 * Registered through {@code fs.fulldisk.impl} (for Spark commands: the system property
 * {@code spark.hadoop.fs.fulldisk.impl}).
 */
public class FullDiskFileSystem extends RawLocalFileSystem {
  /** Configuration key: the part of a file name whose writes fail. */
  static final String FAIL_NAME = "fulldisk.fail.name";
  private static final URI NAME = URI.create("fulldisk:///");

  @Override
  public URI getUri() {
    return NAME;
  }

  @Override
  public String getScheme() {
    return "fulldisk";
  }

  /** The Error Hadoop's local file system throws for an I/O failure (its constructor is not public). */
  static FSError diskFull() {
    try {
      Constructor<FSError> c = FSError.class.getDeclaredConstructor(Throwable.class);
      c.setAccessible(true);
      return c.newInstance(new IOException("No space left on device"));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private FSDataOutputStream maybeFull(Path f, FSDataOutputStream real) throws IOException {
    String part = getConf().get(FAIL_NAME);
    if (part == null || !f.getName().contains(part)) {
      return real;
    }
    OutputStream full = new OutputStream() {
      @Override
      public void write(int b) {
        throw diskFull();
      }

      @Override
      public void write(byte[] b, int off, int len) {
        throw diskFull();
      }

      @Override
      public void close() throws IOException {
        real.close();
      }
    };
    return new FSDataOutputStream(full, null);
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication,
      long blockSize, Progressable progress) throws IOException {
    return maybeFull(f, super.create(f, overwrite, bufferSize, replication, blockSize, progress));
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    return maybeFull(f, super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress));
  }
}
