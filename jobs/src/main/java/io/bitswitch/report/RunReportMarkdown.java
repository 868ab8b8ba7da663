package io.bitswitch.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * {@code report.md} of a run: the {@link RunReport} as Markdown tables for reading in a terminal
 * or on a code host: accuracy (with baselines and deployed sizes), the run's plain fields, the
 * conventions, and, when the report has them, the quality gates, the scale drift, the per-layer
 * Hessian traces, the HASB draws, the Pareto front and the ONNX export, each as its own table.
 * A field of no known shape follows as a pretty-printed JSON block, never as one long line.
 */
public final class RunReportMarkdown {
  /** The file name next to {@code report.json}. */
  public static final String FILE = "report.md";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /** Fields with a table of their own when they are usable. */
  private static final Set<String> SECTION_FIELDS = Set.of("sizes", "baselines", "gates", "scale_drift",
      "layer_traces", "hasb_draws", "pareto", "onnx");

  private RunReportMarkdown() {}

  /** Renders the report as Markdown. */
  public static String render(RunReport report) {
    StringBuilder md = new StringBuilder("# bitswitch run report\n");
    Set<String> shown = new TreeSet<>();

    section(md, "Accuracy per bit-width");
    accuracy(md, report);
    shown.add("sizes");
    if (!report.baselines().isEmpty()) {
      shown.add("baselines");
    }

    Map<String, Object> plain = new LinkedHashMap<>();
    Map<String, Object> nested = new LinkedHashMap<>();
    report.fields().forEach((k, v) -> {
      if (SECTION_FIELDS.contains(k)) {
        return;
      }
      if (v instanceof Map || v instanceof Record || (v instanceof List<?> l && !scalars(l))) {
        nested.put(k, v);
      } else {
        plain.put(k, v);
      }
    });
    if (!plain.isEmpty()) {
      section(md, "Run");
      Table t = new Table("field", "value");
      plain.forEach((k, v) -> t.row(k, value(v)));
      t.appendTo(md);
    }
    Map<String, Object> conventions = report.conventions().toFields();
    if (!conventions.isEmpty()) {
      section(md, "Conventions");
      Table t = new Table("convention", "value");
      conventions.forEach((k, v) -> t.row(k, value(v)));
      t.appendTo(md);
    }
    report.gates().ifPresent(g -> {
      gates(md, g);
      shown.add("gates");
    });
    report.scaleDrift().filter(d -> !d.activation().isEmpty() || !d.weight().isEmpty()).ifPresent(d -> {
      scaleDrift(md, d);
      shown.add("scale_drift");
    });
    if (report.field("scale_drift").isPresent() && !shown.contains("scale_drift")) {
      // An FP32 run: nothing drifted, nothing to show.
      shown.add("scale_drift");
    }
    List<LayerTrace> traces = report.layerTraces();
    if (!traces.isEmpty()) {
      layerTraces(md, traces);
      shown.add("layer_traces");
    }
    report.hasbDraws().ifPresent(d -> {
      hasbDraws(md, d, report.sampling().orElse(null));
      shown.add("hasb_draws");
    });
    report.pareto().ifPresent(p -> {
      pareto(md, p);
      shown.add("pareto");
    });
    report.onnx().ifPresent(o -> {
      section(md, "ONNX export");
      new Table("bits", "file", "bytes", "weights")
          .row(Integer.toString(o.bits()), code(o.path()), Long.toString(o.bytes()), o.weights() == null ? ""
              : o.weights()).appendTo(md);
      shown.add("onnx");
    });
    if (report.field("onnx").filter(v -> v instanceof Map<?, ?> m && m.isEmpty()).isPresent()) {
      shown.add("onnx");
    }

    // Sections that could not be read, and nested fields of no known shape: their data as JSON.
    report.fields().forEach((k, v) -> {
      if (SECTION_FIELDS.contains(k) && !shown.contains(k)) {
        nested.put(k, v);
      }
    });
    nested.forEach((k, v) -> {
      section(md, k);
      md.append("```json\n").append(json(v)).append("\n```\n");
    });
    return md.toString();
  }

  private static void accuracy(StringBuilder md, RunReport report) {
    Map<String, Map<String, Double>> baselines = report.baselines();
    Sizes sizes = report.sizes().orElse(null);
    long fp32 = sizes == null ? 0 : sizes.fp32ModelBytes();
    boolean withSizes = sizes != null && (fp32 > 0 || !sizes.deployed().isEmpty());
    List<String> header = new ArrayList<>(List.of("bits", "test accuracy"));
    baselines.keySet().forEach(name -> header.add(name + " (trained alone)"));
    if (withSizes) {
      header.addAll(List.of("deployed size (bytes)", "vs FP32"));
    }
    Table t = new Table(header.toArray(String[]::new));
    report.accuracy().forEach((b, a) -> {
      List<String> row = new ArrayList<>(List.of(b.equals("32") ? "FP32" : b, Html.percent(a)));
      for (Map<String, Double> baseline : baselines.values()) {
        Double v = baseline.get(b);
        row.add(v == null ? "" : Html.percent(v));
      }
      if (withSizes) {
        Long bytes = sizes.bytesAt(b);
        boolean known = bytes != null && bytes >= 0;
        row.add(known ? Long.toString(bytes) : "");
        row.add(known && fp32 > 0 ? String.format(Locale.ROOT, "%.1f %%", 100.0 * bytes / fp32) : "");
      }
      t.row(row.toArray(String[]::new));
    });
    t.appendTo(md);
    if (sizes != null && sizes.bundleBytes() >= 0) {
      md.append("\nStored bundle: ").append(sizes.bundleBytes()).append(" bytes of tensors.\n");
    }
  }

  private static void gates(StringBuilder md, Gates g) {
    section(md, "Quality gates: " + (g.passed() ? "passed" : "FAILED"));
    if (g.checks().isEmpty()) {
      md.append("No checks were configured.\n");
      return;
    }
    Table t = new Table("check", "passed", "detail");
    g.checks().forEach(c -> t.row(c.name(), c.passed() ? "yes" : "no", c.detail() == null ? "" : c.detail()));
    t.appendTo(md);
  }

  private static void scaleDrift(StringBuilder md, ScaleDrift d) {
    section(md, "Scale drift");
    if (!d.activation().isEmpty()) {
      md.append("Activation scale of each quantized layer at the first and the last step:\n\n");
      List<String> layers = new ArrayList<>();
      d.activation().values().forEach(byLayer -> byLayer.keySet().forEach(l -> {
        if (!layers.contains(l)) {
          layers.add(l);
        }
      }));
      List<String> header = new ArrayList<>(List.of("layer"));
      d.activation().keySet().forEach(b -> header.add(b + "-bit"));
      Table t = new Table(header.toArray(String[]::new));
      for (String layer : layers) {
        List<String> row = new ArrayList<>(List.of(layer));
        d.activation().values().forEach(byLayer -> {
          ScaleDrift.Activation a = byLayer.get(layer);
          row.add(a == null ? "" : String.format(Locale.ROOT, "%.4g → %.4g", a.first(), a.last()));
        });
        t.row(row.toArray(String[]::new));
      }
      t.appendTo(md);
    }
    if (!d.weight().isEmpty()) {
      md.append("\nWeight scales, mean over channels of last / first:\n\n");
      Table t = new Table("layer", "mean ratio");
      d.weight().forEach((layer, w) -> t.row(layer, String.format(Locale.ROOT, "%.4f", w.meanRatio())));
      t.appendTo(md);
    }
  }

  private static void layerTraces(StringBuilder md, List<LayerTrace> layers) {
    section(md, "Per-layer Hessian traces");
    Table t = new Table("layer", "class", "params", "trace", "trace / param", "std. error of trace", "probes",
        "samples");
    for (LayerTrace l : layers) {
      t.row(l.name(), l.sensitivity() == null ? "" : l.sensitivity(), Html.integer(l.params()),
          Html.sci(l.trace(), "%.4g"), Html.sci(l.tracePerParam(), "%.3e"), Html.sci(l.stdError(), "%.2e"),
          Html.integer(l.probes()), Html.integer(l.samples()));
    }
    t.appendTo(md);
  }

  private static void hasbDraws(StringBuilder md, HasbDraws draws, String sampling) {
    section(md, "Bit-width draws during SuperNet training" + (sampling == null ? "" : " (sampling: " + sampling
        + ")"));
    md.append("Share of the steps each quantized layer ran at each bit-width:\n\n");
    SortedSet<Integer> widths = draws.widths();
    List<String> header = new ArrayList<>(List.of("layer", "draws"));
    widths.forEach(b -> header.add(Html.label(b)));
    Table t = new Table(header.toArray(String[]::new));
    draws.counts().forEach((layer, c) -> {
      double total = HasbDraws.total(c);
      List<String> row = new ArrayList<>(List.of(layer, String.format(Locale.ROOT, "%.0f", total)));
      for (int b : widths) {
        Double n = c.get(b);
        row.add(n == null ? "" : String.format(Locale.ROOT, "%.1f %%", 100 * n / total));
      }
      t.row(row.toArray(String[]::new));
    });
    t.appendTo(md);
  }

  private static void pareto(StringBuilder md, ParetoFront p) {
    section(md, "Pareto front: accuracy against deployed size");
    List<String> facts = new ArrayList<>();
    if (p.architecture() != null) {
      facts.add("architecture " + code(p.architecture()));
    }
    if (p.budgetKind() != null) {
      facts.add("budget kind " + code(p.budgetKind()));
    }
    if (p.tracesSource() != null) {
      facts.add("traces " + code(p.tracesSource()));
    }
    if (p.bundle() != null) {
      facts.add("bundle " + code(p.bundle()));
    }
    if (!facts.isEmpty()) {
      md.append(String.join(", ", facts)).append("\n\n");
    }
    Table t = new Table("model", "budget" + (p.budgetKind() == null ? "" : " (" + p.budgetKind() + ")"),
        "layer bits", "size (KiB)", "BitOPs", "avg bits", "accuracy");
    for (ParetoFront.Point m : ReportCharts.sortedBySize(p.members())) {
      paretoRow(t, "ILP front", m.budget(), RunReportPage.layerBits(m.layerBits(), p.layerOrder()), m, false);
    }
    for (ParetoFront.Point u : ReportCharts.sortedBySize(p.uniform())) {
      String b = u.bits() == null ? "" : u.bits().toString();
      paretoRow(t, "uniform " + b + "-bit", null, b.isEmpty() ? "" : "all " + b, u, false);
    }
    for (ParetoFront.Point r : ReportCharts.sortedBySize(p.random())) {
      String n = Html.integer(r.draws());
      paretoRow(t, "random" + (n.isEmpty() ? "" : " (" + n + " draws)"), r.budget(), "", r, true);
    }
    t.appendTo(md);
  }

  private static void paretoRow(Table t, String model, String budget, String layerBits, ParetoFront.Point p,
      boolean withSpread) {
    String accuracy = !Double.isFinite(p.accuracy()) ? ""
        : withSpread && Double.isFinite(p.accuracyStd())
            ? String.format(Locale.ROOT, "%.2f ± %.2f %%", 100 * p.accuracy(), 100 * p.accuracyStd())
            : Html.percent(p.accuracy());
    t.row(model, budget == null ? "" : budget, layerBits,
        Double.isFinite(p.sizeBytes()) ? String.format(Locale.ROOT, "%.1f", p.sizeBytes() / 1024) : "",
        Html.si(p.bitOps()), Double.isFinite(p.averageBits()) ? String.format(Locale.ROOT, "%.2f", p.averageBits())
            : "", accuracy);
  }

  private static void section(StringBuilder md, String title) {
    md.append("\n## ").append(title).append("\n\n");
  }

  /** A plain field's value: arrays and lists as comma-separated items, the rest as text. */
  private static String value(Object v) {
    if (v instanceof int[] a) {
      return String.join(", ", Arrays.stream(a).mapToObj(Integer::toString).toList());
    }
    if (v instanceof List<?> l) {
      return String.join(", ", l.stream().map(String::valueOf).toList());
    }
    if (v instanceof String s && s.isEmpty()) {
      return "(none)";
    }
    return String.valueOf(v);
  }

  /** Whether a list holds only plain values (a list of bit-widths, say), shown as one line. */
  private static boolean scalars(List<?> list) {
    return list.stream().noneMatch(e -> e instanceof Map || e instanceof List || e instanceof Record);
  }

  private static String code(String s) {
    return "`" + s + "`";
  }

  private static String json(Object v) {
    try {
      return JSON.writeValueAsString(v);
    } catch (JsonProcessingException e) {
      return String.valueOf(v);
    }
  }

  /** A Markdown pipe table; cells have their {@code |} escaped and line breaks flattened. */
  private static final class Table {
    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
      this.header = header;
    }

    Table row(String... cells) {
      rows.add(cells);
      return this;
    }

    void appendTo(StringBuilder md) {
      line(md, header);
      md.append('|');
      for (int i = 0; i < header.length; i++) {
        md.append("---|");
      }
      md.append('\n');
      rows.forEach(r -> line(md, r));
    }

    private static void line(StringBuilder md, String[] cells) {
      md.append('|');
      for (String c : cells) {
        md.append(' ').append(c.replace("|", "\\|").replace('\n', ' ')).append(" |");
      }
      md.append('\n');
    }
  }
}
