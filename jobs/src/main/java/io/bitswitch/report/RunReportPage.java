package io.bitswitch.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.bitswitch.progress.StepRecord;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import org.jfree.chart.JFreeChart;
import org.jfree.data.xy.XYSeries;

/**
 * {@code report.html} of a run: one self-contained page (no file beside it, no network) with the
 * per-bit accuracy table, the deployed sizes when the report has them, and the plots of
 * {@link ReportCharts}:
 *
 * <ul>
 *   <li>test accuracy against bit-width, FP32 as a horizontal reference line when the run
 *       measured it, and the accuracies of models trained at one precision alone as separate
 *       point series when the report has {@code baselines};
 *   <li>training loss of each precision over the steps;
 *   <li>the ALRS scale learning rate of each quantized precision over the steps (log axis), when
 *       there is a positive one (with ALRS off, report field {@code alrs = false}, the base rate
 *       the scales were updated with);
 *   <li>training throughput (images/s) over the steps;
 *   <li>with {@code layer_traces}: the Hessian trace per parameter of each layer as bars coloured
 *       by sensitive/insensitive, error bars from the trace's standard error, a log axis when the
 *       layers span two decades or more, and a table;
 *   <li>with {@code hasb_draws} (and {@code sampling}): the fraction of SuperNet steps each layer
 *       ran at each bit-width, grouped bars, and a table;
 *   <li>with {@code pareto}: accuracy against deployed size of the ILP front, the
 *       uniform-precision models and the random allocations (error bars from their spread), and a
 *       table.
 * </ul>
 *
 * <p>A section is drawn only when its field is usable (see {@link RunReport}'s accessors); the
 * other fields of the report (including one whose section could not be drawn) follow as a
 * table, nested values as JSON.
 *
 * <p>A small inline script sets {@code data-images-loaded} ({@code "true"} when every
 * {@code <img>} decoded to a non-empty picture), {@code data-image-count} and
 * {@code data-errors} (script or resource errors seen) on {@code <body>} once the page has
 * loaded, so a headless browser can check the page.
 */
public final class RunReportPage {
  /** The file name next to {@code report.json}. */
  public static final String FILE = "report.html";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private RunReportPage() {}

  /**
   * Renders the page.
   *
   * @param report the run's report
   * @param history the training steps, empty when the run did not train
   * @return the HTML text
   */
  public static String render(RunReport report, List<StepRecord> history) {
    Map<String, Double> accuracy = report.accuracy();
    StringBuilder html = new StringBuilder(256 * 1024);
    html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<title>bitswitch run report</title>\n<style>\n")
        .append("body{font-family:sans-serif;margin:2em;max-width:960px;color:#222}\n")
        .append("table{border-collapse:collapse;margin:1em 0}\n")
        .append("th,td{border:1px solid #bbb;padding:4px 10px;text-align:right;vertical-align:top}\n")
        .append("th{background:#eee}\ntd.k{text-align:left;font-family:monospace}\n")
        .append("pre{margin:0;text-align:left;max-height:20em;overflow:auto}\n")
        .append("img{display:block;margin:1em 0;border:1px solid #ddd}\n</style>\n</head>\n<body>\n")
        .append("<h1>bitswitch run report</h1>\n");

    // Fields with a section of their own (baselines, layer_traces, hasb_draws, pareto) join these
    // once the section was drawn; one that could not be drawn stays in the table of other fields,
    // so malformed data still shows.
    Set<String> drawn = new HashSet<>(Set.of("sizes"));
    Map<String, Map<String, Double>> baselines = report.baselines();
    if (!baselines.isEmpty()) {
      drawn.add("baselines");
    }
    html.append("<h2>Accuracy per bit-width</h2>\n");
    accuracyTable(html, accuracy, report.sizes().orElse(null), baselines);
    XYSeries quantized = new XYSeries("quantized (switched from one bundle)");
    accuracy.forEach((b, a) -> {
      Integer bits = ReportValues.bits(b);
      if (bits != null && bits != 32) {
        quantized.add(bits.intValue(), 100 * a);
      }
    });
    Double fp32 = accuracy.get("32");
    if (quantized.getItemCount() > 0 || fp32 != null || !baselines.isEmpty()) {
      ReportCharts.embed(html, "Test accuracy against bit-width",
          ReportCharts.accuracyChart(quantized, fp32, baselines));
    }

    html.append("<h2>Training</h2>\n");
    if (history.isEmpty()) {
      html.append("<p>No training steps were recorded in this run.</p>\n");
    } else {
      html.append(String.format(Locale.ROOT, "<p>%d steps, %d epoch(s).</p>%n", history.size(),
          history.get(history.size() - 1).epoch() + 1));
      ReportCharts.embed(html, "Training loss per bit-width", ReportCharts.lossChart(history));
      JFreeChart rates = ReportCharts.scaleRateChart(history, report.alrsOff()
          ? "Scale learning rate per bit-width (ALRS off: the base rate)" : "ALRS scale learning rate per bit-width");
      if (rates == null) {
        html.append("<p>No scale learning rates in this run (FP32 only).</p>\n");
      } else {
        ReportCharts.embed(html, rates.getTitle().getText(), rates);
      }
      ReportCharts.embed(html, "Training throughput", ReportCharts.throughputChart(history));
    }

    List<LayerTrace> traces = report.layerTraces();
    if (!traces.isEmpty()) {
      layerTracesSection(html, traces);
      drawn.add("layer_traces");
    }
    report.hasbDraws().ifPresent(draws -> {
      hasbSection(html, draws, report.sampling().orElse(null));
      drawn.add("hasb_draws");
    });
    report.pareto().ifPresent(pareto -> {
      paretoSection(html, pareto);
      drawn.add("pareto");
    });

    html.append("<h2>Other fields</h2>\n<table>\n<tr><th>field</th><th>value</th></tr>\n");
    Map<String, Object> others = new java.util.LinkedHashMap<>(report.fields());
    others.putAll(report.conventions().toFields());
    others.forEach((k, v) -> {
      if (!drawn.contains(k)) {
        html.append("<tr><td class=\"k\">").append(Html.escape(k)).append("</td><td class=\"k\">");
        if (v instanceof Map || v instanceof List || (v != null && (v.getClass().isArray() || v instanceof Record))) {
          html.append("<pre>").append(Html.escape(json(v))).append("</pre>");
        } else {
          html.append(Html.escape(String.valueOf(v)));
        }
        html.append("</td></tr>\n");
      }
    });
    html.append("</table>\n");

    html.append("<script>\n")
        .append("var bitswitchErrors = 0;\n")
        .append("window.addEventListener('error', function () { bitswitchErrors++; }, true);\n")
        .append("window.addEventListener('load', function () {\n")
        .append("  var imgs = Array.prototype.slice.call(document.images);\n")
        .append("  var ok = imgs.every(function (i) { return i.complete && i.naturalWidth > 0; });\n")
        .append("  document.body.dataset.imageCount = String(imgs.length);\n")
        .append("  document.body.dataset.imagesLoaded = String(ok);\n")
        .append("  document.body.dataset.errors = String(bitswitchErrors);\n")
        .append("});\n</script>\n</body>\n</html>\n");
    return html.toString();
  }

  private static void accuracyTable(StringBuilder html, Map<String, Double> accuracy, Sizes sizes,
      Map<String, Map<String, Double>> baselines) {
    long fp32 = sizes == null ? 0 : sizes.fp32ModelBytes();
    boolean withSizes = sizes != null && (fp32 > 0 || !sizes.deployed().isEmpty());
    html.append("<table id=\"accuracy\">\n<tr><th>bits</th><th>test accuracy</th>");
    for (String name : baselines.keySet()) {
      html.append("<th>").append(Html.escape(name)).append("</th>");
    }
    if (withSizes) {
      html.append("<th>deployed size (bytes)</th><th>vs FP32</th>");
    }
    html.append("</tr>\n");
    accuracy.forEach((b, a) -> {
      html.append("<tr><td>").append(b.equals("32") ? "FP32" : Html.escape(b)).append("</td><td>")
          .append(Html.percent(a)).append("</td>");
      for (Map<String, Double> baseline : baselines.values()) {
        Double v = baseline.get(b);
        html.append("<td>").append(v == null ? "" : Html.percent(v)).append("</td>");
      }
      if (withSizes) {
        Long bytes = sizes.bytesAt(b);
        html.append("<td>").append(bytes != null && bytes >= 0 ? Long.toString(bytes) : "").append("</td><td>")
            .append(bytes != null && bytes >= 0 && fp32 > 0
                ? String.format(Locale.ROOT, "%.1f %%", 100.0 * bytes / fp32) : "")
            .append("</td>");
      }
      html.append("</tr>\n");
    });
    html.append("</table>\n");
    if (sizes != null && sizes.bundleBytes() >= 0) {
      html.append("<p>Stored bundle: ").append(sizes.bundleBytes()).append(" bytes of tensors.</p>\n");
    }
  }

  /** The per-layer Hessian trace section: chart and table. */
  private static void layerTracesSection(StringBuilder html, List<LayerTrace> layers) {
    html.append("<h2>Per-layer Hessian traces</h2>\n")
        .append("<p>Hutchinson estimate of each quantized layer's Hessian trace per parameter; layers at or above "
            + "the mean are <em>sensitive</em> and get more bits. Error bars: the trace's standard error divided "
            + "by the layer's parameters.</p>\n");
    JFreeChart chart = ReportCharts.traceChart(layers);
    ReportCharts.embed(html, chart.getTitle().getText(), chart);
    html.append("<table id=\"layer-traces\">\n<tr><th>layer</th><th>class</th><th>params</th><th>trace</th>")
        .append("<th>trace / param</th><th>std. error of trace</th><th>probes</th><th>samples</th></tr>\n");
    for (LayerTrace l : layers) {
      html.append("<tr><td class=\"k\">").append(Html.escape(l.name())).append("</td><td class=\"k\">")
          .append(Html.escape(l.sensitivity() == null ? "" : l.sensitivity())).append("</td><td>")
          .append(Html.integer(l.params())).append("</td><td>").append(Html.sci(l.trace(), "%.4g")).append("</td><td>")
          .append(Html.sci(l.tracePerParam(), "%.3e")).append("</td><td>").append(Html.sci(l.stdError(), "%.2e"))
          .append("</td><td>").append(Html.integer(l.probes())).append("</td><td>").append(Html.integer(l.samples()))
          .append("</td></tr>\n");
    }
    html.append("</table>\n");
  }

  /** The HASB section: how often each layer ran at each bit-width during SuperNet training. */
  private static void hasbSection(StringBuilder html, HasbDraws draws, String sampling) {
    SortedSet<Integer> widths = draws.widths();
    String how = sampling == null ? "" : " (sampling: " + sampling + ")";
    html.append("<h2>Bit-width draws during SuperNet training</h2>\n<p>Fraction of the steps each quantized layer "
        + "ran at each bit-width").append(Html.escape(how)).append("; the dashed line is what uniform sampling over ")
        .append(widths.size()).append(" bit-widths would give.</p>\n");
    JFreeChart chart = ReportCharts.hasbChart(draws, how);
    ReportCharts.embed(html, chart.getTitle().getText(), chart);

    html.append("<table id=\"hasb-draws\">\n<tr><th>layer</th><th>draws</th>");
    for (int b : widths) {
      html.append("<th>").append(Html.label(b)).append("</th>");
    }
    html.append("</tr>\n");
    draws.counts().forEach((layer, c) -> {
      double total = HasbDraws.total(c);
      html.append("<tr><td class=\"k\">").append(Html.escape(layer)).append("</td><td>")
          .append(String.format(Locale.ROOT, "%.0f", total)).append("</td>");
      for (int b : widths) {
        Double n = c.get(b);
        html.append("<td>").append(n == null ? "" : String.format(Locale.ROOT, "%.1f %%", 100 * n / total))
            .append("</td>");
      }
      html.append("</tr>\n");
    });
    html.append("</table>\n");
  }

  /**
   * The Pareto section: accuracy against deployed size of the ILP front, the uniform-precision
   * models and the random allocations, and a table of all of them.
   */
  private static void paretoSection(StringBuilder html, ParetoFront pareto) {
    html.append("<h2>Pareto front: accuracy against deployed size</h2>\n<p>");
    String sep = "";
    String[][] facts = {{"architecture", pareto.architecture()}, {"budget_kind", pareto.budgetKind()},
        {"traces_source", pareto.tracesSource()}, {"bundle", pareto.bundle()}};
    for (String[] fact : facts) {
      if (fact[1] != null) {
        html.append(sep).append(Html.escape(fact[0])).append(": <code>").append(Html.escape(fact[1]))
            .append("</code>");
        sep = ", ";
      }
    }
    html.append("</p>\n");
    ReportCharts.embed(html, "Accuracy against deployed size", ReportCharts.paretoChart(pareto));

    String kind = pareto.budgetKind();
    html.append("<table id=\"pareto\">\n<tr><th>model</th><th>budget")
        .append(kind == null ? "" : " (" + Html.escape(kind) + ")")
        .append("</th><th>layer bits</th><th>size (KiB)</th><th>BitOPs</th>")
        .append("<th>avg bits</th><th>accuracy</th></tr>\n");
    for (ParetoFront.Point m : ReportCharts.sortedBySize(pareto.members())) {
      paretoRow(html, "ILP front", m.budget(), layerBits(m.layerBits(), pareto.layerOrder()), m, false);
    }
    for (ParetoFront.Point u : ReportCharts.sortedBySize(pareto.uniform())) {
      String b = u.bits() == null ? "" : u.bits().toString();
      paretoRow(html, "uniform " + b + "-bit", null, b.isEmpty() ? "" : "all " + b, u, false);
    }
    for (ParetoFront.Point r : ReportCharts.sortedBySize(pareto.random())) {
      String n = Html.integer(r.draws());
      paretoRow(html, "random" + (n.isEmpty() ? "" : " (" + n + " draws)"), r.budget(), "", r, true);
    }
    html.append("</table>\n");
  }

  /** {@code conv2:8 dense1:4}: in the graph order of pareto.json's layers, then the member's own order. */
  static String layerBits(Map<String, Integer> bits, List<String> order) {
    List<String> names = new java.util.ArrayList<>(order);
    names.retainAll(bits.keySet());
    for (String name : bits.keySet()) {
      if (!names.contains(name)) {
        names.add(name);
      }
    }
    StringBuilder out = new StringBuilder();
    for (String name : names) {
      out.append(out.length() == 0 ? "" : " ").append(name).append(':').append(bits.get(name));
    }
    return out.toString();
  }

  private static void paretoRow(StringBuilder html, String model, String budget, String layerBits,
      ParetoFront.Point p, boolean withSpread) {
    double size = p.sizeBytes();
    double avg = p.averageBits();
    html.append("<tr><td class=\"k\">").append(Html.escape(model)).append("</td><td>")
        .append(budget == null ? "" : Html.escape(budget)).append("</td><td class=\"k\">")
        .append(Html.escape(layerBits)).append("</td><td>")
        .append(Double.isFinite(size) ? String.format(Locale.ROOT, "%.1f", size / 1024) : "").append("</td><td>")
        .append(Html.si(p.bitOps())).append("</td><td>")
        .append(Double.isFinite(avg) ? String.format(Locale.ROOT, "%.2f", avg) : "").append("</td><td>")
        .append(accuracyText(p.accuracy(), withSpread ? p.accuracyStd() : Double.NaN)).append("</td></tr>\n");
  }

  private static String accuracyText(double a, double std) {
    if (!Double.isFinite(a)) {
      return "";
    }
    return Double.isFinite(std) ? String.format(Locale.ROOT, "%.2f &plusmn; %.2f %%", 100 * a, 100 * std)
        : String.format(Locale.ROOT, "%.2f %%", 100 * a);
  }

  private static String json(Object v) {
    try {
      return JSON.writeValueAsString(v);
    } catch (JsonProcessingException e) {
      return String.valueOf(v);
    }
  }
}
