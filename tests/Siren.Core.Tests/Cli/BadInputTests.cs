using Siren.Core.Mrc;

namespace Siren.Core.Tests.Cli;

/// <summary>
/// Every bad input gives exit code 2 and exactly one "error:" line that names the file, never a stack trace.
/// </summary>
public class BadInputTests
{
    private static string GoodMaps(int count = 4, int box = 8)
    {
        string dir = TestPaths.NewTempDir();
        Synthetic.WriteEnsemble(dir, box, count, Synthetic.Cube(box, 2, 2, 2, 3), [], 1);
        return dir;
    }

    internal static void AssertOneError(SirenProcess.Result r, params string[] mustContain)
    {
        Assert.True(r.ExitCode == 2, $"expected exit code 2 (a user error), got {r.ExitCode}:\n{r.Stderr}");
        string[] errors = r.Stderr.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToArray();
        Assert.True(errors.Length == 1, $"expected one error line, got:\n{r.Stderr}");
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("unexpected", errors[0]);
        foreach (string s in mustContain) Assert.Contains(s, errors[0]);
    }

    private static SirenProcess.Result Sketch(string voldir, params string[] extra) =>
        SirenProcess.Run(["sketch", "--voldir", voldir, "--outdir", TestPaths.NewTempDir(), .. extra]);

    [Theory]
    [InlineData("sketch", "--outdir")] // would have written ./00_sketch
    [InlineData("classify", "--occupancies")]
    [InlineData("preprocess", "--voldir")]
    public void AnEmptyValueIsNamedNotPassedOn(string command, string option)
    {
        string[] args = command switch
        {
            "sketch" => ["sketch", "--voldir", GoodMaps(), "--threshold", "0.5", "--outdir", ""],
            "classify" => ["classify", "--occupancies", "", "--outdir", TestPaths.NewTempDir()],
            _ => ["preprocess", "--voldir", " ", "--outdir", TestPaths.NewTempDir()],
        };
        AssertOneError(SirenProcess.Run(args), $"{option} is empty", "Fix:");
    }

    /// <summary>fine-tune read its seed as an int and took -1; every --seed is a whole number ≥ 0, refused at parsing.</summary>
    [Theory]
    [InlineData("sketch")]
    [InlineData("run")]
    [InlineData("classify")]
    [InlineData("fine-tune")]
    [InlineData("simulate")]
    [InlineData("demo")]
    [InlineData("bench")]
    [InlineData("bench-occupancy")]
    [InlineData("make-training-set")]
    public void ANegativeSeedIsRefusedByEveryCommand(string command)
    {
        var r = SirenProcess.Run(command, "--seed", "-1");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'-1' for option '--seed' as a whole number ≥ 0", r.Stderr);
    }

    /// <summary>A refused command left the output folder it had created, empty, looking like a run that wrote nothing.</summary>
    [Fact]
    public void ARefusedCommandLeavesNoEmptyOutputFolder()
    {
        string bad = TestPaths.NewTempDir(); // no maps in it
        string outdir = Path.Combine(TestPaths.NewTempDir(), "new", "out");
        AssertOneError(SirenProcess.Run("sketch", "--voldir", bad, "--threshold", "0.5", "--outdir", outdir), "holds no .mrc");
        Assert.False(Directory.Exists(Path.GetDirectoryName(outdir)));
        AssertOneError(SirenProcess.Run("run", "--voldir", GoodMaps(), "--threshold", "0.5", "--outdir", outdir, "--classes", "1000"), "--classes");
        Assert.False(Directory.Exists(Path.GetDirectoryName(outdir)));

        string existing = TestPaths.NewTempDir(); // the user's folder stays, empty or not
        AssertOneError(SirenProcess.Run("sketch", "--voldir", bad, "--threshold", "0.5", "--outdir", existing), "holds no .mrc");
        Assert.True(Directory.Exists(existing));
    }

    [UnixFact]
    public void ADeviceGivenAsAnInputFileEndsWithOneLine()
    {
        // /dev/zero reads forever.
        AssertOneError(Sketch(GoodMaps(), "--thresholds", "/dev/zero"), "/dev/zero", "without an end");
        AssertOneError(SirenProcess.Run("classify", "--occupancies", "/dev/zero", "--outdir", TestPaths.NewTempDir()), "/dev/zero", "without an end");
    }

    [Theory]
    [InlineData("--threshold", "1,5")] // would have been read as 15
    [InlineData("--apix", "6,55")]
    public void ADecimalCommaIsRefusedNotReadAsThousands(string option, string value) =>
        AssertOneError(Sketch(GoodMaps(), option == "--threshold" ? [option, value] : ["--threshold", "0.5", option, value]), $"{option} {value}", "decimal point", value.Replace(',', '.'));

    [Fact]
    public void TruncatedMap()
    {
        string dir = GoodMaps();
        string bad = Path.Combine(dir, "vol_002.mrc");
        byte[] bytes = File.ReadAllBytes(bad);
        File.WriteAllBytes(bad, bytes[..1500]);
        AssertOneError(Sketch(dir, "--threshold", "0.5"), "vol_002.mrc", "truncated");
    }

    [Fact]
    public void NonMrcFile()
    {
        string dir = GoodMaps();
        File.WriteAllText(Path.Combine(dir, "vol_009.mrc"), "not a map");
        AssertOneError(Sketch(dir, "--threshold", "0.5"), "vol_009.mrc", "not an MRC map");
    }

    [Fact]
    public void MixedBoxSizes()
    {
        string dir = GoodMaps();
        MrcWriter.Write(Path.Combine(dir, "vol_007.mrc"), MrcVolume.Zeros(10, Vec3.All(1), Vec3.All(0)));
        AssertOneError(Sketch(dir, "--threshold", "0.5"), "vol_007.mrc", "one box");
    }

    [Fact]
    public void NonCubicMap()
    {
        string dir = TestPaths.NewTempDir();
        MrcWriter.Write(Path.Combine(dir, "vol_000.mrc"), new MrcVolume(8, 8, 6, new float[384], Vec3.All(1), Vec3.All(0)));
        AssertOneError(Sketch(dir, "--threshold", "0.5"), "vol_000.mrc", "cubic");
    }

    [Fact]
    public void NaNInMap()
    {
        string dir = GoodMaps();
        MrcVolume v = MrcReader.Read(Path.Combine(dir, "vol_001.mrc"));
        v.Data[17] = float.NaN;
        MrcWriter.Write(Path.Combine(dir, "vol_001.mrc"), v);
        AssertOneError(Sketch(dir, "--threshold", "0.5"), "vol_001.mrc", "NaN");
    }

    [Fact]
    public void ThresholdsCsvMissingMaps()
    {
        string dir = GoodMaps();
        string csv = Path.Combine(TestPaths.NewTempDir(), "predictions.csv");
        File.WriteAllText(csv, ",vol_id,prediction,denormalized_predictions\n0,0,0.1,0.5\n1,2,0.1,0.5\n");
        AssertOneError(Sketch(dir, "--thresholds", csv), "vol_001.mrc", "vol_003.mrc", "predictions.csv");
    }

    [Fact]
    public void EmptyFolder() => AssertOneError(Sketch(TestPaths.NewTempDir(), "--threshold", "0.5"), "no .mrc or .map files");

    [Fact]
    public void MissingFolder() => AssertOneError(Sketch("/nonexistent/maps", "--threshold", "0.5"), "/nonexistent/maps", "does not exist");

    [Fact]
    public void UnwritableOutput()
    {
        string dir = GoodMaps();
        string file = Path.Combine(TestPaths.NewTempDir(), "a-file");
        File.WriteAllText(file, "x");
        AssertOneError(SirenProcess.Run("sketch", "--voldir", dir, "--threshold", "0.5", "--outdir", Path.Combine(file, "out")), "a-file", "writable");
    }

    [Fact]
    public void NoThreshold() => AssertOneError(Sketch(GoodMaps()), "--threshold");

    [Fact]
    public void ExpandWithoutSketch() => AssertOneError(SirenProcess.Run("expand", "--outdir", TestPaths.NewTempDir()), "manifest.json", "siren sketch");

    [Fact]
    public void GoodInputRunsBothStages()
    {
        string maps = TestPaths.NewTempDir();
        Synthetic.WriteEnsemble(maps, 16, 120, Synthetic.Cube(16, 4, 4, 4, 5), [new Synthetic.Region(Synthetic.Cube(16, 9, 4, 4, 3), 0.4)], 2);
        string outdir = TestPaths.NewTempDir();
        var sketch = SirenProcess.Run("sketch", "--voldir", maps, "--threshold", "0.5", "--outdir", outdir, "--seed", "3", "--device", "cpu");
        Assert.True(sketch.ExitCode == 0, sketch.Stderr);
        var expand = SirenProcess.Run("expand", "--outdir", outdir, "--device", "cpu");
        Assert.True(expand.ExitCode == 0, expand.Stderr);
        Assert.Contains("expand: 1 blocks", expand.Stderr);
        Assert.True(File.Exists(Path.Combine(outdir, "02_expand", "block_0.mrc")));
    }
}
