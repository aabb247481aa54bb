using Siren.Core.IO;

namespace Siren.Cli;

/// <summary>Predicted against labelled contour levels, with the identity line (the original drew a PDF with matplotlib).</summary>
public static class PredictionPlot
{
    public static void Write(string path, IReadOnlyList<(double Label, double Prediction)> pairs, string title = "Predicted vs labelled contour levels")
    {
        var plot = new ScottPlot.Plot();
        double[] xs = pairs.Select(p => p.Label).ToArray();
        double[] ys = pairs.Select(p => p.Prediction).ToArray();
        double lo = Math.Min(xs.Min(), ys.Min()), hi = Math.Max(xs.Max(), ys.Max());
        var identity = plot.Add.Line(lo, lo, hi, hi);
        identity.LineColor = ScottPlot.Colors.Gray;
        identity.LinePattern = ScottPlot.LinePattern.Dashed;
        var points = plot.Add.ScatterPoints(xs, ys);
        points.MarkerSize = 6;
        plot.Title(title);
        plot.XLabel("label (map units)");
        plot.YLabel("prediction (map units)");
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(640, 480, ScottPlot.ImageFormat.Png));
    }
}
