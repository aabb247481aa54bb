using System.Globalization;
using Siren.Cli.Commands;
using Siren.Core.Classification;
using Siren.Core.Ensemble;
using Siren.Core.Occupancy;
using Siren.Core.Pipeline;

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

    /// <summary>
    /// The paper compares the particles of the high maps with a state's true frequency (Figure 3D): with k-means
    /// classes of unequal size the share of maps high is not that. Maps 0–29 (block 1 high) stand for 3 particles
    /// each, maps 30–59 for 1, so 90 of 120 particles are high in block 1 while half the maps are.
    /// </summary>
    [Fact]
    public void WithLabelsTheFractionHighCountsTheParticlesEachMapStandsFor()
    {
        string dir = TestPaths.NewTempDir();
        string csv = Occupancies(dir, 2);
        long[] labels = Enumerable.Range(0, 60).SelectMany(m => Enumerable.Repeat((long)m, m % 2 == 0 ? 3 : 1)).ToArray();
        string pkl = Path.Combine(dir, "labels.pkl");
        Siren.Core.Curation.NumpyPickle.WriteInt64(pkl, labels);

        ClassifyResult result = ClassifyCommand.Run(csv, Path.Combine(dir, "out"), new ClassifyOptions { Classes = 2, Plots = false }, pkl);

        BlockMixture block0 = result.Mixtures[0]; // high in the even maps, the ones of 3 particles
        Assert.Equal(0.5, block0.FractionHigh, 12);
        Assert.Equal(90, block0.ParticlesHigh);
        Assert.Equal(0.75, block0.FractionParticlesHigh!.Value, 12);
        Assert.Equal(0.25, result.Mixtures[1].FractionParticlesHigh!.Value, 12);
        var mixtures = CsvTable.Read(Path.Combine(dir, "out", "mixtures.csv"));
        Assert.Equal(["particles_high", "fraction_particles_high"], mixtures.Header[^2..]);
        Assert.Equal(["90", "0.75"], mixtures.Rows[0][^2..]);
        var classes = CsvTable.Read(Path.Combine(dir, "out", "classes.csv"));
        Assert.Equal("particles", classes.Header[^1]);
        Assert.Equal(["3", "1"], classes.Rows.Take(2).Select(r => r[^1]));

        // cryoDRGN ≥ 3.5 numbering read as 0-based: class 59 would be map 59 + 1, past the table's last map.
        string other = Path.Combine(dir, "other");
        var e = Assert.Throws<SirenException>(() => ClassifyCommand.Run(csv, other, new ClassifyOptions { Classes = 2, Plots = false }, pkl, firstMapId: 1));
        Assert.Contains("--first-map-id", e.Message);
        Assert.False(Directory.Exists(other));
    }

    /// <summary>60 maps over <paramref name="blocks"/> blocks: block b is high in the maps where m % blocks == b.</summary>
    private static string Occupancies(string dir, int blocks)
    {
        var rng = new Random(2);
        var lines = new List<string> { "vol_id," + string.Join(",", Enumerable.Range(0, blocks).Select(b => $"block_{b}")) };
        for (int m = 0; m < 60; m++)
            lines.Add(m + "," + string.Join(",", Enumerable.Range(0, blocks).Select(b => ((m % blocks == b ? 0.9 : 0.1) + 0.05 * rng.NextDouble()).ToString(CultureInfo.InvariantCulture))));
        string csv = Path.Combine(dir, $"occupancies_{blocks}.csv");
        File.WriteAllLines(csv, lines);
        return csv;
    }

    [Fact]
    public void RerunRemovesTheFiguresAndAssignmentsItNoLongerWrites()
    {
        string dir = TestPaths.NewTempDir();
        string outdir = Path.Combine(dir, "out");
        Directory.CreateDirectory(outdir);
        foreach (string own in new[] { "notes.png", "mixture_notes.txt" }) File.WriteAllText(Path.Combine(outdir, own), "mine");
        ClassifyCommand.Run(Occupancies(dir, 4), outdir, new ClassifyOptions { Classes = 4, AssignMax = true });
        Assert.True(File.Exists(Path.Combine(outdir, "mixture_block_3.png")));

        // Two blocks with plots: the figures of blocks 2 and 3 and the assignments are the earlier run's.
        ClassifyCommand.Run(Occupancies(dir, 2), outdir, new ClassifyOptions { Classes = 2 });
        string[] files = Directory.GetFiles(outdir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["classes.csv", "heatmap.png", "labels.csv", "manifest.json", "mixture_block_0.png", "mixture_block_1.png", "mixture_notes.txt", "mixtures.csv", "notes.png"], files);

        ClassifyCommand.Run(Occupancies(dir, 2), outdir, new ClassifyOptions { Classes = 2, Plots = false });
        files = Directory.GetFiles(outdir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["classes.csv", "labels.csv", "manifest.json", "mixture_notes.txt", "mixtures.csv", "notes.png"], files);
    }

    [Fact]
    public void RerunFailingWhileWritingLeavesNoEarlierFiles()
    {
        string dir = TestPaths.NewTempDir();
        string outdir = Path.Combine(dir, "out");
        ClassifyCommand.Run(Occupancies(dir, 4), outdir, new ClassifyOptions { Classes = 4, AssignMax = true });
        // A folder where the heatmap goes makes the rerun fail after its CSVs and mixture figures, as a full disk would.
        File.Delete(Path.Combine(outdir, "heatmap.png"));
        Directory.CreateDirectory(Path.Combine(outdir, "heatmap.png"));

        Assert.Throws<SirenException>(() => ClassifyCommand.Run(Occupancies(dir, 2), outdir, new ClassifyOptions { Classes = 2 }));
        string[] files = Directory.GetFiles(outdir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        // No assignments.csv or block 2–3 figures of the earlier run; the manifest is this run's, listing its files.
        Assert.Equal(["classes.csv", "labels.csv", "manifest.json", "mixture_block_0.png", "mixture_block_1.png", "mixtures.csv"], files);
        Assert.DoesNotContain("assignments.csv", File.ReadAllText(Path.Combine(outdir, "manifest.json")));
        Assert.StartsWith("block,", File.ReadAllText(Path.Combine(outdir, "mixtures.csv")));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(outdir, "mixtures.csv")).Length);
    }

    [Fact]
    public void ClassifyIntoARunStageFolderMakesRunRedoTheStage()
    {
        string dir = TestPaths.NewTempDir();
        string stage = Path.Combine(dir, RunPipeline.ClassifyFolder);
        Directory.CreateDirectory(stage);
        File.WriteAllText(Path.Combine(stage, RunPipeline.StampFile), "{}");
        string csv = Occupancies(dir, 2);
        ClassifyCommand.Run(csv, stage, new ClassifyOptions { Classes = 2, Plots = false });
        Assert.False(File.Exists(Path.Combine(stage, RunPipeline.StampFile)));
    }

    [Fact]
    public void AnOccupancyTableNeedsItsMapIdsNamed()
    {
        string dir = TestPaths.NewTempDir(), csv = Path.Combine(dir, "occ.csv");
        // pandas' unnamed index beside vol_id is neither the ids nor a block.
        File.WriteAllText(csv, ",vol_id,block_1\n0,5,0.1\n1,6,0.9\n");
        OccupancyTable indexed = OccupancyTable.Read(csv);
        Assert.Equal([5, 6], indexed.MapIds);
        Assert.Equal(["block_1"], indexed.Columns);
        // Without vol_id, pandas' unnamed index is the map number.
        File.WriteAllText(csv, "Unnamed: 0,block_1\n3,0.1\n4,0.9\n");
        Assert.Equal([3, 4], OccupancyTable.Read(csv).MapIds);
        // Any other first column is not taken for map numbers.
        File.WriteAllText(csv, "id,block_1\n0,0.1\n1,0.9\n");
        var e = Assert.Throws<SirenException>(() => OccupancyTable.Read(csv));
        Assert.Contains("no column 'vol_id'", e.Message);
        Assert.Contains("id, block_1", e.Message);
        // A value whose square overflows would make every distance infinite and the clustering meaningless.
        File.WriteAllText(csv, "vol_id,block_1\n0,0.1\n1,1e160\n");
        e = Assert.Throws<SirenException>(() => OccupancyTable.Read(csv));
        Assert.Contains("line 3 (map 1), column 'block_1': 1e160 is beyond", e.Message);
    }
}
