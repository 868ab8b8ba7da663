package io.bitswitch.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.bitswitch.train.StepRecord;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * {@code report.html} of a run: one self-contained page (no file beside it, no network) with the
 * per-bit accuracy table, the deployed sizes when the report has them, and plots drawn with
 * JFreeChart and embedded as base64 PNG {@code data:} URIs:
 *
 * <ul>
 *   <li>test accuracy against bit-width, FP32 as a horizontal reference line when the run
 *       measured it;
 *   <li>training loss of each precision over the steps;
 *   <li>the ALRS scale learning rate of each quantized precision over the steps (log axis), when
 *       there is a positive one (with ALRS off, report field {@code alrs = false}, the base rate
 *       the scales were updated with);
 *   <li>training throughput (images/s) over the steps.
 * </ul>
 *
 * <p>The other fields of the report follow as a table (nested values as JSON), so fields such as
 * {@code sensitivity}, {@code hasb} or {@code pareto} appear there as data until they get plots of
 * their own.
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

    html.append("<h2>Accuracy per bit-width</h2>\n");
    accuracyTable(html, accuracy, sizes(report));
    XYSeries quantized = new XYSeries("quantized (switched from one bundle)");
    accuracy.forEach((b, a) -> {
      if (!b.equals("32")) {
        quantized.add(Integer.parseInt(b), 100 * a);
      }
    });
    Double fp32 = accuracy.get("32");
    if (quantized.getItemCount() > 0 || fp32 != null) {
      image(html, "Test accuracy against bit-width", accuracyChart(quantized, fp32));
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

    html.append("<h2>Other fields</h2>\n<table>\n<tr><th>field</th><th>value</th></tr>\n");
    report.forEach((k, v) -> {
      if (!TABLE_FIELDS.contains(k)) {
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
    io.bitswitch.train.Stages.writeText(uri, render(report, history), conf);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Double> accuracy(Map<String, Object> report) {
    Object a = report.get("accuracy");
    return a instanceof Map ? (Map<String, Double>) a : Map.of();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> sizes(Map<String, Object> report) {
    Object s = report.get("sizes");
    return s instanceof Map ? (Map<String, Object>) s : Map.of();
  }

  private static void accuracyTable(StringBuilder html, Map<String, Double> accuracy, Map<String, Object> sizes) {
    Object deployedObj = sizes.get("deployed_bytes");
    Map<?, ?> deployed = deployedObj instanceof Map<?, ?> m ? m : Map.of();
    long fp32 = sizes.get("fp32_model_bytes") instanceof Number n ? n.longValue() : 0;
    boolean withSizes = fp32 > 0 || !deployed.isEmpty();
    html.append("<table id=\"accuracy\">\n<tr><th>bits</th><th>test accuracy</th>");
    if (withSizes) {
      html.append("<th>deployed size (bytes)</th><th>vs FP32</th>");
    }
    html.append("</tr>\n");
    accuracy.forEach((b, a) -> {
      html.append("<tr><td>").append(b.equals("32") ? "FP32" : escape(b)).append("</td><td>")
          .append(String.format(Locale.ROOT, "%.2f %%", 100 * a)).append("</td>");
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

  private static JFreeChart accuracyChart(XYSeries quantized, Double fp32) {
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(quantized);
    JFreeChart chart = ChartFactory.createXYLineChart("Test accuracy against bit-width", "bits", "accuracy (%)",
        data, PlotOrientation.VERTICAL, fp32 != null, false, false);
    XYPlot plot = style(chart);
    NumberAxis bits = (NumberAxis) plot.getDomainAxis();
    bits.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    NumberAxis acc = (NumberAxis) plot.getRangeAxis();
    acc.setAutoRangeIncludesZero(false);
    if (fp32 != null) {
      ValueMarker marker = new ValueMarker(100 * fp32, new Color(0xC0, 0x39, 0x2B), new BasicStroke(1.5f,
          BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
      marker.setLabel(String.format(Locale.ROOT, "FP32 %.2f %%", 100 * fp32));
      marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
      marker.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
      plot.addRangeMarker(marker);
      // Keep the reference line inside the visible range.
      double lo = 100 * fp32;
      double hi = 100 * fp32;
      for (int i = 0; i < quantized.getItemCount(); i++) {
        lo = Math.min(lo, quantized.getY(i).doubleValue());
        hi = Math.max(hi, quantized.getY(i).doubleValue());
      }
      double pad = Math.max(0.5, (hi - lo) * 0.1);
      acc.setRange(lo - pad, hi + pad);
    }
    if (quantized.getItemCount() == 0) {
      bits.setRange(0, 33);
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
