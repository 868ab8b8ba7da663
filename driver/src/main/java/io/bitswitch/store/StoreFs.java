package io.bitswitch.store;

import io.bitswitch.BitswitchException;
import io.bitswitch.CorruptDataException;
import io.bitswitch.InvalidInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** File-system plumbing shared by the store classes. */
final class StoreFs {
  private static final Logger LOG = LoggerFactory.getLogger(StoreFs.class);

  /** Object stores whose rename is a copy and delete, not an atomic metadata operation. */
  private static final Set<String> NON_ATOMIC_RENAME_SCHEMES = Set.of("s3a", "s3", "s3n", "gs");

  private StoreFs() {}

  /** A file system and a fully qualified path on it. */
  record Located(FileSystem fs, Path path) {
    /** Whether this file system renames atomically (HDFS, local) rather than by copying. */
    boolean renameIsAtomic() {
      String scheme = fs.getUri().getScheme();
      return scheme == null || !NON_ATOMIC_RENAME_SCHEMES.contains(scheme.toLowerCase(Locale.ROOT));
    }
  }

  /**
   * Resolves a URI or plain path (which Hadoop resolves against {@code fs.defaultFS}, the local
   * file system unless configured otherwise). On the local file system the raw, checksum-free
   * implementation is used: bundles carry their own SHA-256, and deployable directories should not
   * fill up with {@code .crc} side files.
   */
  static Located locate(String uri, Configuration conf) {
    if (uri == null || uri.isBlank()) {
      throw new InvalidInputException("no location given (empty path or URI)");
    }
    try {
      Path p = new Path(uri);
      FileSystem fs = p.getFileSystem(conf);
      if (fs instanceof LocalFileSystem local) {
        fs = local.getRawFileSystem();
      }
      return new Located(fs, fs.makeQualified(p));
    } catch (IOException | IllegalArgumentException e) {
      throw new BitswitchException("cannot open file system for '" + uri + "': " + e.getMessage(), e);
    }
  }

  static byte[] readAll(FileSystem fs, Path file) throws IOException {
    FileStatus st = fs.getFileStatus(file);
    if (st.getLen() > Integer.MAX_VALUE - 8) {
      throw new CorruptDataException(file + " is " + st.getLen()
          + " bytes; bitswitch reads files up to 2 GiB");
    }
    try (FSDataInputStream in = fs.open(file)) {
      return in.readAllBytes();
    }
  }

  static void write(FileSystem fs, Path file, byte[] bytes, boolean overwrite) throws IOException {
    try (OutputStream out = fs.create(file, overwrite)) {
      out.write(bytes);
    }
  }

  static void rename(FileSystem fs, Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("rename of " + from + " to " + to + " failed");
    }
  }

  /**
   * Moves {@code tmp} over {@code dest}. The old file is never deleted first, so a failure in
   * between cannot lose both: on local disks rename(2) replaces the target atomically, on HDFS
   * {@link FileContext#rename} with {@code OVERWRITE} does. Object stores (rename is a copy)
   * delete and copy, as they can do nothing better.
   */
  static void replace(FileSystem fs, Path tmp, Path dest, Configuration conf) throws IOException {
    boolean local = fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem;
    if (local || !fs.exists(dest)) {
      rename(fs, tmp, dest);
    } else if (new Located(fs, dest).renameIsAtomic()) {
      FileContext.getFileContext(fs.getUri(), conf).rename(tmp, dest, Options.Rename.OVERWRITE);
    } else {
      if (!fs.delete(dest, false)) {
        throw new IOException("cannot replace " + dest);
      }
      rename(fs, tmp, dest);
    }
  }

  /** Deletes recursively, logging instead of throwing: used while another failure propagates. */
  static void deleteQuietly(FileSystem fs, Path path) {
    try {
      if (fs.exists(path) && !fs.delete(path, true)) {
        LOG.warn("could not delete {}", path);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not delete {}: {}", path, e.toString());
    }
  }
}
