using ScottPlot;
using Siren.Core.IO;

namespace Siren.Core.Classification;

/// <summary>The classify figures: per-block occupancy histograms with both mixture components, and the map × block heatmap.</summary>
public static class ClassificationPlots
{
    private static readonly Color LowColor = Colors.Black;
    private static readonly Color HighColor = new(0x7b, 0x3f, 0xa0);

    /// <summary>Histogram of one block's occupancies with the fitted low (black) and high (purple) components, dashed, as the paper's Figure 3C.</summary>
    public static void MixtureHistogram(string path, string block, IReadOnlyList<double> values, TwoComponentFit fit)
    {
        double min = values.Min(), max = values.Max();
        if (max <= min) max = min + 1e-9;
        int bins = Math.Clamp((int)Math.Ceiling(Math.Sqrt(values.Count)), 10, 60);
        double width = (max - min) / bins;
        var counts = new double[bins];
        foreach (double v in values) counts[Math.Min(bins - 1, (int)((v - min) / width))]++;

        var plot = new Plot();
        var bars = plot.Add.Bars(Enumerable.Range(0, bins).Select(i => min + (i + 0.5) * width).ToArray(), counts);
        foreach (var bar in bars.Bars)
        {
            bar.Size = width;
            bar.FillColor = Colors.Gray.WithAlpha(0.6);
            bar.LineWidth = 0;
        }
        // Densities scaled to counts per bin so the curves sit on the histogram.
        double lo = min - 3 * fit.Sigma, hi = max + 3 * fit.Sigma;
        double[] xs = Enumerable.Range(0, 301).Select(i => lo + (hi - lo) * i / 300).ToArray();
        foreach (bool high in new[] { false, true })
        {
            var curve = plot.Add.Scatter(xs, xs.Select(x => fit.Density(x, high) * values.Count * width).ToArray());
            curve.MarkerSize = 0;
            curve.LineWidth = 2;
            curve.LinePattern = LinePattern.Dashed;
            curve.Color = high ? HighColor : LowColor;
            curve.LegendText = high ? $"high (weight {fit.WeightHigh:F2})" : "low";
        }
        plot.Title($"{block}: {values.Count(fit.IsHigh)} of {values.Count} maps high");
        plot.XLabel("occupancy");
        plot.YLabel("maps");
        plot.ShowLegend();
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(800, 500, ImageFormat.Png));
    }

    /// <summary>
    /// Maps × blocks heatmap, rows in dendrogram leaf order (first leaf at the top), with a colour bar of the
    /// classes on the left, like the paper's Figure 4B.
    /// </summary>
    public static void ClassHeatmap(string path, IReadOnlyList<string> blocks, IReadOnlyList<double[]> rows, int[] leafOrder, int[] classes)
    {
        int n = leafOrder.Length, m = blocks.Count;
        var intensities = new double[n, m];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < m; c++)
                intensities[r, c] = rows[leafOrder[r]][c];

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.Rectangle = new CoordinateRect(0, m, 0, n);
        plot.Add.ColorBar(heatmap).Label = "occupancy";

        var palette = new ScottPlot.Palettes.Category10();
        for (int r = 0; r < n; r++)
        {
            // Row r of the heatmap is drawn from the top, so its class cell spans n − r − 1 … n − r.
            var cell = plot.Add.Rectangle(-0.6, -0.1, n - r - 1, n - r);
            cell.FillColor = palette.GetColor(classes[leafOrder[r]] - 1);
            cell.LineWidth = 0;
        }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, m).Select(c => c + 0.5).ToArray(), blocks.ToArray());
        if (m > 8)
        {
            // Many block names only fit turned on end, with room reserved below the axis.
            plot.Axes.Bottom.TickLabelStyle.Rotation = -90;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
            plot.Axes.Bottom.MinimumSize = 90;
        }
        plot.Axes.Left.SetTicks([], []);
        plot.Axes.SetLimits(-0.7, m, 0, n);
        plot.Title($"{n} maps × {m} blocks, {classes.Max()} classes (rows in dendrogram order)");
        plot.YLabel("maps");
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(Math.Clamp(200 + 30 * m, 600, 2400), 900, ImageFormat.Png));
    }
}
