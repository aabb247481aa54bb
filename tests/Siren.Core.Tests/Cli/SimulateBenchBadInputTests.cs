using static Siren.Core.Tests.Cli.BadInputTests;

namespace Siren.Core.Tests.Cli;

/// <summary>
/// simulate, make-training-set, bench and bench-occupancy size their work from user numbers: a value out of
/// range is one error line with a fix, before any map is written, never a crash, a hang or broken maps.
/// </summary>
public class SimulateBenchBadInputTests
{
    private static SirenProcess.Result SimulateBuiltin(string resolution, string variation)
    {
        string spec = Path.Combine(TestPaths.NewTempDir(), "bad_spec.json");
        File.WriteAllText(spec, $$"""
            {"grid": {"box": 32, "apix": 8}, "maps": 2, "resolution": {{resolution}}, "variation": {{variation}},
             "groups": [{"name": "D", "select": [{"chain": "D"}]}], "classes": [{"name": "a", "frequency": 1, "present": ["D"]}, {"name": "b", "frequency": 1}]}
            """);
        return SirenProcess.Run("simulate", "--spec", spec, "--builtin", "--outdir", TestPaths.NewTempDir());
    }

    [Fact]
    public void SimulateWithANaNCoordinateNamesTheFileAndLine()
    {
        string model = TestPaths.NewTempDir();
        File.WriteAllText(Path.Combine(model, "prots1.pdb"),
            "ATOM      1  N   MET A   1      31.619  60.082  74.919  1.00 98.27           N  \n" +
            "ATOM      2  CA  MET A   1         nan  59.385  76.140  1.00 98.27           C  \n");
        string outdir = TestPaths.NewTempDir();

        AssertOneError(SirenProcess.Run("simulate", "--preset", "ul2-titration", "--model", model, "--n", "2", "--outdir", outdir),
            "prots1.pdb", "line 2", "not finite", "Fix:");
        Assert.Empty(Directory.GetFiles(outdir, "vol_*.mrc"));
    }

    [Theory]
    [InlineData("""{"min": 16, "max": 1e308}""", "{}", "resolution {min 16, max 1E+308}")]
    [InlineData("""{"min": 16, "max": 17, "levels": 1000000}""", "{}", "resolution.levels 1000000")]
    [InlineData("""{"min": 16, "max": 16}""", """{"noise": 1e308}""", "variation.noise")]
    [InlineData("""{"min": 16, "max": 16}""", """{"scale": [1e-300, 1e308]}""", "variation.scale")]
    [InlineData("""{"min": 16, "max": 16}""", """{"noise_blur": 1e308}""", "variation.noise_blur")]
    [InlineData("""{"min": 16, "max": 16}""", """{"noise": 0.1, "noise": 0.2}""", "Duplicate property 'noise'")]
    public void SimulateRefusesASpecOutOfRange(string resolution, string variation, string named) =>
        AssertOneError(SimulateBuiltin(resolution, variation), "bad_spec.json", named, "Fix:");

    [Fact]
    public void SimulateRefusesMoreMapsThanTheDiskHoldsBeforeWritingAny()
    {
        string outdir = TestPaths.NewTempDir();
        AssertOneError(SirenProcess.Run("simulate", "--preset", "demo", "--n", "2000000000", "--outdir", outdir), "2000000000 maps of 64³", "free", "lower --n");
        Assert.Empty(Directory.EnumerateFileSystemEntries(outdir));
    }

    [Fact]
    public void HiddenMakeTrainingSetStillHasHelp()
    {
        var r = SirenProcess.Run("make-training-set", "--help");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("--families", r.Stdout);
        Assert.DoesNotContain("make-training-set", SirenProcess.Run("--help").Stdout);
    }

    [Theory]
    [InlineData("--count", "-5", "--count -5")]
    [InlineData("--count", "0", "--count 0")]
    [InlineData("--families", "", "--families")]
    [InlineData("--families", "elongated,bogus", "'bogus'")]
    public void MakeTrainingSetRefusesBadCountsAndFamilies(string option, string value, string named)
    {
        string[] families = option == "--families" ? [] : ["--families", "elongated"];
        AssertOneError(SirenProcess.Run(["make-training-set", "--out", TestPaths.NewTempDir(), option, value, .. families]), named, "Fix:");
    }

    [Fact]
    public void MakeTrainingSetWithoutTheRibosomeNamesTheOption() =>
        AssertOneError(SirenProcess.Run("make-training-set", "--out", TestPaths.NewTempDir(), "--count", "2", "--families", "ribosome_subset"),
            "--ribosome", "Fix:");

    [Theory]
    [InlineData("--boxes", "0", "--boxes 0")]
    [InlineData("--boxes", "64,abc", "'abc'")]
    [InlineData("--boxes", "100000", "--boxes 100000")]
    [InlineData("--maps", "0", "--maps 0")]
    [InlineData("--repeats", "0", "--repeats 0")]
    public void BenchRefusesOutOfRangeSizes(string option, string value, string named)
    {
        string[] boxes = option == "--boxes" ? [] : ["--boxes", "16"];
        AssertOneError(SirenProcess.Run(["bench", "--workdir", TestPaths.NewTempDir(), option, value, .. boxes]), named, "Fix:");
    }

    [Fact]
    public void BenchWorkdirThatIsAFile()
    {
        string file = Path.Combine(TestPaths.NewTempDir(), "a-file");
        File.WriteAllText(file, "x");
        AssertOneError(SirenProcess.Run("bench", "--boxes", "16", "--maps", "4", "--workdir", file), "a-file", "not a folder", "Fix:");
    }

    [Theory]
    [InlineData("--jobs", "-1", "--jobs -1")]
    [InlineData("--distinct", "0", "--distinct 0")]
    [InlineData("--box", "100000", "--box 100000")]
    [InlineData("--blocks", "0", "--blocks 0")]
    public void BenchOccupancyRefusesOutOfRangeValues(string option, string value, string named)
    {
        var args = new Dictionary<string, string> { ["--dir"] = TestPaths.NewTempDir(), ["--distinct"] = "2", ["--maps"] = "4", ["--box"] = "8", [option] = value };
        AssertOneError(SirenProcess.Run(["bench-occupancy", .. args.SelectMany(a => new[] { a.Key, a.Value })]), named, "Fix:");
    }
}
