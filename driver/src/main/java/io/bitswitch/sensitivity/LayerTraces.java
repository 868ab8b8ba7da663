package io.bitswitch.sensitivity;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitswitch.InvalidInputException;
import io.bitswitch.bundle.Manifest;
import io.bitswitch.store.RunFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The per-layer Hessian traces of a model (docs/design/method.md §5), as the {@code sensitivity}
 * stage ({@link SensitivityAnalysis}) writes them to {@value #FILE} and {@code supernet} carries
 * them in a bundle manifest's {@value #MANIFEST_SECTION} section; {@code supernet} and
 * {@code search} read them from either.
 *
 * @param architecture architecture name of the analysed model
 * @param source {@code fp32} or {@code int-h dequantized} (h the bundle's stored precision)
 * @param samples training examples the loss was taken over
 * @param partitions partitions the sample was split over
 * @param seed probe seed
 * @param probes probes used
 * @param maxProbes the maximum allowed
 * @param tolerance the relative-change stopping tolerance
 * @param converged whether the estimate stopped at the tolerance (not at the maximum)
 * @param epsilon the finite-difference step ε
 * @param meanTracePerParam mean of t̄_l over layers (the sensitive/insensitive threshold)
 * @param layers per quantized layer, in graph order
 */
public record LayerTraces(String architecture, String source, long samples, int partitions, long seed, int probes,
    int maxProbes, double tolerance, boolean converged, double epsilon, double meanTracePerParam,
    List<Layer> layers) {
  /** The file name the {@code sensitivity} stage writes. */
  public static final String FILE = "sensitivity.json";

  /** The key of the traces' section in a bundle manifest's {@code extra}. */
  public static final String MANIFEST_SECTION = "sensitivity";

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One quantized layer's trace.
   *
   * @param name layer (vertex) name
   * @param params n_l, the layer's weight count
   * @param trace Tr(H_ll) estimate
   * @param tracePerParam t̄_l = Tr(H_ll) / n_l
   * @param stdError standard error of the trace estimate
   * @param probes Hutchinson probes used
   * @param sensitivity {@code sensitive} (t̄_l ≥ mean t̄) or {@code insensitive}
   */
  public record Layer(String name, long params, double trace, double tracePerParam, double stdError, int probes,
      String sensitivity) {
    /** Whether the layer is in the {@code sensitive} class. */
    public boolean sensitive() {
      return "sensitive".equals(sensitivity);
    }
  }

  /** The layer names, in graph order. */
  public List<String> layerNames() {
    return layers.stream().map(Layer::name).toList();
  }

  /** The traces as the JSON object written to {@value #FILE} and the manifest section. */
  public Map<String, Object> toJson() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("architecture", architecture);
    out.put("source", source);
    out.put("samples", samples);
    out.put("partitions", partitions);
    out.put("seed", seed);
    out.put("probes", probes);
    out.put("max_probes", maxProbes);
    out.put("tolerance", tolerance);
    out.put("converged", converged);
    out.put("epsilon", epsilon);
    out.put("mean_trace_per_param", meanTracePerParam);
    List<Map<String, Object>> layerJson = new ArrayList<>();
    for (Layer t : layers) {
      Map<String, Object> l = new LinkedHashMap<>();
      l.put("name", t.name());
      l.put("params", t.params());
      l.put("trace", t.trace());
      l.put("trace_per_param", t.tracePerParam());
      l.put("std_error", t.stdError());
      l.put("probes", t.probes());
      l.put("samples", samples);
      l.put("class", t.sensitivity());
      layerJson.add(l);
    }
    out.put("layers", layerJson);
    return out;
  }

  /**
   * Traces from their JSON form ({@link #toJson}), as read from {@value #FILE} or a bundle
   * manifest's {@value #MANIFEST_SECTION} section.
   *
   * @param what where it came from, for error messages
   * @throws InvalidInputException when a field is missing or of the wrong type
   */
  public static LayerTraces fromJson(Map<?, ?> json, String what) {
    try {
      List<Layer> layers = new ArrayList<>();
      for (Object o : (List<?>) require(json, "layers", what)) {
        Map<?, ?> l = (Map<?, ?>) o;
        layers.add(new Layer((String) require(l, "name", what), number(l, "params", what).longValue(),
            number(l, "trace", what).doubleValue(), number(l, "trace_per_param", what).doubleValue(),
            number(l, "std_error", what).doubleValue(), number(l, "probes", what).intValue(),
            (String) require(l, "class", what)));
      }
      return new LayerTraces((String) require(json, "architecture", what), (String) require(json, "source", what),
          number(json, "samples", what).longValue(), number(json, "partitions", what).intValue(),
          number(json, "seed", what).longValue(), number(json, "probes", what).intValue(),
          number(json, "max_probes", what).intValue(), number(json, "tolerance", what).doubleValue(),
          (Boolean) require(json, "converged", what), number(json, "epsilon", what).doubleValue(),
          number(json, "mean_trace_per_param", what).doubleValue(), layers);
    } catch (ClassCastException e) {
      throw new InvalidInputException(what + " is not a sensitivity result: a field has the wrong type (" + e.getMessage()
          + ")");
    }
  }

  /**
   * The camelCase names traces were written with before bitswitch's JSON files took one key
   * style, snake_case (docs/design/architecture.md §5): sensitivity.json files and manifests of
   * older runs.
   */
  private static final Map<String, String> OLD_KEYS = Map.of("max_probes", "maxProbes", "mean_trace_per_param",
      "meanTracePerParam", "trace_per_param", "tracePerParam", "std_error", "stdError");

  private static Object require(Map<?, ?> json, String key, String what) {
    Object v = json.containsKey(key) || !OLD_KEYS.containsKey(key) ? json.get(key) : json.get(OLD_KEYS.get(key));
    if (v == null) {
      throw new InvalidInputException(what + " is not a sensitivity result: it has no '" + key + "'");
    }
    return v;
  }

  private static Number number(Map<?, ?> json, String key, String what) {
    return (Number) require(json, key, what);
  }

  /**
   * Reads a {@value #FILE}.
   *
   * @throws InvalidInputException when it is missing or not a sensitivity result
   */
  public static LayerTraces read(String uri, Configuration conf) {
    Path p = new Path(uri);
    try {
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.isFile(p)) {
        throw new InvalidInputException("sensitivity file " + uri + " does not exist (write it with 'bitswitch sensitivity')");
      }
      try (InputStream in = fs.open(p)) {
        return fromJson(JSON.readValue(in, Map.class), "sensitivity file " + uri);
      }
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new InvalidInputException("sensitivity file " + uri + " is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + uri, e);
    }
  }

  /**
   * The traces a bundle carries in its manifest (written by {@code supernet}).
   *
   * @throws InvalidInputException when it carries none
   */
  public static LayerTraces fromManifest(Manifest m, String bundleUri) {
    Object section = m.extra().get(MANIFEST_SECTION);
    if (!(section instanceof Map<?, ?> json)) {
      throw new InvalidInputException("bundle " + bundleUri + " carries no Hessian traces (no '" + MANIFEST_SECTION
          + "' section in its manifest); pass --sensitivity <sensitivity.json> from 'bitswitch sensitivity'");
    }
    return fromJson(json, "the '" + MANIFEST_SECTION + "' section of bundle " + bundleUri);
  }

  /**
   * Checks that these traces describe the quantized layers of a model.
   *
   * @param modelArchitecture the model's architecture name
   * @param quantizedLayers its quantized layers in graph order
   * @param what the traces' origin, for the message
   * @throws InvalidInputException naming the mismatch
   */
  public void requireMatches(String modelArchitecture, List<String> quantizedLayers, String what) {
    List<String> names = layerNames();
    if (!architecture.equals(modelArchitecture) || !names.equals(quantizedLayers)) {
      throw new InvalidInputException(what + " holds traces of a '" + architecture + "' model with layers "
          + names + ", but the bundle is a '" + modelArchitecture + "' model with quantized layers " + quantizedLayers
          + "; run 'bitswitch sensitivity' on this model");
    }
  }

  /**
   * Writes {@code <outDir>/}{@value #FILE} atomically ({@link RunFiles#writeJson}).
   *
   * @return the URI written
   */
  public String write(String outDir, Configuration conf) {
    return RunFiles.writeJson(new Path(new Path(outDir), FILE).toString(), toJson(), conf);
  }
}
