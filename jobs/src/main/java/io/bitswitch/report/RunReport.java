package io.bitswitch.report;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The report of a run, what {@code report.json}, {@code report.md} and {@code report.html} show:
 * the test accuracy per bit-width first, then the fields of the command that wrote it in the order
 * it set them, then the {@link Conventions} the numbers were measured under.
 *
 * <p>A command sets its fields through {@link Fields}, whose setters take the typed parts
 * ({@link Sizes}, {@link Gates}, {@link ScaleDrift}, {@link Onnx}, ...); a report read back from
 * {@code report.json} ({@link #fromJson}) holds what Jackson read, and the typed accessors
 * ({@link #sizes()}, {@link #gates()}, ...) read either form leniently: a field of the wrong shape
 * reads as absent and stays visible as data among {@link #fields()}.
 *
 * @param accuracy bit-width key ({@code "32"} for FP32, {@code "8"}, ...) to test accuracy (ratio), in
 *     the order measured
 * @param fields the command's fields, in the order set (unmodifiable)
 * @param conventions the conventions, last in {@code report.json}
 */
public record RunReport(Map<String, Double> accuracy, Map<String, Object> fields, Conventions conventions) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Copies the maps, keeping their order. */
  public RunReport {
    accuracy = Collections.unmodifiableMap(new LinkedHashMap<>(accuracy));
    fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  /**
   * The report's JSON form, what {@code report.json} holds: {@code accuracy}, the fields, the
   * conventions, in that order.
   */
  public Map<String, Object> toJson() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("accuracy", accuracy);
    out.putAll(fields);
    out.putAll(conventions.toFields());
    return out;
  }

  /** A report from its JSON form (as {@code report.json} holds it). */
  public static RunReport fromJson(JsonNode json) {
    return fromMap(JSON.convertValue(json, new TypeReference<LinkedHashMap<String, Object>>() {}));
  }

  /**
   * A report from a map of its fields ({@code accuracy}, any fields, the conventions' keys), as
   * Jackson reads {@code report.json} or as Java objects; accuracy entries without a number are
   * dropped.
   */
  public static RunReport fromMap(Map<String, ?> report) {
    Map<String, Object> fields = new LinkedHashMap<>(report);
    fields.remove("accuracy");
    Conventions conventions = Conventions.read(fields);
    conventions.toFields().keySet().forEach(fields::remove);
    return new RunReport(ReportValues.ratios(report.get("accuracy")), fields, conventions);
  }

  /** The field {@code name} as it was set or read, empty when absent. */
  public Optional<Object> field(String name) {
    return Optional.ofNullable(fields.get(name));
  }

  /** {@code stage}: the command or stage that wrote the report. */
  public Optional<String> stage() {
    return field("stage").map(String::valueOf);
  }

  /** {@code sizes}, when the report has them in a usable shape. */
  public Optional<Sizes> sizes() {
    return Optional.ofNullable(Sizes.read(fields.get("sizes")));
  }

  /** {@code gates}, when the run checked quality gates. */
  public Optional<Gates> gates() {
    return Optional.ofNullable(Gates.read(fields.get("gates")));
  }

  /** {@code scale_drift}, when the run trained. */
  public Optional<ScaleDrift> scaleDrift() {
    return field("scale_drift").map(ScaleDrift::of);
  }

  /**
   * {@code baselines}: series name ({@code single-precision}) to accuracy by bit-width key; series
   * without a number are dropped.
   */
  public Map<String, Map<String, Double>> baselines() {
    Map<String, Map<String, Double>> out = new LinkedHashMap<>();
    ReportValues.map(fields.get("baselines")).forEach((name, acc) -> {
      Map<String, Double> r = ReportValues.ratios(acc);
      if (!r.isEmpty()) {
        out.put(name, r);
      }
    });
    return out;
  }

  /** The usable entries of {@code layer_traces}. */
  public List<LayerTrace> layerTraces() {
    return LayerTrace.readAll(fields.get("layer_traces"));
  }

  /** {@code hasb_draws}, when some layer has a positive count. */
  public Optional<HasbDraws> hasbDraws() {
    return Optional.ofNullable(HasbDraws.read(fields.get("hasb_draws")));
  }

  /** {@code pareto}, when the front or the uniform models have an entry. */
  public Optional<ParetoFront> pareto() {
    return Optional.ofNullable(ParetoFront.read(fields.get("pareto")));
  }

  /** {@code onnx}: the demo's ONNX export. */
  public Optional<Onnx> onnx() {
    return Optional.ofNullable(Onnx.read(fields.get("onnx")));
  }

  /** {@code sampling}: the SuperNet's bit-width sampling ({@code hasb} or {@code uniform}). */
  public Optional<String> sampling() {
    return field("sampling").map(String::valueOf);
  }

  /**
   * Whether ALRS was off: the report's {@code alrs} is {@code false} (as a convention or, in a
   * report read from a map, as a field).
   */
  public boolean alrsOff() {
    return Boolean.FALSE.equals(conventions.alrs()) || Boolean.FALSE.equals(fields.get("alrs"));
  }

  /**
   * The fields of one command's report, in the order they are set: the setters name the fields and
   * take their typed values; {@link #put} adds any other.
   */
  public static final class Fields {
    private final Map<String, Object> values = new LinkedHashMap<>();

    /** {@code stage}: the command or stage writing the report. */
    public Fields stage(String stage) {
      return put("stage", stage);
    }

    /** {@code profile}: the demo profile. */
    public Fields profile(String profile) {
      return put("profile", profile);
    }

    /** {@code bits}: the bit-widths trained, largest first. */
    public Fields bits(int[] bits) {
      return put("bits", bits);
    }

    /** {@code init}: the bundle training started from ({@code scratch} for none). */
    public Fields init(String init) {
      return put("init", init);
    }

    /** {@code bundle}: the bundle the stage read. */
    public Fields bundle(String bundle) {
      return put("bundle", bundle);
    }

    /** {@code previous_latest}: the run {@code latest} named before ({@code ""} for none). */
    public Fields previousLatest(String runId) {
      return put("previous_latest", runId);
    }

    /** {@code gates}. */
    public Fields gates(Gates gates) {
      return put("gates", gates);
    }

    /** {@code latest_moved}: whether {@code latest} now names this run. */
    public Fields latestMoved(boolean moved) {
      return put("latest_moved", moved);
    }

    /** {@code sizes}. */
    public Fields sizes(Sizes sizes) {
      return put("sizes", sizes);
    }

    /** {@code train_examples}. */
    public Fields trainExamples(long examples) {
      return put("train_examples", examples);
    }

    /** {@code seconds}: the stage's wall time. */
    public Fields seconds(double seconds) {
      return put("seconds", seconds);
    }

    /** {@code <stage>_seconds}: the wall time of one of the demo's stages ({@code pretrain}, {@code train}, ...). */
    public Fields stageSeconds(String stage, double seconds) {
      return put(stage + "_seconds", seconds);
    }

    /** {@code scale_drift}. */
    public Fields scaleDrift(ScaleDrift drift) {
      return put("scale_drift", drift);
    }

    /** {@code baselines}: {@code single-precision} to the accuracies of models trained at one bit-width each. */
    public Fields singlePrecisionBaselines(Map<String, Double> accuracy) {
      return put("baselines", Map.of("single-precision", accuracy));
    }

    /** {@code layer_traces}: the per-layer traces the stage used. */
    public Fields layerTraces(List<LayerTrace> traces) {
      return put("layer_traces", List.copyOf(traces));
    }

    /** {@code traces_source}: where the traces came from. */
    public Fields tracesSource(String source) {
      return put("traces_source", source);
    }

    /** {@code sampling}: the SuperNet's bit-width sampling. */
    public Fields sampling(String sampling) {
      return put("sampling", sampling);
    }

    /** {@code sigma_max}: the HASB temperature bound. */
    public Fields sigmaMax(double sigmaMax) {
      return put("sigma_max", sigmaMax);
    }

    /** {@code epochs}. */
    public Fields epochs(int epochs) {
      return put("epochs", epochs);
    }

    /** {@code hasb_draws}: the draws section of the SuperNet bundle's manifest, as it holds them. */
    public Fields hasbDraws(Object draws) {
      return put("hasb_draws", draws);
    }

    /** {@code pareto}: the content of {@code pareto.json}. */
    public Fields pareto(Map<String, Object> pareto) {
      return put("pareto", pareto);
    }

    /** {@code onnx}: the exported ONNX model, null for none (written as {@code {}}). */
    public Fields onnx(Onnx onnx) {
      return put("onnx", onnx == null ? Map.of() : onnx);
    }

    /** Any other field. */
    public Fields put(String name, Object value) {
      values.put(name, value);
      return this;
    }

    /** The fields set, in order. */
    public Map<String, Object> values() {
      return Collections.unmodifiableMap(values);
    }
  }
}
