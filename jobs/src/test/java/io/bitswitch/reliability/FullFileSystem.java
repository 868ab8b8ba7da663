package io.bitswitch.reliability;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under the scheme {@value #SCHEME}, with a disk that fills up: once the
 * bytes written through it exceed a budget ({@link #limit}, or one that starts at a chosen file,
 * {@link #fillUpAt}), writes fail with
 * {@code IOException("No space left on device")}, as a full disk's would. Deletes give no space
 * back: the budget counts bytes written since {@link #limit}. The run lock's heartbeat is not
 * counted, so that where the budget runs out does not depend on timing. Registered for a run with
 * the system property {@code spark.hadoop.fs.fullfs.impl} (SparkConf reads {@code spark.*}
 * properties; {@code spark.hadoop.*} become Hadoop configuration).
 */
public class FullFileSystem extends RawLocalFileSystem {
  /** The URI scheme. */
  public static final String SCHEME = "fullfs";

  /** The message of a full disk's write error. */
  public static final String NO_SPACE = "No space left on device";

  private static final URI NAME = URI.create(SCHEME + ":///");
  private static final AtomicLong LEFT = new AtomicLong(Long.MAX_VALUE);
  private static final List<Write> WRITES = new ArrayList<>();
  private static volatile Pattern fillUpAt;
  private static volatile long fillUpLeft;

  /**
   * One file written through this file system.
   *
   * @param path the file's path (the scheme's path: a local absolute path)
   * @param bytes bytes written to it
   */
  public record Write(String path, long bytes) {}

  /** Leaves {@code bytes} of space (Long.MAX_VALUE: unlimited) and forgets the files written so far. */
  public static void limit(long bytes) {
    fillUpAt = null;
    LEFT.set(bytes);
    synchronized (WRITES) {
      WRITES.clear();
    }
  }

  /**
   * Leaves unlimited space until a file whose path matches {@code file} is created, and then
   * {@code bytes}: the disk fills up at that file whatever the files before it took (the run
   * files carry timings, so their sizes vary from run to run).
   */
  public static void fillUpAt(Pattern file, long bytes) {
    limit(Long.MAX_VALUE);
    fillUpLeft = bytes;
    fillUpAt = file;
  }

  /** The files written since {@link #limit}, in the order they were closed; the lock's left out, as from the budget. */
  public static List<Write> writes() {
    synchronized (WRITES) {
      return List.copyOf(WRITES);
    }
  }

  @Override
  public URI getUri() {
    return NAME;
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication,
      long blockSize, Progressable progress) throws IOException {
    return counted(f, super.create(f, overwrite, bufferSize, replication, blockSize, progress));
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    return counted(f, super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress));
  }

  @Override
  public FSDataOutputStream createNonRecursive(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    return counted(f, super.createNonRecursive(f, permission, overwrite, bufferSize, replication, blockSize,
        progress));
  }

  private FSDataOutputStream counted(Path f, FSDataOutputStream local) throws IOException {
    boolean lock = f.getName().startsWith(".lock");
    Pattern at = fillUpAt;
    if (at != null && at.matcher(f.toUri().getPath()).find()) {
      fillUpAt = null;
      LEFT.set(fillUpLeft);
    }
    return new FSDataOutputStream(new OutputStream() {
      private long written;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (!lock) {
          long left = LEFT.addAndGet(-len);
          if (left < 0) {
            // Write what fitted, as a full disk does, then fail.
            long fits = Math.max(0, len + left);
            LEFT.set(0);
            local.write(b, off, (int) fits);
            written += fits;
            throw new IOException(NO_SPACE);
          }
        }
        local.write(b, off, len);
        written += len;
      }

      @Override
      public void flush() throws IOException {
        local.flush();
      }

      @Override
      public void close() throws IOException {
        local.close();
        if (!lock) {
          synchronized (WRITES) {
            WRITES.add(new Write(f.toUri().getPath(), written));
          }
        }
      }
    }, statistics);
  }
}
