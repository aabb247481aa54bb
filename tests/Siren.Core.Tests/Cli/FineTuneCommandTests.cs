using System.Globalization;
using System.Text.Json.Nodes;
using Siren.Core.Ensemble;

namespace Siren.Core.Tests.Cli;

/// <summary>fine-tune as a user runs it: labels in map units in, a head out that predict-thresholds follows.</summary>
public class FineTuneCommandTests
{
    [Fact]
    public void AHeadTunedToAUserWhoContoursHigherPredictsCloserToThatUser()
    {
        string maps = TestPaths.NewTempDir(), before = TestPaths.NewTempDir(), tuned = TestPaths.NewTempDir(), after = TestPaths.NewTempDir();
        Assert.Equal(0, SirenProcess.Run("simulate", "--preset", "demo", "--n", "12", "--seed", "5", "--outdir", maps).ExitCode);
        Assert.Equal(0, SirenProcess.Run("predict-thresholds", "--voldir", maps, "--outdir", before).ExitCode);

        // The user's level: the shipped model's, raised by 10 % of each map's positive range.
        CsvTable predicted = CsvTable.Read(Path.Combine(before, "predictions.csv"));
        int id = predicted.Column("vol_id"), level = predicted.Column("denormalized_predictions"), min = predicted.Column("vol_min"), max = predicted.Column("vol_max");
        double D(string[] row, int c) => double.Parse(row[c], CultureInfo.InvariantCulture);
        var user = predicted.Rows.ToDictionary(r => r[id], r => D(r, level) + 0.1 * (D(r, max) - D(r, min)));
        string labels = Path.Combine(tuned, "..", Path.GetFileName(tuned) + "-labels.csv");
        File.WriteAllLines(labels, ["vol_id,contour_level", .. user.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key},{kv.Value:R}"))]);

        var r = SirenProcess.Run("fine-tune", "--voldir", maps, "--labels", labels, "--outdir", tuned, "--epochs", "100", "--held-out", "0");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("labels 12 maps of --voldir; fine-tuning is meant for 20–40", r.Stderr);
        Assert.Equal(101, File.ReadAllLines(Path.Combine(tuned, "fine_tune_loss.csv")).Length);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(tuned, "manifest.json")))!;
        Assert.NotNull(manifest["seconds"]!["train"]);
        Assert.True(manifest["results"]!["loss_last"]!.GetValue<double>() < manifest["results"]!["loss_first"]!.GetValue<double>());

        Assert.Equal(0, SirenProcess.Run("predict-thresholds", "--voldir", maps, "--outdir", after, "--head", Path.Combine(tuned, "head.json")).ExitCode);
        CsvTable followed = CsvTable.Read(Path.Combine(after, "predictions.csv"));
        double Gap(CsvTable t) => t.Rows.Average(row => Math.Abs(D(row, t.Column("denormalized_predictions")) - user[row[t.Column("vol_id")]]) / (D(row, t.Column("vol_max")) - D(row, t.Column("vol_min"))));
        Assert.True(Gap(followed) < 0.5 * Gap(predicted), $"gap to the user's levels (share of the range): {Gap(predicted):F3} → {Gap(followed):F3}");

        // The model's own levels as labels: nothing to learn, said as such (not as a --lr too large).
        string own = Path.Combine(tuned, "..", Path.GetFileName(tuned) + "-own.csv");
        File.WriteAllLines(own, ["vol_id,contour_level", .. predicted.Rows.Select(row => $"{row[id]},{row[level]}")]);
        string nothing = TestPaths.NewTempDir();
        BadInputTests.AssertOneError(SirenProcess.Run("fine-tune", "--voldir", maps, "--labels", own, "--outdir", nothing, "--held-out", "0"), "already gives these levels", "nothing to fine-tune");
        Assert.False(File.Exists(Path.Combine(nothing, "head.json")));
        BadInputTests.AssertOneError(SirenProcess.Run("fine-tune", "--voldir", maps, "--labels", labels, "--outdir", nothing, "--epochs", "100000000"), "--epochs 100000000", "Fix:");
    }
}
