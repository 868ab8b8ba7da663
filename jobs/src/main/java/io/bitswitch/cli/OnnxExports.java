package io.bitswitch.cli;

import io.bitswitch.BitswitchException;
import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.model.NetworkGraphs;
import io.bitswitch.onnx.ExportTarget;
import io.bitswitch.onnx.OnnxWriter;
import io.bitswitch.quant.BitWidthSet;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The ONNX export as the commands use it: build the model of a target, write it atomically, describe it. */
final class OnnxExports {
  private OnnxExports() {}

  /**
   * An export of one target.
   *
   * @param target what was exported
   * @param deployed the switched bundle the file holds
   * @param result the serialized model and its initializer sizes
   */
  record Export(ExportTarget target, Bundle deployed, OnnxWriter.Result result) {
    /** Bytes of the serialized model. */
    long bytes() {
      return result.model().length;
    }

    /** {@code "4-bit"}, {@code "FP32"} or {@code "mixed-precision"}. */
    String precision() {
      if (target.bits() == null) {
        return "mixed-precision";
      }
      return target.bits() == BitWidthSet.FP32_BITS ? "FP32" : target.bits() + "-bit";
    }
  }

  /**
   * The ONNX model of {@code target} derived from {@code source}.
   *
   * @throws InvalidInputException when the target does not match the bundle or the network cannot be exported
   */
  static Export export(Bundle source, ExportTarget target) {
    Bundle deployed = target.deploy(source);
    String version = BitswitchCli.version();
    OnnxWriter.Result result = OnnxWriter.write(deployed, NetworkGraphs.of(deployed.manifest()),
        OnnxWriter.metadata(version, source, target), version);
    return new Export(target, deployed, result);
  }

  /**
   * The local file {@code out} names: a path or a {@code file:} URI. The export writes local files only:
   * it is the deployment artifact, which is copied to devices from there.
   */
  static Path localPath(String out) {
    if (out.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") && !out.matches("^[A-Za-z]:[\\\\/].*")) {
      URI uri = URI.create(out);
      if (!"file".equalsIgnoreCase(uri.getScheme())) {
        throw new InvalidInputException("--out " + out + ": export writes a local file; give a path or a file: URI");
      }
      return Path.of(uri).toAbsolutePath();
    }
    return Path.of(out).toAbsolutePath();
  }

  /**
   * Refuses an existing {@code target} unless {@code force}: checked before any work, so a mistake costs
   * nothing.
   */
  static void requireWritable(Path target, boolean force) {
    if (Files.isDirectory(target)) {
      throw new InvalidInputException("--out " + target + " is a directory; give the .onnx file to write");
    }
    if (!force && Files.exists(target)) {
      throw new InvalidInputException(target + " already exists; give --force to replace it");
    }
  }

  /**
   * Writes {@code bytes} to {@code target} atomically: into a temporary file in the same directory, flushed
   * to disk, then renamed over the target. A reader sees the old file or the whole new one, never a part;
   * a failure leaves no temporary file behind.
   *
   * @param force whether an existing file is replaced
   */
  static void writeAtomically(Path target, byte[] bytes, boolean force) {
    requireWritable(target, force);
    Path dir = target.getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      // Not Files.createTempFile: its owner-only permissions would stay on the published model; a plain
      // new file gets the umask's, like any file the user writes.
      tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(bytes));
        ch.force(true);
      }
      if (force) {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        linkOrMove(tmp, target);
      }
      tmp = null;
    } catch (FileAlreadyExistsException e) {
      throw new InvalidInputException(target + " already exists; give --force to replace it");
    } catch (AtomicMoveNotSupportedException e) {
      throw new BitswitchException("cannot replace " + target + " atomically on this file system: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new BitswitchException("cannot write " + target + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the original failure is the one to report
        }
      }
    }
  }

  /**
   * Publishes {@code tmp} as {@code target} without replacing a file that appeared since the check: a hard
   * link fails if the target exists, where a rename would silently replace it. File systems without hard
   * links get the rename.
   */
  private static void linkOrMove(Path tmp, Path target) throws IOException {
    try {
      Files.createLink(target, tmp);
    } catch (FileAlreadyExistsException e) {
      throw e;
    } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      return;
    }
    Files.delete(tmp);
  }

  /** One line: what the file holds and how large it is. */
  static String summary(Export e, Path file) {
    return String.format(Locale.ROOT, "wrote %s ONNX model %s: %,d bytes (%.1f KiB; weights %s: %,d bytes of integer"
            + " codes, %,d bytes of float initializers)", e.precision(), file, e.bytes(), e.bytes() / 1024.0,
        String.join("/", e.result().types()), e.result().integerWeightBytes(), e.result().floatBytes());
  }

  /**
   * What each precision's export of {@code bundle} would hold, for {@code inspect}: every bit-width of an
   * INT-h bundle, the per-layer widths of a mixed-precision one, FP32 for an FP32 one. A network the export
   * does not support is reported as such instead.
   */
  static String describe(Bundle bundle) {
    List<ExportTarget> targets = new ArrayList<>();
    if (bundle.manifest().fp32()) {
      targets.add(ExportTarget.uniform(BitWidthSet.FP32_BITS));
    } else if (bundle.manifest().mixedPrecision()) {
      targets.add(ExportTarget.perLayer(bundle.manifest().layerBits()));
    } else {
      bundle.manifest().bits().forEach(b -> targets.add(ExportTarget.uniform(b)));
    }
    StringBuilder sb = new StringBuilder("\nONNX export (bitswitch export --format onnx), what each file holds:\n");
    sb.append(String.format(Locale.ROOT, "  %-16s  %-10s  %14s  %14s  %12s  %12s%n", "bits", "weights",
        "integer codes", "float", "zero points", "file"));
    for (ExportTarget t : targets) {
      try {
        Export e = export(bundle, t);
        String label = t.bits() == null ? "mixed " + bundle.manifest().bits() : t.bits() == BitWidthSet.FP32_BITS
            ? "32 (FP32)" : String.valueOf(t.bits());
        sb.append(String.format(Locale.ROOT, "  %-16s  %-10s  %,12d B  %,12d B  %,10d B  %,10d B%n", label,
            String.join("/", e.result().types()), e.result().integerWeightBytes(), e.result().floatBytes(),
            e.result().otherBytes(), e.bytes()));
      } catch (BitswitchException ex) {
        sb.append("  not exportable: ").append(ex.getMessage()).append('\n');
        break;
      }
    }
    sb.append(String.format(Locale.ROOT, "  (FP32 parameters of the same network: %,d B; INT4 is used at 4 bits and "
        + "below, INT8 above; the first and last layers stay float)%n", bundle.fp32SizeBytes()));
    return sb.toString();
  }
}
