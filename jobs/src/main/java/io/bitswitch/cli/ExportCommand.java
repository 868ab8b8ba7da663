package io.bitswitch.cli;

import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Bundle;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.onnx.ExportTarget;
import io.bitswitch.quant.BitWidthSet;
import io.bitswitch.store.BundleStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code bitswitch export}: the b-bit (or per-layer mixed-precision, or FP32) model of a bundle as an ONNX
 * graph in QDQ form, its integer weights the codes of the integer switch (see {@code docs/EXPORT.md}).
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Write the b-bit (or per-layer mixed-precision) model of a bundle as an ONNX graph in QDQ form: "
        + "integer weight codes from the integer switch (INT8, INT4 at 4 bits and below) with per-channel "
        + "DequantizeLinear, activation quantizers as QuantizeLinear/DequantizeLinear, float first and last layers. "
        + "Input 'pixels' (float, 0..255, NCHW), outputs 'logits' and 'probabilities'. Written atomically.",
    footerHeading = "%nExample:%n",
    footer = "  bitswitch export --bundle runs/mp/bundle --bits 4 --format onnx --out deploy/fmnist-4bit.onnx")
public final class ExportCommand extends BitswitchCommand {
  /** The export formats. */
  enum Format { onnx }

  /** One bit-width for every quantized layer (32: an FP32 bundle), or one per layer. */
  static final class Target {
    @Option(names = "--bits", paramLabel = "B", converter = ExportBits.class,
        description = "The bit-width of every quantized layer (one of the bundle's), or 32 for an FP32 bundle.")
    Integer bits;

    @Option(names = "--layer-bits", paramLabel = "FILE",
        description = "Per-layer bit-widths: a JSON object of layer name to bit-width, as search writes them.")
    Path layerBits;
  }

  /** A quantized bit-width in 2..8, or 32. */
  static final class ExportBits implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String text) {
      try {
        int b = Integer.parseInt(text.trim());
        return b == BitWidthSet.FP32_BITS ? b : BitWidthSet.checkRange(b);
      } catch (NumberFormatException e) {
        throw new TypeConversionException("'" + text + "' is not a bit-width: give an integer in "
            + BitWidthSet.MIN_BITS + ".." + BitWidthSet.MAX_BITS + ", or 32 for an FP32 bundle");
      } catch (InvalidInputException e) {
        throw new TypeConversionException(e.getMessage() + " (or 32 for an FP32 bundle)");
      }
    }
  }

  @Option(names = "--bundle", paramLabel = "BUNDLE", required = true, description = "The bundle to export.")
  private String bundle;

  @ArgGroup(exclusive = true, multiplicity = "1")
  private Target target;

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "onnx",
      description = "The file format: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  private Format format;

  @Option(names = "--force", description = "Replace a file already at --out.")
  private boolean force;

  @Override
  protected List<String> unusedCommonOptions() {
    return List.of("--data", "--master", "--run-id");
  }

  @Override
  protected int run(BitswitchConfig config) {
    Path out = OnnxExports.localPath(common.requireOut("the .onnx file to write"));
    OnnxExports.requireWritable(out, force);
    Map<String, Integer> layerBits = target.layerBits == null ? null : LayerBits.read(target.layerBits);
    ExportTarget exportTarget = layerBits == null ? ExportTarget.uniform(target.bits) : ExportTarget.perLayer(layerBits);
    Bundle source = BundleStore.read(bundle, new Configuration());
    OnnxExports.Export export = OnnxExports.export(source, exportTarget);
    OnnxExports.writeAtomically(out, export.result().model(), force);
    stdout().println(OnnxExports.summary(export, out));
    return 0;
  }
}
