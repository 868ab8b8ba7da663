package io.bitswitch.report;

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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
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
 * The charts of {@code report.html}, drawn with JFreeChart and embedded in the page as base64 PNG
 * {@code data:} URIs ({@link #embed}).
 *
 * <p>Charts are rendered headless: the class sets {@code java.awt.headless=true} before it first
 * touches AWT unless the property was set already.
 */
final class ReportCharts {
  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  static final int WIDTH = 900;
  static final int HEIGHT = 420;
  static final Color SENSITIVE = new Color(0xC0, 0x39, 0x2B);
  static final Color INSENSITIVE = new Color(0x2E, 0x86, 0xC1);
  static final Color UNCLASSIFIED = new Color(0x95, 0xA5, 0xA6);
  /** Span of trace per parameter (max / min) from which the trace chart switches to a log axis. */
  private static final double LOG_SPAN = 100;

  private ReportCharts() {}

  /** Appends {@code chart} to the page as an {@code <img>} with a PNG {@code data:} URI. */
  static void embed(StringBuilder html, String alt, JFreeChart chart) {
    BufferedImage img = chart.createBufferedImage(WIDTH, HEIGHT);
    byte[] png;
    try {
      png = ChartUtils.encodeAsPNG(img);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode the chart '" + alt + "' as PNG", e);
    }
    html.append("<img alt=\"").append(Html.escape(alt)).append("\" width=\"").append(WIDTH).append("\" height=\"")
        .append(HEIGHT).append("\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(png))
        .append("\">\n");
  }

  /**
   * Test accuracy against bit-width: the quantized accuracies as a line, FP32 as a dashed
   * reference line, baselines (separate models, one per precision) as points.
   */
  static JFreeChart accuracyChart(XYSeries quantized, Double fp32, Map<String, Map<String, Double>> baselines) {
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
        Integer n = ReportValues.bits(b);
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

  /** Trace per parameter per layer as bars coloured by class, with the mean as the threshold line. */
  static JFreeChart traceChart(List<LayerTrace> layers) {
    DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
    List<Paint> paints = new ArrayList<>();
    Set<String> classes = new HashSet<>();
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sum = 0;
    for (LayerTrace l : layers) {
      double t = l.tracePerParam();
      min = Math.min(min, t);
      max = Math.max(max, t);
      sum += t;
    }
    // Bars need a positive floor on a log axis: only when every layer is positive (a noisy
    // Hutchinson estimate can come out negative) and they span two decades or more.
    boolean log = min > 0 && max / min >= LOG_SPAN;
    double lo = min;
    double hi = max;
    for (LayerTrace l : layers) {
      String name = l.name();
      double t = l.tracePerParam();
      double params = l.params();
      // The standard error is that of the layer's trace, not of the trace per parameter.
      double err = params > 0 ? l.stdError() / params : Double.NaN;
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
      String cls = l.sensitivity() == null ? "" : l.sensitivity();
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
   * The fraction of SuperNet steps each layer ran at each bit-width, grouped bars, with the
   * uniform-sampling share as a dashed line.
   */
  static JFreeChart hasbChart(HasbDraws draws, String how) {
    SortedSet<Integer> widths = draws.widths();
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    draws.counts().forEach((layer, c) -> {
      double total = HasbDraws.total(c);
      for (int b : widths) {
        data.addValue(c.getOrDefault(b, 0.0) / total, Html.label(b), layer);
      }
    });
    JFreeChart chart = ChartFactory.createBarChart("Bit-width draws per layer" + how, "layer", "fraction of draws",
        data, PlotOrientation.VERTICAL, true, false, false);
    CategoryPlot plot = style(chart, draws.counts().size());
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
    return chart;
  }

  /** Entries without a size go last; the sort is stable, so they keep their order. */
  static List<ParetoFront.Point> sortedBySize(List<ParetoFront.Point> rows) {
    List<ParetoFront.Point> out = new ArrayList<>(rows);
    out.sort(java.util.Comparator.comparingDouble(p -> Double.isFinite(p.sizeBytes()) ? p.sizeBytes()
        : Double.POSITIVE_INFINITY));
    return out;
  }

  /** Accuracy against deployed size of the ILP front, the uniform models and the random allocations. */
  static JFreeChart paretoChart(ParetoFront pareto) {
    XYSeries front = new XYSeries("ILP front");
    for (ParetoFront.Point m : pareto.members()) {
      if (Double.isFinite(m.sizeBytes()) && Double.isFinite(m.accuracy())) {
        front.add(m.sizeBytes() / 1024, 100 * m.accuracy());
      }
    }
    // Not auto-sorted: item i must stay uniformLabels' entry i.
    XYSeries uniformPoints = new XYSeries("uniform precision", false, true);
    List<String> uniformLabels = new ArrayList<>();
    for (ParetoFront.Point u : sortedBySize(pareto.uniform())) {
      if (Double.isFinite(u.sizeBytes()) && Double.isFinite(u.accuracy())) {
        uniformPoints.add(u.sizeBytes() / 1024, 100 * u.accuracy());
        uniformLabels.add(u.bits() == null ? "" : u.bits() + "-bit");
      }
    }
    YIntervalSeries randomPoints = new YIntervalSeries("random allocation (mean, std)");
    for (ParetoFront.Point r : pareto.random()) {
      if (Double.isFinite(r.sizeBytes()) && Double.isFinite(r.accuracy())) {
        double d = Double.isFinite(r.accuracyStd()) ? 100 * r.accuracyStd() : 0;
        randomPoints.add(r.sizeBytes() / 1024, 100 * r.accuracy(), 100 * r.accuracy() - d, 100 * r.accuracy() + d);
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

  static JFreeChart lossChart(List<StepRecord> history) {
    int[] precisions = history.get(0).precisions();
    XYSeriesCollection data = new XYSeriesCollection();
    for (int j = 0; j < precisions.length; j++) {
      XYSeries s = new XYSeries(Html.label(precisions[j]));
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
  static JFreeChart scaleRateChart(List<StepRecord> history, String title) {
    int[] precisions = history.get(0).precisions();
    XYSeriesCollection data = new XYSeriesCollection();
    for (int j = 0; j < precisions.length; j++) {
      XYSeries s = new XYSeries(Html.label(precisions[j]));
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

  static JFreeChart throughputChart(List<StepRecord> history) {
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
}
