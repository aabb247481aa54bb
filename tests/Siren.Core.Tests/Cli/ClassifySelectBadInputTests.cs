using System.Globalization;
using Siren.Core.Curation;
using static Siren.Core.Tests.Cli.BadInputTests;

namespace Siren.Core.Tests.Cli;

/// <summary>
/// classify and select: a bad table, pickle, STAR file or option is one error line naming it, and is
/// refused before anything is written, so a failed run leaves neither new files nor a mix with an earlier run's.
/// </summary>
public class ClassifySelectBadInputTests
{
    private const int Maps = 60;

    /// <summary>Maps 0–29 have block_1 high, 30–59 block_2 high, as classify's own test; <paramref name="edit"/> changes rows.</summary>
    private static string Occupancies(Func<List<string>, List<string>>? edit = null)
    {
        var rng = new Random(1);
        var lines = new List<string> { "vol_id,block_1,block_2" };
        for (int m = 0; m < Maps; m++)
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{m},{(m < 30 ? 0.9 : 0.1) + 0.05 * rng.NextDouble()},{(m < 30 ? 0.1 : 0.8) + 0.05 * rng.NextDouble()}"));
        string csv = Path.Combine(TestPaths.NewTempDir(), "occupancies.csv");
        File.WriteAllLines(csv, edit is null ? lines : edit(lines));
        return csv;
    }

    /// <summary>Two particles per map's k-means class: particles 2k and 2k + 1 are class k.</summary>
    private static long[] TwoParticlesPerMap() => Enumerable.Range(0, 2 * Maps).Select(i => (long)(i / 2)).ToArray();

    private static string Labels(long[] labels)
    {
        string path = Path.Combine(TestPaths.NewTempDir(), "labels.pkl");
        File.WriteAllBytes(path, NumpyPickle.WriteInt64(labels));
        return path;
    }

    private static string Star(int particles)
    {
        string path = Path.Combine(TestPaths.NewTempDir(), "particles.star");
        File.WriteAllText(path, "\ndata_optics\n\nloop_\n_rlnOpticsGroup #1\n1\n\ndata_particles\n\nloop_\n_rlnImageName #1\n" +
            string.Concat(Enumerable.Range(1, particles).Select(i => $"{i}@s.mrcs\n")) + "\n");
        return path;
    }

    private static SirenProcess.Result Classify(string occupancies, string outdir, params string[] extra) =>
        SirenProcess.Run(["classify", "--occupancies", occupancies, "--outdir", outdir, "--no-plots", .. extra]);

    private static SirenProcess.Result SelectByRule(string occupancies, string outdir, params string[] extra) =>
        SirenProcess.Run(["select", "--occupancies", occupancies, "--rule", "block_1>0.5", "--outdir", outdir, .. extra]);

    private static void AssertNothingWritten(string outdir) =>
        Assert.True(!Directory.Exists(outdir) || !Directory.EnumerateFileSystemEntries(outdir).Any(),
            $"a refused run wrote: {string.Join(", ", Directory.Exists(outdir) ? Directory.GetFileSystemEntries(outdir) : [])}");

    private static Dictionary<string, byte[]> Snapshot(string outdir) =>
        Directory.GetFiles(outdir).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    private static void AssertUnchanged(Dictionary<string, byte[]> before, string outdir)
    {
        Dictionary<string, byte[]> after = Snapshot(outdir);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (name, bytes) in before) Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void NonFiniteOccupancy(string bad)
    {
        string csv = Occupancies(l => { l[8] = $"7,0.9,{bad}"; return l; });
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(Classify(csv, outdir), "occupancies.csv", "map 7", "block_2", bad, "Fix:");
        AssertNothingWritten(outdir);
        AssertOneError(SirenProcess.Run("select", "--occupancies", csv, "--rule", "block_2<0.5", "--outdir", outdir), "occupancies.csv", "map 7", "block_2");
        AssertNothingWritten(outdir);
    }

    [Fact]
    public void OnlyTheMapIdColumn()
    {
        string csv = Occupancies(l => l.Select(line => line.Split(',')[0]).ToList());
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(Classify(csv, outdir), "occupancies.csv", "no block columns", "Fix:");
        AssertNothingWritten(outdir);
    }

    [Fact]
    public void HeaderWithoutMaps()
    {
        string csv = Occupancies(l => l.Take(1).ToList());
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(SelectByRule(csv, outdir), "occupancies.csv", "no maps");
        AssertNothingWritten(outdir);
    }

    [Fact]
    public void RepeatedMap()
    {
        string csv = Occupancies(l => { l[4] = "12,0.5,0.5"; return l; });
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(Classify(csv, outdir), "occupancies.csv", "map 12 twice", "Fix:");
        AssertNothingWritten(outdir);
        AssertOneError(SelectByRule(csv, outdir), "occupancies.csv", "map 12 twice");
    }

    /// <summary>--linkage and --assign as typed reach the clustering (manifest, assignments.csv); an unknown one is one line.</summary>
    [Fact]
    public void LinkageAndAssignFromTheCommandLine()
    {
        string csv = Occupancies(), outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        var r = Classify(csv, outdir, "--linkage", "average", "--assign", "max", "--classes", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(outdir, "manifest.json")))!;
        Assert.Equal(("average", "max"), (manifest["parameters"]!["linkage"]!.GetValue<string>(), manifest["parameters"]!["assign"]!.GetValue<string>()));
        string[] assignments = File.ReadAllLines(Path.Combine(outdir, "assignments.csv"));
        Assert.Equal(Maps + 1, assignments.Length);
        Assert.StartsWith("0,block_1,", assignments[1]); // maps 0–29 have block_1 high
        Assert.StartsWith($"{Maps - 1},block_2,", assignments[^1]);

        string other = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(Classify(csv, other, "--linkage", "single"), "--linkage 'single'", "ward, average or complete");
        AssertOneError(Classify(csv, other, "--assign", "min"), "--assign 'min'", "max or none");
        AssertNothingWritten(other);
    }

    [Fact]
    public void NegativeMapId()
    {
        string csv = Occupancies(l => { l[5] = "-3" + l[5][1..]; return l; });
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(Classify(csv, outdir), "occupancies.csv", "line 6", "'-3'", "Fix:");
        AssertNothingWritten(outdir);
    }

    [Fact]
    public void RepeatedBlockColumn()
    {
        string csv = Occupancies(l => { l[0] = "vol_id,block_1,block_1"; return l; });
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(Classify(csv, outdir), "occupancies.csv", "'block_1' 2 times", "Fix:");
        AssertNothingWritten(outdir);
    }

    [Theory]
    [InlineData("--distance", "nan")]
    [InlineData("--distance", "-1")]
    [InlineData("--distance", "0")]
    [InlineData("--classes", "0")]
    [InlineData("--classes", "-2")]
    [InlineData("--starts", "0")]
    [InlineData("--starts", "1000000")]
    public void OptionOutOfRange(string option, string value)
    {
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(Classify(Occupancies(), outdir, option, value), option, "Fix:");
        AssertNothingWritten(outdir);
    }

    [Theory]
    [InlineData(Maps + 1)]
    [InlineData(100000)]
    public void MoreClassesThanMaps(int classes)
    {
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(Classify(Occupancies(), outdir, "--classes", classes.ToString(CultureInfo.InvariantCulture)), "--classes", $"between 1 and {Maps}");
        AssertNothingWritten(outdir);
    }

    [Fact]
    public void ClassesAndDistanceTogether()
    {
        string csv = Occupancies();
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(Classify(csv, outdir, "--classes", "3", "--distance", "0.5"), "--classes", "--distance", "Fix:");
        AssertNothingWritten(outdir);
        // --classes has a default; --distance alone must not be mistaken for both.
        var alone = Classify(csv, outdir, "--distance", "0.5");
        Assert.True(alone.ExitCode == 0, alone.Stderr);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("x/../../escaped")]
    public void ColumnThatWouldPutAFigureInAnotherFolder(string column)
    {
        string csv = Occupancies(l => { l[0] = $"vol_id,block_1,{column}"; return l; });
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        var r = SirenProcess.Run("classify", "--occupancies", csv, "--outdir", outdir);
        AssertOneError(r, csv, $"'{column}'", "Fix:");
        AssertNothingWritten(outdir);
        Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(outdir)!));
        // Without figures the column is only a name.
        Assert.Equal(0, Classify(csv, outdir).ExitCode);
    }

    [Fact]
    public void RefusedRerunKeepsTheEarlierClassification()
    {
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        var good = Classify(Occupancies(), outdir, "--classes", "2");
        Assert.True(good.ExitCode == 0, good.Stderr);
        var before = Snapshot(outdir);
        Assert.Contains("manifest.json", before.Keys);

        AssertOneError(Classify(Occupancies(l => { l[3] = "2,NaN,0.1"; return l; }), outdir, "--classes", "2"), "map 2");
        AssertOneError(Classify(Occupancies(), outdir, "--classes", "500"), "--classes");
        AssertOneError(Classify(Occupancies(), outdir, "--distance", "nan"), "--distance");
        AssertUnchanged(before, outdir);
    }

    [Fact]
    public void TruncatedPickle()
    {
        string labels = Labels(TwoParticlesPerMap());
        byte[] bytes = File.ReadAllBytes(labels);
        File.WriteAllBytes(labels, bytes[..(bytes.Length / 2)]);
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(SelectByRule(Occupancies(), outdir, "--labels", labels), "labels.pkl", "truncated", "Fix:");
        AssertNothingWritten(outdir);
    }

    [Theory]
    [InlineData("labels_int64_p2.pkl")]
    [InlineData("labels_int32_p4.pkl")]
    [InlineData("labels_int64_p5.pkl")]
    public void PickleCutAnywhereIsAFormatError(string fixture)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(TestPaths.RepoRoot, "tests", "Siren.Core.Tests", "data", fixture));
        for (int length = 0; length < bytes.Length; length++)
            Assert.Throws<FormatException>(() => NumpyPickle.Read(bytes.AsSpan(0, length)));
    }

    [Fact]
    public void FloatPickleEndsItsSentence()
    {
        // The same array as float64: a dtype numpy allows but labels never have.
        byte[] bytes = NumpyPickle.WriteInt64(TwoParticlesPerMap());
        ReadOnlySpan<byte> int64 = [(byte)'X', 2, 0, 0, 0, (byte)'i', (byte)'8'];
        bytes[bytes.AsSpan().IndexOf(int64) + 5] = (byte)'f';
        string labels = Path.Combine(TestPaths.NewTempDir(), "labels.pkl");
        File.WriteAllBytes(labels, bytes);
        AssertOneError(SelectByRule(Occupancies(), Path.Combine(TestPaths.NewTempDir(), "out"), "--labels", labels), "labels.pkl", "'f8'", "integer type. Fix:");
    }

    [Fact]
    public void FolderAsLabels()
    {
        string folder = TestPaths.NewTempDir();
        AssertOneError(SelectByRule(Occupancies(), Path.Combine(TestPaths.NewTempDir(), "out"), "--labels", folder), folder, "is a folder", "Fix:");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(400)]
    [InlineData(long.MaxValue)] // its class count, one more, would overflow
    public void LabelOutsideTheClasses(long bad)
    {
        long[] labels = TwoParticlesPerMap();
        labels[17] = bad;
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(SelectByRule(Occupancies(), outdir, "--labels", Labels(labels)), "labels.pkl", "particle 17", $"class {bad}", "Fix:");
        AssertNothingWritten(outdir);
    }

    [Fact]
    public void NegativeFirstMapId()
    {
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(SelectByRule(Occupancies(), outdir, "--labels", Labels(TwoParticlesPerMap()), "--first-map-id", "-1"), "--first-map-id -1", "Fix:");
        AssertNothingWritten(outdir);
    }

    [Fact]
    public void FirstMapIdShiftsMapsPastTheClasses()
    {
        // Classes 0–59 with --first-map-id 5 are maps 5–64, but the table holds maps 0–59.
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(SelectByRule(Occupancies(), outdir, "--labels", Labels(TwoParticlesPerMap()), "--first-map-id", "5"),
            "labels.pkl", "--first-map-id 5", "occupancies.csv", "Fix:");
        AssertNothingWritten(outdir);
    }

    [Fact]
    public void ARuleOfNumbersAloneIsNoSelection()
    {
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(SirenProcess.Run("select", "--occupancies", Occupancies(), "--rule", "1>0", "--outdir", outdir), "reads no column", "Fix:");
        AssertNothingWritten(outdir);
    }

    [Fact]
    public void FirstMapIdWithoutLabelsIsNamedAsIgnored()
    {
        var r = SelectByRule(Occupancies(), Path.Combine(TestPaths.NewTempDir(), "out"), "--first-map-id", "1");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("warning: --first-map-id", r.Stderr);
        Assert.DoesNotContain("warning", SelectByRule(Occupancies(), Path.Combine(TestPaths.NewTempDir(), "out")).Stderr);
    }

    [Fact]
    public void StarOfAnotherParticleCountWritesNothing()
    {
        string csv = Occupancies(), labels = Labels(TwoParticlesPerMap());
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(SelectByRule(csv, outdir, "--labels", labels, "--star", Star(2 * Maps - 1)), "particles.star", "labels.pkl", "Fix:");
        AssertNothingWritten(outdir);

        var good = SelectByRule(csv, outdir, "--labels", labels, "--star", Star(2 * Maps));
        Assert.True(good.ExitCode == 0, good.Stderr);
        var before = Snapshot(outdir);
        Assert.Contains("particles_selected.star", before.Keys);
        AssertOneError(SirenProcess.Run("select", "--occupancies", csv, "--rule", "block_2>0.5", "--outdir", outdir, "--labels", labels, "--star", Star(7)), "particles.star");
        AssertUnchanged(before, outdir);
    }

    [Fact]
    public void RuleKeepingNoMapIsRefusedLikeAnEmptyClass()
    {
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(SirenProcess.Run("select", "--occupancies", Occupancies(), "--rule", "block_1>5", "--outdir", outdir),
            "'block_1>5'", "none of the 60 maps", "occupancies.csv", "values seen: block_1 0.1", "Fix:");
        AssertNothingWritten(outdir);
    }

    [Fact]
    public void DeeplyNestedRule()
    {
        string rule = new string('(', 60000) + "block_1>0.5" + new string(')', 60000);
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(SirenProcess.Run("select", "--occupancies", Occupancies(), "--rule", rule, "--outdir", outdir),
            "cannot read rule", $"more than {SelectionRule.MaxDepth} levels", "Fix:");
        AssertNothingWritten(outdir);
    }

    [Fact]
    public void EveryMapAlike()
    {
        string csv = Occupancies(l => [l[0], .. Enumerable.Range(0, Maps).Select(m => $"{m},0.5,0.5")]);
        string outdir = Path.Combine(TestPaths.NewTempDir(), "out");
        AssertOneError(Classify(csv, outdir), "all 60 maps have the same occupancy", "4 classes", "Fix:");
        AssertNothingWritten(outdir);
    }
}
