package io.bitswitch.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.bitswitch.progress.StepRecord;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Rectangle;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.chart.util.ShapeUtils;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * {@code report.html} of a run: one self-contained page (no file beside it, no network) with the
 * per-bit accuracy table, the deployed sizes when the report has them, and plots drawn with
 * JFreeChart and embedded as base64 PNG {@code data:} URIs:
 *
 * <ul>
 *   <li>test accuracy against bit-width, FP32 as a horizontal reference line when the run
 *       measured it, and the accuracies of models trained at one precision alone as separate
 *       point series when the report has {@code baselines}
 *       ({@code {"single-precision": {"8": 0.91, ...}}});
 *   <li>training loss of each precision over the steps;
 *   <li>the ALRS scale learning rate of each quantized precision over the steps (log axis), when
 *       there is a positive one (with ALRS off, report field {@code alrs = false}, the base rate
 *       the scales were updated with);
 *   <li>training throughput (images/s) over the steps;
 *   <li>with {@code layer_traces} (the {@code layers} of {@code sensitivity.json}): the Hessian
 *       trace per parameter of each layer as bars coloured by sensitive/insensitive, error bars
 *       from the trace's standard error, a log axis when the layers span two decades or more, and
 *       a table;
 *   <li>with {@code hasb_draws} ({@code {"conv2": {"8": 1234, ...}, ...}}, and {@code sampling}):
 *       the fraction of SuperNet steps each layer ran at each bit-width, grouped bars, and a
 *       table;
 *   <li>with {@code pareto} (the content of {@code pareto.json}): accuracy against deployed size
 *       of the ILP front, the uniform-precision models and the random allocations (error bars from
 *       their spread), and a table.
 * </ul>
 *
 * <p>Values may be what Jackson read from {@code report.json} or Java objects a stage put in (any
 * {@link Number}, {@link Map} or {@link List}); map keys are read with {@code String.valueOf}. A
 * section is drawn only when its field is present and usable; the other fields of the report
 * (including one of those whose section could not be drawn) follow as a table, nested values as
 * JSON.
 *
 * <p>A small inline script sets {@code data-images-loaded} ({@code "true"} when every
 * {@code <img>} decoded to a non-empty picture), {@code data-image-count} and
 * {@code data-errors} (script or resource errors seen) on {@code <body>} once the page has
 * loaded, so a headless browser can check the page.
 *
 * <p>Charts are rendered headless: the class sets {@code java.awt.headless=true} before it first
 * touches AWT unless the property was set already.
 */
public final class RunReportHtml {
  /** The file name next to {@code report.json}. */
  public static final String FILE = "report.html";

  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private static final int WIDTH = 900;
  private static final int HEIGHT = 420;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /** Report fields shown by the accuracy table rather than in the table of other fields. */
  private static final Set<String> TABLE_FIELDS = Set.of("accuracy", "sizes");
  private static final Color SENSITIVE = new Color(0xC0, 0x39, 0x2B);
  private static final Color INSENSITIVE = new Color(0x2E, 0x86, 0xC1);
  private static final Color UNCLASSIFIED = new Color(0x95, 0xA5, 0xA6);
  /** Span of trace per parameter (max / min) from which the trace chart switches to a log axis. */
  private static final double LOG_SPAN = 100;

  private RunReportHtml() {}

  /**
   * Renders the page.
   *
   * @param report the run's report, {@code {"accuracy": {"32": 0.91, "8": 0.90, ...}, "sizes": {...}, ...}}
   * @param history the training steps, empty when the run did not train
   * @return the HTML text
   */
  public static String render(Map<String, Object> report, List<StepRecord> history) {
    Map<String, Double> accuracy = accuracy(report);
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
    Set<String> drawn = new HashSet<>(TABLE_FIELDS);
    Map<String, Map<String, Double>> baselines = baselines(report);
    if (!baselines.isEmpty()) {
      drawn.add("baselines");
    }
    html.append("<h2>Accuracy per bit-width</h2>\n");
    accuracyTable(html, accuracy, sizes(report), baselines);
    XYSeries quantized = new XYSeries("quantized (switched from one bundle)");
    accuracy.forEach((b, a) -> {
      Integer bits = bits(b);
      if (bits != null && bits != 32) {
        quantized.add(bits.intValue(), 100 * a);
      }
    });
    Double fp32 = accuracy.get("32");
    if (quantized.getItemCount() > 0 || fp32 != null || !baselines.isEmpty()) {
      image(html, "Test accuracy against bit-width", accuracyChart(quantized, fp32, baselines));
    }

    html.append("<h2>Training</h2>\n");
    if (history.isEmpty()) {
      html.append("<p>No training steps were recorded in this run.</p>\n");
    } else {
      html.append(String.format(Locale.ROOT, "<p>%d steps, %d epoch(s).</p>%n", history.size(),
          history.get(history.size() - 1).epoch() + 1));
      image(html, "Training loss per bit-width", lossChart(history));
      boolean alrsOff = Boolean.FALSE.equals(report.get("alrs"));
      JFreeChart rates = scaleRateChart(history, alrsOff ? "Scale learning rate per bit-width (ALRS off: the base rate)"
          : "ALRS scale learning rate per bit-width");
      if (rates == null) {
        html.append("<p>No scale learning rates in this run (FP32 only).</p>\n");
      } else {
        image(html, rates.getTitle().getText(), rates);
      }
      image(html, "Training throughput", throughputChart(history));
    }

    if (layerTracesSection(html, maps(report.get("layer_traces")))) {
      drawn.add("layer_traces");
    }
    if (hasbSection(html, map(report.get("hasb_draws")), report.get("sampling"))) {
      drawn.add("hasb_draws");
    }
    if (paretoSection(html, map(report.get("pareto")))) {
      drawn.add("pareto");
    }

    html.append("<h2>Other fields</h2>\n<table>\n<tr><th>field</th><th>value</th></tr>\n");
    report.forEach((k, v) -> {
      if (!drawn.contains(k)) {
        html.append("<tr><td class=\"k\">").append(escape(k)).append("</td><td class=\"k\">");
        if (v instanceof Map || v instanceof List || (v != null && v.getClass().isArray())) {
          html.append("<pre>").append(escape(json(v))).append("</pre>");
        } else {
          html.append(escape(String.valueOf(v)));
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

  /**
   * Renders the page and writes it to {@code uri} (any Hadoop file system).
   *
   * @param uri where to write, normally {@code <run-dir>/report.html}
   * @param report the run's report
   * @param history the training steps, empty when the run did not train
   * @param conf the Hadoop configuration of the file system
   */
  public static void write(String uri, Map<String, Object> report, List<StepRecord> history,
      org.apache.hadoop.conf.Configuration conf) {
    io.bitswitch.store.RunFiles.writeText(uri, render(report, history), conf);
  }

  /** Accuracy ratios by bit-width key, in the report's order; entries without a number are dropped. */
  private static Map<String, Double> accuracy(Map<String, Object> report) {
    return ratios(report.get("accuracy"));
  }

  /** {@code {"8": 0.91, ...}} as String keys and doubles, or empty. */
  private static Map<String, Double> ratios(Object o) {
    Map<String, Double> out = new LinkedHashMap<>();
    map(o).forEach((k, v) -> {
      double d = number(v);
      if (Double.isFinite(d)) {
        out.put(k, d);
      }
    });
    return out;
  }

  /** {@code baselines}: series name to accuracy by bit-width; series without a number are dropped. */
  private static Map<String, Map<String, Double>> baselines(Map<String, Object> report) {
    Map<String, Map<String, Double>> out = new LinkedHashMap<>();
    map(report.get("baselines")).forEach((name, acc) -> {
      Map<String, Double> r = ratios(acc);
      if (!r.isEmpty()) {
        out.put(name, r);
      }
    });
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> sizes(Map<String, Object> report) {
    Object s = report.get("sizes");
    return s instanceof Map ? (Map<String, Object>) s : Map.of();
  }

  private static void accuracyTable(StringBuilder html, Map<String, Double> accuracy, Map<String, Object> sizes,
      Map<String, Map<String, Double>> baselines) {
    Object deployedObj = sizes.get("deployed_bytes");
    Map<?, ?> deployed = deployedObj instanceof Map<?, ?> m ? m : Map.of();
    long fp32 = sizes.get("fp32_model_bytes") instanceof Number n ? n.longValue() : 0;
    boolean withSizes = fp32 > 0 || !deployed.isEmpty();
    html.append("<table id=\"accuracy\">\n<tr><th>bits</th><th>test accuracy</th>");
    for (String name : baselines.keySet()) {
      html.append("<th>").append(escape(name)).append("</th>");
    }
    if (withSizes) {
      html.append("<th>deployed size (bytes)</th><th>vs FP32</th>");
    }
    html.append("</tr>\n");
    accuracy.forEach((b, a) -> {
      html.append("<tr><td>").append(b.equals("32") ? "FP32" : escape(b)).append("</td><td>")
          .append(String.format(Locale.ROOT, "%.2f %%", 100 * a)).append("</td>");
      for (Map<String, Double> baseline : baselines.values()) {
        Double v = baseline.get(b);
        html.append("<td>").append(v == null ? "" : String.format(Locale.ROOT, "%.2f %%", 100 * v)).append("</td>");
      }
      if (withSizes) {
        Object size = b.equals("32") ? (fp32 > 0 ? fp32 : null) : deployed.get(b);
        long bytes = size instanceof Number n ? n.longValue() : -1;
        html.append("<td>").append(bytes >= 0 ? Long.toString(bytes) : "").append("</td><td>")
            .append(bytes >= 0 && fp32 > 0 ? String.format(Locale.ROOT, "%.1f %%", 100.0 * bytes / fp32) : "")
            .append("</td>");
      }
      html.append("</tr>\n");
    });
    html.append("</table>\n");
    if (sizes.get("bundle_bytes") instanceof Number n) {
      html.append("<p>Stored bundle: ").append(n.longValue()).append(" bytes of tensors.</p>\n");
    }
  }

  private static JFreeChart accuracyChart(XYSeries quantized, Double fp32, Map<String, Map<String, Double>> baselines) {
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(quantized);
    JFreeChart chart = ChartFactory.createXYLineChart("Test accuracy against bit-width", "bits", "accuracy (%)",
        data, PlotOrientation.VERTICAL, fp32 != null || !baselines.isEmpty(), false, false);
    XYPlot plot = style(chart);
    NumberAxis bits = (NumberAxis) plot.getDomainAxis();
    bits.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    NumberAxis acc = (NumberAxis) plot.getRangeAxis();
    acc.setAutoRangeIncludesZero(false);
    // Baselines are separate models, one per precision: points, not a line through them.
    XYSeriesCollection others = new XYSeriesCollection();
    baselines.forEach((name, byBits) -> {
      XYSeries s = new XYSeries(name + " (trained alone)");
      byBits.forEach((b, a) -> {
        Integer n = bits(b);
        if (n != null) {
          s.add(n.intValue(), 100 * a);
        }
      });
      if (s.getItemCount() > 0) {
        others.addSeries(s);
      }
    });
    if (others.getSeriesCount() > 0) {
      XYLineAndShapeRenderer points = new XYLineAndShapeRenderer(false, true);
      for (int i = 0; i < others.getSeriesCount(); i++) {
        points.setSeriesShape(i, new Rectangle(-5, -5, 10, 10));
        points.setSeriesPaint(i, i == 0 ? new Color(0x27, 0xAE, 0x60) : UNCLASSIFIED);
      }
      plot.setDataset(1, others);
      plot.setRenderer(1, points);
    }
    if (fp32 != null) {
      plot.addRangeMarker(dashedLine(100 * fp32, new Color(0xC0, 0x39, 0x2B), 1.5f,
          String.format(Locale.ROOT, "FP32 %.2f %%", 100 * fp32)));
      // Keep the reference line inside the visible range.
      double lo = 100 * fp32;
      double hi = 100 * fp32;
      for (int i = 0; i < quantized.getItemCount(); i++) {
        lo = Math.min(lo, quantized.getY(i).doubleValue());
        hi = Math.max(hi, quantized.getY(i).doubleValue());
      }
      for (int j = 0; j < others.getSeriesCount(); j++) {
        lo = Math.min(lo, others.getSeries(j).getMinY());
        hi = Math.max(hi, others.getSeries(j).getMaxY());
      }
      double pad = Math.max(0.5, (hi - lo) * 0.1);
      acc.setRange(lo - pad, hi + pad);
    }
    if (quantized.getItemCount() == 0 && others.getSeriesCount() == 0) {
      bits.setRange(0, 33);
    }
    return chart;
  }

  /**
   * The per-layer Hessian trace section: chart and table of {@code layer_traces}.
   *
   * @return whether the section was drawn (some layer had a name and a finite trace per parameter)
   */
  private static boolean layerTracesSection(StringBuilder html, List<Map<String, Object>> layers) {
    List<Map<String, Object>> usable = new ArrayList<>();
    for (Map<String, Object> l : layers) {
      if (l.get("name") != null && Double.isFinite(number(l.get("tracePerParam")))) {
        usable.add(l);
      }
    }
    if (usable.isEmpty()) {
      return false;
    }
    html.append("<h2>Per-layer Hessian traces</h2>\n")
        .append("<p>Hutchinson estimate of each quantized layer's Hessian trace per parameter; layers at or above "
            + "the mean are <em>sensitive</em> and get more bits. Error bars: the trace's standard error divided "
            + "by the layer's parameters.</p>\n");
    JFreeChart chart = traceChart(usable);
    image(html, chart.getTitle().getText(), chart);
    html.append("<table id=\"layer-traces\">\n<tr><th>layer</th><th>class</th><th>params</th><th>trace</th>")
        .append("<th>trace / param</th><th>std. error of trace</th><th>probes</th><th>samples</th></tr>\n");
    for (Map<String, Object> l : usable) {
      html.append("<tr><td class=\"k\">").append(escape(String.valueOf(l.get("name")))).append("</td><td class=\"k\">")
          .append(escape(text(l.get("class")))).append("</td><td>").append(integer(l.get("params")))
          .append("</td><td>").append(sci(number(l.get("trace")), "%.4g")).append("</td><td>")
          .append(sci(number(l.get("tracePerParam")), "%.3e")).append("</td><td>")
          .append(sci(number(l.get("stdError")), "%.2e")).append("</td><td>").append(integer(l.get("probes")))
          .append("</td><td>").append(integer(l.get("samples"))).append("</td></tr>\n");
    }
    html.append("</table>\n");
    return true;
  }

  /** Trace per parameter per layer as bars coloured by class, with the mean as the threshold line. */
  private static JFreeChart traceChart(List<Map<String, Object>> layers) {
    DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
    List<Paint> paints = new ArrayList<>();
    Set<String> classes = new HashSet<>();
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sum = 0;
    for (Map<String, Object> l : layers) {
      double t = number(l.get("tracePerParam"));
      min = Math.min(min, t);
      max = Math.max(max, t);
      sum += t;
    }
    // Bars need a positive floor on a log axis: only when every layer is positive (a noisy
    // Hutchinson estimate can come out negative) and they span two decades or more.
    boolean log = min > 0 && max / min >= LOG_SPAN;
    double lo = min;
    double hi = max;
    for (Map<String, Object> l : layers) {
      String name = String.valueOf(l.get("name"));
      double t = number(l.get("tracePerParam"));
      double params = number(l.get("params"));
      // stdError is the standard error of the layer's trace, not of the trace per parameter.
      double err = params > 0 ? number(l.get("stdError")) / params : Double.NaN;
      Double bar = null;
      if (Double.isFinite(err) && err >= 0) {
        hi = Math.max(hi, t + err);
        // On a log axis a lower end at or below zero has no position: it is drawn just above
        // zero instead, which the plot clips at the axis floor (the table has the exact value).
        bar = log && t - err <= 0 ? t * (1 - 1e-9) : err;
        if (!log) {
          lo = Math.min(lo, t - err);
        }
      }
      data.add((Number) t, bar, "trace / param", name);
      String cls = text(l.get("class"));
      classes.add(cls);
      paints.add(switch (cls) {
        case "sensitive" -> SENSITIVE;
        case "insensitive" -> INSENSITIVE;
        default -> UNCLASSIFIED;
      });
    }
    String title = "Hessian trace per parameter per layer" + (log ? " (log axis)" : "");
    JFreeChart chart = ChartFactory.createBarChart(title, "layer", "trace / param", data,
        PlotOrientation.VERTICAL, true, false, false);
    CategoryPlot plot = style(chart, layers.size());
    StatisticalBarRenderer bars = new ClassColouredBars(paints);
    bars.setErrorIndicatorPaint(Color.DARK_GRAY);
    bars.setErrorIndicatorStroke(new BasicStroke(1.2f));
    bars.setDrawBarOutline(false);
    bars.setBarPainter(new StandardBarPainter());
    bars.setShadowVisible(false);
    bars.setMaximumBarWidth(0.12);
    plot.setRenderer(bars);
    LegendItemCollection legend = new LegendItemCollection();
    Rectangle box = new Rectangle(-5, -5, 10, 10);
    if (classes.remove("sensitive")) {
      legend.add(new LegendItem("sensitive", null, null, null, box, SENSITIVE));
    }
    if (classes.remove("insensitive")) {
      legend.add(new LegendItem("insensitive", null, null, null, box, INSENSITIVE));
    }
    if (!classes.isEmpty()) {
      legend.add(new LegendItem("unclassified", null, null, null, box, UNCLASSIFIED));
    }
    plot.setFixedLegendItems(legend);
    if (log) {
      LogAxis axis = new LogAxis("trace / param (log)");
      axis.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      axis.setNumberFormatOverride(new java.text.DecimalFormat("0.0E0",
          java.text.DecimalFormatSymbols.getInstance(Locale.ROOT)));
      // Whole decades around the data, the lowest bar still a visible stub above the floor.
      axis.setRange(Math.pow(10, Math.floor(Math.log10(lo / 2))), Math.pow(10, Math.ceil(Math.log10(hi * 1.05))));
      plot.setRangeAxis(axis);
    } else {
      NumberAxis axis = (NumberAxis) plot.getRangeAxis();
      axis.setNumberFormatOverride(new java.text.DecimalFormat("0.00E0",
          java.text.DecimalFormatSymbols.getInstance(Locale.ROOT)));
      double pad = (Math.max(hi, 0) - Math.min(lo, 0)) * 0.05;
      axis.setRange(Math.min(lo, 0) - (lo < 0 ? pad : 0), Math.max(hi, 0) + pad);
    }
    plot.addRangeMarker(dashedLine(sum / layers.size(), Color.DARK_GRAY, 1.2f,
        String.format(Locale.ROOT, "mean %.2e (threshold)", sum / layers.size())));
    return chart;
  }

  /** Bars (and their error bars) with one colour per column, the layer's class, rather than per series. */
  private static final class ClassColouredBars extends StatisticalBarRenderer {
    private static final long serialVersionUID = 1L;
    private final List<Paint> paints;

    ClassColouredBars(List<Paint> paints) {
      this.paints = List.copyOf(paints);
    }

    @Override
    public Paint getItemPaint(int row, int column) {
      return column < paints.size() ? paints.get(column) : UNCLASSIFIED;
    }
  }

  /**
   * The HASB section: how often each layer ran at each bit-width during SuperNet training.
   *
   * @param draws {@code {"conv2": {"8": 1234, ...}, ...}}
   * @param sampling the report's {@code sampling} field ({@code hasb} or {@code uniform}), or null
   * @return whether the section was drawn (some layer had a positive count)
   */
  private static boolean hasbSection(StringBuilder html, Map<String, Object> draws, Object sampling) {
    // Bit-widths largest first, as everywhere else in the report.
    TreeSet<Integer> widths = new TreeSet<>(java.util.Comparator.reverseOrder());
    Map<String, Map<Integer, Double>> counts = new LinkedHashMap<>();
    draws.forEach((layer, byBits) -> {
      Map<Integer, Double> c = new LinkedHashMap<>();
      map(byBits).forEach((b, n) -> {
        Integer bits = bits(b);
        double v = number(n);
        if (bits != null && Double.isFinite(v) && v >= 0) {
          c.put(bits, v);
        }
      });
      if (c.values().stream().mapToDouble(Double::doubleValue).sum() > 0) {
        counts.put(layer, c);
        widths.addAll(c.keySet());
      }
    });
    if (counts.isEmpty()) {
      return false;
    }
    String how = sampling == null ? "" : " (sampling: " + sampling + ")";
    html.append("<h2>Bit-width draws during SuperNet training</h2>\n<p>Fraction of the steps each quantized layer "
        + "ran at each bit-width").append(escape(how)).append("; the dashed line is what uniform sampling over ")
        .append(widths.size()).append(" bit-widths would give.</p>\n");
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    counts.forEach((layer, c) -> {
      double total = c.values().stream().mapToDouble(Double::doubleValue).sum();
      for (int b : widths) {
        data.addValue(c.getOrDefault(b, 0.0) / total, label(b), layer);
      }
    });
    JFreeChart chart = ChartFactory.createBarChart("Bit-width draws per layer" + how, "layer", "fraction of draws",
        data, PlotOrientation.VERTICAL, true, false, false);
    CategoryPlot plot = style(chart, counts.size());
    BarRenderer bars = (BarRenderer) plot.getRenderer();
    bars.setItemMargin(0.05);
    // Bit-widths are ordered: dark for many bits, light for few.
    Color dark = new Color(0x08, 0x30, 0x6B);
    Color light = new Color(0x9E, 0xCA, 0xE1);
    for (int i = 0; i < widths.size(); i++) {
      double f = widths.size() == 1 ? 0 : (double) i / (widths.size() - 1);
      bars.setSeriesPaint(i, new Color((int) Math.round(dark.getRed() + f * (light.getRed() - dark.getRed())),
          (int) Math.round(dark.getGreen() + f * (light.getGreen() - dark.getGreen())),
          (int) Math.round(dark.getBlue() + f * (light.getBlue() - dark.getBlue()))));
    }
    plot.addRangeMarker(dashedLine(1.0 / widths.size(), Color.DARK_GRAY, 1.2f, "uniform 1/" + widths.size()));
    image(html, chart.getTitle().getText(), chart);

    html.append("<table id=\"hasb-draws\">\n<tr><th>layer</th><th>draws</th>");
    for (int b : widths) {
      html.append("<th>").append(label(b)).append("</th>");
    }
    html.append("</tr>\n");
    counts.forEach((layer, c) -> {
      double total = c.values().stream().mapToDouble(Double::doubleValue).sum();
      html.append("<tr><td class=\"k\">").append(escape(layer)).append("</td><td>")
          .append(String.format(Locale.ROOT, "%.0f", total)).append("</td>");
      for (int b : widths) {
        Double n = c.get(b);
        html.append("<td>").append(n == null ? "" : String.format(Locale.ROOT, "%.1f %%", 100 * n / total))
            .append("</td>");
      }
      html.append("</tr>\n");
    });
    html.append("</table>\n");
    return true;
  }

  /**
   * The Pareto section: accuracy against deployed size of the ILP front, the uniform-precision
   * models and the random allocations, and a table of all of them.
   *
   * @param pareto the content of {@code pareto.json}
   * @return whether the section was drawn (the front or the uniform models had some entry)
   */
  private static boolean paretoSection(StringBuilder html, Map<String, Object> pareto) {
    List<Map<String, Object>> members = maps(pareto.get("members"));
    List<Map<String, Object>> uniform = maps(pareto.get("uniform"));
    List<Map<String, Object>> random = maps(pareto.get("random"));
    if (members.isEmpty() && uniform.isEmpty()) {
      return false;
    }
    html.append("<h2>Pareto front: accuracy against deployed size</h2>\n<p>");
    String sep = "";
    for (String k : List.of("architecture", "budgetKind", "tracesSource", "bundle")) {
      if (pareto.get(k) != null) {
        html.append(sep).append(escape(k)).append(": <code>").append(escape(String.valueOf(pareto.get(k))))
            .append("</code>");
        sep = ", ";
      }
    }
    html.append("</p>\n");
    image(html, "Accuracy against deployed size", paretoChart(members, uniform, random));

    // Layer order of pareto.json's layers (graph order), else each member's own order.
    List<String> order = new ArrayList<>();
    for (Map<String, Object> l : maps(pareto.get("layers"))) {
      if (l.get("name") != null) {
        order.add(String.valueOf(l.get("name")));
      }
    }
    Object kind = pareto.get("budgetKind");
    html.append("<table id=\"pareto\">\n<tr><th>model</th><th>budget").append(kind == null ? "" : " (" + escape(
        String.valueOf(kind)) + ")").append("</th><th>layer bits</th><th>size (KiB)</th><th>BitOPs</th>")
        .append("<th>avg bits</th><th>accuracy</th></tr>\n");
    for (Map<String, Object> m : sortedBySize(members)) {
      Map<String, Object> bits = map(m.get("layerBits"));
      StringBuilder layerBits = new StringBuilder();
      List<String> names = new ArrayList<>(order);
      names.retainAll(bits.keySet());
      for (String name : bits.keySet()) {
        if (!names.contains(name)) {
          names.add(name);
        }
      }
      for (String name : names) {
        layerBits.append(layerBits.length() == 0 ? "" : " ").append(name).append(':').append(integer(bits.get(name)));
      }
      paretoRow(html, "ILP front", m.get("budget"), layerBits.toString(), m, accuracyText(m, null));
    }
    for (Map<String, Object> u : sortedBySize(uniform)) {
      String b = integer(u.get("bits"));
      paretoRow(html, "uniform " + b + "-bit", null, b.isEmpty() ? "" : "all " + b, u, accuracyText(u, null));
    }
    for (Map<String, Object> r : sortedBySize(random)) {
      String n = integer(r.get("draws"));
      paretoRow(html, "random" + (n.isEmpty() ? "" : " (" + n + " draws)"), r.get("budget"), "", r,
          accuracyText(r, r.get("accuracyStd")));
    }
    html.append("</table>\n");
    return true;
  }

  private static void paretoRow(StringBuilder html, String model, Object budget, String layerBits,
      Map<String, Object> m, String accuracy) {
    double size = number(m.get("sizeBytes"));
    double bitOps = number(m.get("bitOps"));
    double avg = number(m.get("averageBits"));
    html.append("<tr><td class=\"k\">").append(escape(model)).append("</td><td>")
        .append(budget == null ? "" : escape(String.valueOf(budget))).append("</td><td class=\"k\">")
        .append(escape(layerBits)).append("</td><td>")
        .append(Double.isFinite(size) ? String.format(Locale.ROOT, "%.1f", size / 1024) : "").append("</td><td>")
        .append(si(bitOps)).append("</td><td>")
        .append(Double.isFinite(avg) ? String.format(Locale.ROOT, "%.2f", avg) : "").append("</td><td>")
        .append(accuracy).append("</td></tr>\n");
  }

  private static String accuracyText(Map<String, Object> m, Object std) {
    double a = number(m.get("accuracy"));
    if (!Double.isFinite(a)) {
      return "";
    }
    double s = number(std);
    return Double.isFinite(s) ? String.format(Locale.ROOT, "%.2f &plusmn; %.2f %%", 100 * a, 100 * s)
        : String.format(Locale.ROOT, "%.2f %%", 100 * a);
  }

  private static List<Map<String, Object>> sortedBySize(List<Map<String, Object>> rows) {
    List<Map<String, Object>> out = new ArrayList<>(rows);
    // Entries without a size go last; the sort is stable, so they keep their order.
    out.sort(java.util.Comparator.comparingDouble(m -> {
      double v = number(m.get("sizeBytes"));
      return Double.isFinite(v) ? v : Double.POSITIVE_INFINITY;
    }));
    return out;
  }

  private static JFreeChart paretoChart(List<Map<String, Object>> members, List<Map<String, Object>> uniform,
      List<Map<String, Object>> random) {
    XYSeries front = new XYSeries("ILP front");
    for (Map<String, Object> m : members) {
      double size = number(m.get("sizeBytes"));
      double acc = number(m.get("accuracy"));
      if (Double.isFinite(size) && Double.isFinite(acc)) {
        front.add(size / 1024, 100 * acc);
      }
    }
    // Not auto-sorted: item i must stay uniformLabels' entry i.
    XYSeries uniformPoints = new XYSeries("uniform precision", false, true);
    List<String> uniformLabels = new ArrayList<>();
    for (Map<String, Object> u : sortedBySize(uniform)) {
      double size = number(u.get("sizeBytes"));
      double acc = number(u.get("accuracy"));
      if (Double.isFinite(size) && Double.isFinite(acc)) {
        uniformPoints.add(size / 1024, 100 * acc);
        String b = integer(u.get("bits"));
        uniformLabels.add(b.isEmpty() ? "" : b + "-bit");
      }
    }
    YIntervalSeries randomPoints = new YIntervalSeries("random allocation (mean, std)");
    for (Map<String, Object> r : random) {
      double size = number(r.get("sizeBytes"));
      double acc = number(r.get("accuracy"));
      double std = number(r.get("accuracyStd"));
      if (Double.isFinite(size) && Double.isFinite(acc)) {
        double d = Double.isFinite(std) ? 100 * std : 0;
        randomPoints.add(size / 1024, 100 * acc, 100 * acc - d, 100 * acc + d);
      }
    }

    XYSeriesCollection frontData = new XYSeriesCollection();
    frontData.addSeries(front);
    JFreeChart chart = ChartFactory.createXYLineChart("Accuracy against deployed size", "deployed size (KiB)",
        "accuracy (%)", frontData, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = style(chart);
    XYLineAndShapeRenderer line = (XYLineAndShapeRenderer) plot.getRenderer();
    line.setSeriesPaint(0, INSENSITIVE);
    line.setSeriesStroke(0, new BasicStroke(2f));
    line.setSeriesShape(0, new Ellipse2D.Double(-4, -4, 8, 8));
    line.setSeriesShapesVisible(0, true);
    NumberAxis size = (NumberAxis) plot.getDomainAxis();
    // style() gives x axes whole-number ticks (steps); sizes are not whole numbers.
    size.setStandardTickUnits(NumberAxis.createStandardTickUnits());
    size.setAutoRangeIncludesZero(false);
    ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    if (uniformPoints.getItemCount() > 0) {
      XYLineAndShapeRenderer points = new XYLineAndShapeRenderer(false, true);
      points.setSeriesPaint(0, SENSITIVE);
      points.setSeriesShape(0, new Rectangle(-5, -5, 10, 10));
      points.setDefaultItemLabelGenerator((dataset, series, item) -> uniformLabels.get(item));
      points.setDefaultItemLabelsVisible(true);
      points.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      points.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE12,
          TextAnchor.BOTTOM_CENTER));
      plot.setDataset(1, new XYSeriesCollection(uniformPoints));
      plot.setRenderer(1, points);
    }
    if (randomPoints.getItemCount() > 0) {
      YIntervalSeriesCollection randomData = new YIntervalSeriesCollection();
      randomData.addSeries(randomPoints);
      XYErrorRenderer errors = new XYErrorRenderer();
      errors.setDefaultLinesVisible(false);
      errors.setDrawXError(false);
      errors.setSeriesPaint(0, UNCLASSIFIED.darker());
      errors.setSeriesShape(0, ShapeUtils.createDiamond(5f));
      errors.setCapLength(8);
      plot.setDataset(2, randomData);
      plot.setRenderer(2, errors);
    }
    return chart;
  }

  private static JFreeChart lossChart(List<StepRecord> history) {
    int[] precisions = history.get(0).precisions();
    XYSeriesCollection data = new XYSeriesCollection();
    for (int j = 0; j < precisions.length; j++) {
      XYSeries s = new XYSeries(label(precisions[j]));
      for (StepRecord r : history) {
        if (Double.isFinite(r.loss()[j])) {
          s.add(r.step(), r.loss()[j]);
        }
      }
      data.addSeries(s);
    }
    JFreeChart chart = ChartFactory.createXYLineChart("Training loss per bit-width", "step", "cross-entropy", data,
        PlotOrientation.VERTICAL, true, false, false);
    style(chart);
    return chart;
  }

  /** The ALRS rates on a log axis, or null when no precision has a positive finite rate. */
  private static JFreeChart scaleRateChart(List<StepRecord> history, String title) {
    int[] precisions = history.get(0).precisions();
    XYSeriesCollection data = new XYSeriesCollection();
    for (int j = 0; j < precisions.length; j++) {
      XYSeries s = new XYSeries(label(precisions[j]));
      for (StepRecord r : history) {
        double v = r.scaleLearningRate()[j];
        if (Double.isFinite(v) && v > 0) {
          s.add(r.step(), v);
        }
      }
      if (s.getItemCount() > 0) {
        data.addSeries(s);
      }
    }
    if (data.getSeriesCount() == 0) {
      return null;
    }
    JFreeChart chart = ChartFactory.createXYLineChart(title, "step",
        "scale learning rate", data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = style(chart);
    LogAxis log = new LogAxis("scale learning rate (log)");
    log.setSmallestValue(1e-12);
    log.setAutoRange(true);
    log.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    log.setNumberFormatOverride(new java.text.DecimalFormat("0.0E0",
        java.text.DecimalFormatSymbols.getInstance(Locale.ROOT)));
    plot.setRangeAxis(log);
    return chart;
  }

  private static JFreeChart throughputChart(List<StepRecord> history) {
    XYSeries s = new XYSeries("images/s");
    for (StepRecord r : history) {
      if (Double.isFinite(r.imagesPerSecond())) {
        s.add(r.step(), r.imagesPerSecond());
      }
    }
    JFreeChart chart = ChartFactory.createXYLineChart("Training throughput", "step", "images/s",
        new XYSeriesCollection(s), PlotOrientation.VERTICAL, false, false, false);
    style(chart);
    return chart;
  }

  private static String label(int bits) {
    return bits == 32 ? "FP32" : bits + "-bit";
  }

  private static XYPlot style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
    plot.setRangeGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
    if (plot.getDomainAxis() instanceof NumberAxis x && !"bits".equals(x.getLabel())) {
      // Steps are whole numbers.
      x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    }
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < plot.getSeriesCount(); i++) {
      renderer.setSeriesStroke(i, new BasicStroke(1.5f));
    }
    plot.setRenderer(renderer);
    if (plot.getDataset() != null && plot.getDataset().getSeriesCount() > 0
        && plot.getDataset().getItemCount(0) <= 16) {
      renderer.setDefaultShapesVisible(true);
    }
    return plot;
  }

  /** A dashed horizontal reference line labelled above its right end. */
  private static ValueMarker dashedLine(double value, Color colour, float width, String label) {
    ValueMarker marker = new ValueMarker(value, colour, new BasicStroke(width, BasicStroke.CAP_BUTT,
        BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
    marker.setLabel(label);
    marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
    marker.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
    // See-through, so the label does not hide a bar or point behind it as a grey box.
    marker.setLabelBackgroundColor(new Color(255, 255, 255, 160));
    return marker;
  }

  /** White background, light grid, flat bars, layer names slanted when there are many. */
  private static CategoryPlot style(JFreeChart chart, int categories) {
    chart.setBackgroundPaint(Color.WHITE);
    CategoryPlot plot = chart.getCategoryPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(new Color(0xDD, 0xDD, 0xDD));
    CategoryAxis x = plot.getDomainAxis();
    if (categories > 8) {
      x.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    }
    x.setMaximumCategoryLabelWidthRatio(1.5f);
    if (plot.getRenderer() instanceof BarRenderer bars) {
      bars.setBarPainter(new StandardBarPainter());
      bars.setShadowVisible(false);
    }
    return plot;
  }

  /** A report value as a map with String keys (insertion order kept), or empty. */
  private static Map<String, Object> map(Object o) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (o instanceof Map<?, ?> m) {
      m.forEach((k, v) -> out.put(String.valueOf(k), v));
    }
    return out;
  }

  /** A report value as a list of maps (elements that are not maps skipped), or empty. */
  private static List<Map<String, Object>> maps(Object o) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (o instanceof List<?> list) {
      for (Object e : list) {
        if (e instanceof Map<?, ?>) {
          out.add(map(e));
        }
      }
    }
    return out;
  }

  /** A report value as a double: any Number, or a numeric string; NaN otherwise. */
  private static double number(Object o) {
    if (o instanceof Number n) {
      return n.doubleValue();
    }
    if (o instanceof String s) {
      try {
        return Double.parseDouble(s.trim());
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }
    return Double.NaN;
  }

  /** A bit-width key ({@code "8"}, or 8 from Java code) as an integer, or null. */
  private static Integer bits(Object key) {
    try {
      return Integer.valueOf(String.valueOf(key).trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String text(Object o) {
    return o == null ? "" : String.valueOf(o);
  }

  /** A count such as params or probes as a whole number, empty when absent. */
  private static String integer(Object o) {
    double v = number(o);
    return Double.isFinite(v) ? Long.toString(Math.round(v)) : "";
  }

  private static String sci(double v, String format) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : "";
  }

  /** A large count with an SI prefix, {@code 57.8 M}; empty when absent. */
  private static String si(double v) {
    if (!Double.isFinite(v)) {
      return "";
    }
    String[] prefixes = {"", " k", " M", " G", " T", " P"};
    int i = 0;
    double x = v;
    while (Math.abs(x) >= 1000 && i < prefixes.length - 1) {
      x /= 1000;
      i++;
    }
    return i == 0 ? String.format(Locale.ROOT, "%.0f", x) : String.format(Locale.ROOT, "%.1f%s", x, prefixes[i]);
  }

  private static void image(StringBuilder html, String alt, JFreeChart chart) {
    BufferedImage img = chart.createBufferedImage(WIDTH, HEIGHT);
    byte[] png;
    try {
      png = ChartUtils.encodeAsPNG(img);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode the chart '" + alt + "' as PNG", e);
    }
    html.append("<img alt=\"").append(escape(alt)).append("\" width=\"").append(WIDTH).append("\" height=\"")
        .append(HEIGHT).append("\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(png))
        .append("\">\n");
  }

  private static String json(Object v) {
    try {
      return JSON.writeValueAsString(v);
    } catch (JsonProcessingException e) {
      return String.valueOf(v);
    }
  }

  /** HTML text escaping for element content and double-quoted attributes. */
  static String escape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
