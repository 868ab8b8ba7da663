package io.bitswitch.store;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The real local file system under the scheme {@code faulty:}, failing the operations that the
 * configuration names: {@value #FAIL_CREATE} (a file name whose creation fails) and
 * {@value #FAIL_RENAME_FROM} (a substring of the source name of a rename that fails). Lets tests
 * interrupt a publish at a chosen point without mocks.
 */
public class FaultyFileSystem extends RawLocalFileSystem {
  static final String FAIL_CREATE = "faulty.fail.create";
  static final String FAIL_RENAME_FROM = "faulty.fail.rename.from";
  private static final URI NAME = URI.create("faulty:///");

  @Override
  public URI getUri() {
    return NAME;
  }

  @Override
  public String getScheme() {
    return "faulty";
  }

  private void maybeFailCreate(Path f) throws IOException {
    String name = getConf().get(FAIL_CREATE);
    if (name != null && f.getName().equals(name)) {
      throw new IOException("injected failure creating " + f);
    }
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication,
      long blockSize, Progressable progress) throws IOException {
    maybeFailCreate(f);
    return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    maybeFailCreate(f);
    return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    String part = getConf().get(FAIL_RENAME_FROM);
    if (part != null && src.getName().contains(part)) {
      throw new IOException("injected failure renaming " + src + " to " + dst);
    }
    return super.rename(src, dst);
  }
}
