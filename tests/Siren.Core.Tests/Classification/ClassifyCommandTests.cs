using System.Globalization;
using Siren.Cli.Commands;
using Siren.Core.Classification;
using Siren.Core.Ensemble;

namespace Siren.Core.Tests.Classification;

public class ClassifyCommandTests
{
    [Fact]
    public void WritesMixturesClassesAssignmentsAndFigures()
    {
        string dir = TestPaths.NewTempDir();
        string csv = Path.Combine(dir, "occupancies.csv");
        var rng = new Random(1);
        var lines = new List<string> { "vol_id,block_1,block_2,block_3" };
        // Maps 0–29: block 1 high; 30–59: block 2 high; block 3 is high in every third map.
        for (int m = 0; m < 60; m++)
        {
            double b1 = (m < 30 ? 0.9 : 0.1) + 0.05 * rng.NextDouble();
            double b2 = (m < 30 ? 0.1 : 0.8) + 0.05 * rng.NextDouble();
            double b3 = (m % 3 == 0 ? 0.7 : 0.05) + 0.05 * rng.NextDouble();
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{m},{b1},{b2},{b3}"));
        }
        File.WriteAllLines(csv, lines);

        ClassifyResult result = ClassifyCommand.Run(csv, Path.Combine(dir, "out"), new ClassifyOptions { Classes = 2, AssignMax = true, Seed = 3 });

        Assert.Equal(0.5, result.Mixtures[0].FractionHigh, 12);
        Assert.Equal(20.0 / 60, result.Mixtures[2].FractionHigh, 12);
        Assert.Equal(1.0, AdjustedRand.Index(result.Classes, Enumerable.Range(0, 60).Select(m => m < 30 ? 0 : 1).ToArray()), 12);
        Assert.Equal(Enumerable.Range(0, 60).Select(m => m < 30 ? 0 : 1), result.MaxBlock!);
        foreach (string f in new[] { "mixtures.csv", "labels.csv", "classes.csv", "assignments.csv", "heatmap.png", "mixture_block_2.png", "manifest.json" })
            Assert.True(new FileInfo(Path.Combine(dir, "out", f)).Length > 0, f);
        var classes = CsvTable.Read(Path.Combine(dir, "out", "classes.csv"));
        Assert.Equal(["vol_id", "class", "dendrogram_order"], classes.Header);
        Assert.Equal(60, classes.Rows.Count);
        byte[] png = File.ReadAllBytes(Path.Combine(dir, "out", "heatmap.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }
}
