package io.bitswitch.cli;

import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.cli.config.BitswitchConfig;
import io.bitswitch.metrics.JobMetrics;
import io.bitswitch.store.BundleStore;
import io.bitswitch.store.RunFiles;
import io.bitswitch.train.EvaluateStage;
import io.bitswitch.train.StageContext;
import io.bitswitch.train.StageSetup;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bitswitch evaluate}: accuracy of a bundle at given bit-widths or per-layer configurations. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Accuracy of a bundle on the test split of --data at the given bit-widths, each switched from the "
        + "stored codes with integer ops; prints a table and optionally writes JSON {\"accuracy\": {\"8\": 0.92, ...}}.",
    footerHeading = "%nExample:%n", footer = "  bitswitch evaluate --bundle runs/mp/bundle --bits 8,6,4,2 --json eval.json")
public final class EvaluateCommand extends BitswitchCommand {
  @Option(names = "--bundle", paramLabel = "BUNDLE", required = true, description = "The bundle to evaluate.")
  private String bundle;

  @Option(names = "--bits", paramLabel = "LIST", converter = BitsOptions.EvaluationList.class,
      description = "Comma-separated bit-widths, e.g. 8,6,4,2 (32: an FP32 bundle). "
          + "Default: every bit-width of the bundle.")
  private BitsOptions.Selection bits;

  @Option(names = "--layer-bits", paramLabel = "FILE",
      description = "Also evaluate this per-layer bit-width configuration of the INT-h bundle (JSON layer name to "
          + "bit-width, as search writes them), with the stored BatchNorm statistics. Repeatable; with --layer-bits "
          + "and no --bits only the configurations are evaluated.")
  private List<Path> layerBits = new ArrayList<>();

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to this file.")
  private Path json;

  @Override
  protected List<String> unusedCommonOptions() {
    return List.of("--out", "--run-id");
  }

  @Override
  protected int run(BitswitchConfig config) throws IOException {
    String data = common.dataOrDefault();
    List<Map<String, Integer>> configurations = new ArrayList<>();
    for (Path file : layerBits) {
      configurations.add(LayerBits.read(file));
    }
    Map<String, Double> accuracy;
    Map<String, Double> layerBitsAccuracy = new LinkedHashMap<>();
    try (JobMetrics metrics = Runs.startMetrics(config, spec.name());
        SparkSession spark = startSpark("bitswitch evaluate")) {
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      Manifest manifest = BundleStore.read(bundle, hadoop).manifest();
      requireArchitectureOf(manifest, config);
      List<Integer> widths = bits != null ? bits.descending() : configurations.isEmpty() ? manifest.bits() : List.of();
      StageSetup setup = Runs.setup(config, data);
      if (!configurations.isEmpty()) {
        double[] acc = EvaluateStage.layerBitsAccuracy(new StageContext(spark, setup), bundle, configurations);
        for (int k = 0; k < acc.length; k++) {
          layerBitsAccuracy.put(layerBits.get(k).toString(), acc[k]);
        }
      }
      accuracy = widths.isEmpty() ? new LinkedHashMap<>()
          : EvaluateStage.accuracy(new StageContext(spark, setup), bundle,
              widths.stream().mapToInt(Integer::intValue).toArray());
      metrics.recordAccuracy(accuracy);
      // The table first: a failing --json write must not lose what the evaluation found.
      Runs.printAccuracy(stdout(), accuracy);
      layerBitsAccuracy.forEach((file, a) -> stdout().printf(java.util.Locale.ROOT, "%-40s %8.2f%%%n", file, 100 * a));
      stdout().flush();
      if (json != null) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("accuracy", accuracy);
        if (!layerBitsAccuracy.isEmpty()) {
          result.put("layer_bits_accuracy", layerBitsAccuracy);
        }
        RunFiles.writeJson(json.toAbsolutePath().toUri().toString(), result, hadoop);
      }
      metrics.succeeded();
    }
    return 0;
  }

  /**
   * Evaluation rebuilds the model from the bundle's manifest, so a {@code model.architecture} the
   * user gives would be silently ignored; one that disagrees with the bundle is refused instead.
   */
  private void requireArchitectureOf(Manifest manifest, BitswitchConfig config) {
    String asked = config.model().architecture().configName();
    if (config.userGives(ARCHITECTURE_KEY) && !asked.equals(manifest.architecture())) {
      throw new InvalidInputException(ARCHITECTURE_KEY + " = " + asked + " disagrees with the bundle " + bundle
          + ", whose manifest says architecture " + manifest.architecture()
          + "; evaluate uses the bundle's model, so drop the setting");
    }
  }

  private static final String ARCHITECTURE_KEY = "bitswitch.model.architecture";
}
