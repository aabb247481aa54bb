using System.Globalization;
using Siren.Core.Ensemble;
using Siren.Core.Mrc;

namespace Siren.Core.Tests.Cli;

/// <summary>predict-thresholds --levels as a user gives it: each name reaches its scale.</summary>
public class PredictLevelsCommandTests
{
    [Fact]
    public void EachLevelsChoiceGivesItsScaleForCroppedMaps()
    {
        string maps = TestPaths.NewTempDir();
        var rng = new Random(1);
        for (int m = 0; m < 2; m++)
        {
            var v = MrcVolume.Zeros(72, Vec3.All(3f), Vec3.All(0f));
            for (int i = 0; i < v.Data.Length; i++)
            {
                int x = i % 72, y = i / 72 % 72, z = i / (72 * 72);
                v.Data[i] = (x is >= 20 and < 50 && y is >= 20 and < 50 && z is >= 20 and < 50 ? 1f : 0f) + 0.1f * (float)(rng.NextDouble() - 0.5);
            }
            MrcWriter.Write(Path.Combine(maps, $"vol_{m:D3}.mrc"), v);
        }
        var tables = new Dictionary<string, CsvTable>();
        foreach (string levels in new[] { "raw", "raw-linear", "downsampled" })
        {
            string outdir = TestPaths.NewTempDir();
            var r = SirenProcess.Run("predict-thresholds", "--voldir", maps, "--outdir", outdir, "--levels", levels);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains($"\"levels\":\"{levels}\"", File.ReadAllText(Path.Combine(outdir, "predictions.manifest.json")).Replace(" ", ""));
            tables[levels] = CsvTable.Read(Path.Combine(outdir, "predictions.csv"));
        }
        double Cell(string levels, int row, string column) => double.Parse(tables[levels].Rows[row][tables[levels].Column(column)], CultureInfo.InvariantCulture);
        for (int row = 0; row < 2; row++)
        {
            // The same network output, three scales: the two linear ones denormalize over their own range
            // (the full box's, the box-64 map's); raw carries the enclosed share instead, so it differs from both.
            double p = Cell("raw", row, "prediction");
            Assert.Equal(p, Cell("downsampled", row, "prediction"));
            foreach (string linear in new[] { "raw-linear", "downsampled" })
                Assert.Equal((p + 1) / 2 * (Cell(linear, row, "vol_max") - Cell(linear, row, "vol_min")) + Cell(linear, row, "vol_min"), Cell(linear, row, "denormalized_predictions"), 9);
            Assert.Equal(Cell("raw", row, "vol_max"), Cell("raw-linear", row, "vol_max"));
            Assert.NotEqual(Cell("raw", row, "vol_max"), Cell("downsampled", row, "vol_max"));
            Assert.NotEqual(Cell("raw", row, "denormalized_predictions"), Cell("raw-linear", row, "denormalized_predictions"));
        }
        Assert.NotEqual(0, SirenProcess.Run("predict-thresholds", "--voldir", maps, "--outdir", TestPaths.NewTempDir(), "--levels", "box64").ExitCode);
    }
}
