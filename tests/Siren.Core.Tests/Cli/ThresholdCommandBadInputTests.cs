using Siren.Core.Mrc;
using static Siren.Core.Tests.Cli.BadInputTests;

namespace Siren.Core.Tests.Cli;

/// <summary>
/// preprocess, predict-thresholds and fine-tune read maps in parallel and run ONNX Runtime: a bad map must
/// still reach the user as one error line naming it (not a parallel loop's wrapper or the runtime's log).
/// </summary>
public class ThresholdCommandBadInputTests
{
    private static string Box64Maps(int count = 3)
    {
        string dir = TestPaths.NewTempDir();
        Synthetic.WriteEnsemble(dir, 64, count, Synthetic.Cube(64, 20, 20, 20, 24), [], 1);
        return dir;
    }

    private static SirenProcess.Result Predict(string voldir, params string[] extra) =>
        SirenProcess.Run(["predict-thresholds", "--voldir", voldir, "--outdir", TestPaths.NewTempDir(), .. extra]);

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "infinite")]
    public void NonFiniteVoxel(float bad, string named)
    {
        string dir = Box64Maps();
        MrcVolume v = MrcReader.Read(Path.Combine(dir, "vol_001.mrc"));
        v.Data[4321] = bad;
        MrcWriter.Write(Path.Combine(dir, "vol_001.mrc"), v);
        AssertOneError(Predict(dir), "vol_001.mrc", named, "voxel 4321");
        AssertOneError(SirenProcess.Run("preprocess", "--voldir", dir, "--outdir", TestPaths.NewTempDir()), "vol_001.mrc", named);
    }

    [Fact]
    public void TruncatedMapAmongGoodOnes()
    {
        string dir = Box64Maps(6);
        string bad = Path.Combine(dir, "vol_004.mrc");
        File.WriteAllBytes(bad, File.ReadAllBytes(bad)[..5000]);
        AssertOneError(Predict(dir), "vol_004.mrc", "truncated");
    }

    [Fact]
    public void MapSmallerThanTheModelBox()
    {
        string dir = TestPaths.NewTempDir();
        Synthetic.WriteEnsemble(dir, 16, 1, Synthetic.Cube(16, 4, 4, 4, 6), [], 1);
        AssertOneError(Predict(dir), "vol_000.mrc", "box 16", "--threshold");
    }

    [Fact]
    public void NotAnOnnxModel()
    {
        string model = Path.Combine(TestPaths.NewTempDir(), "weights.onnx");
        File.WriteAllText(model, "not a model");
        AssertOneError(Predict(Box64Maps(1), "--model", model), "weights.onnx");
    }

    [Theory]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14, 0x00 })] // torch.save since PyTorch 1.6: a zip archive
    [InlineData(new byte[] { 0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC })] // older torch.save: a pickle
    public void PyTorchCheckpointInsteadOfOnnx(byte[] head)
    {
        string weights = Path.Combine(TestPaths.NewTempDir(), "weights.pth");
        File.WriteAllBytes(weights, [.. head, .. new byte[100]]);
        AssertOneError(Predict(Box64Maps(1), "--model", weights), "weights.pth", "PyTorch checkpoint", "convert_original.py");
    }

    [Fact]
    public void PreprocessedFolderWithoutAMapsStats()
    {
        string prep = TestPaths.NewTempDir();
        Assert.Equal(0, SirenProcess.Run("preprocess", "--voldir", Box64Maps(), "--outdir", prep).ExitCode);
        string stats = Path.Combine(prep, "normalized", "map_stats_downsampled.csv");
        File.WriteAllLines(stats, File.ReadAllLines(stats).Where(l => !l.StartsWith("2,", StringComparison.Ordinal)));
        AssertOneError(Predict(Path.Combine(prep, "normalized")), "map_stats_downsampled.csv", "map 2");
    }

    [Fact]
    public void UnwritableOutput()
    {
        string file = Path.Combine(TestPaths.NewTempDir(), "a-file");
        File.WriteAllText(file, "x");
        AssertOneError(SirenProcess.Run("predict-thresholds", "--voldir", Box64Maps(1), "--outdir", Path.Combine(file, "out")), "a-file", "writable");
    }

    [Fact]
    public void OneMapFileIsPredictedAndAFileIsNoEnsemble()
    {
        string dir = Box64Maps(1);
        string map = Path.Combine(dir, "emd_1234.mrc");
        File.Move(Path.Combine(dir, "vol_000.mrc"), map);
        string outdir = TestPaths.NewTempDir();
        var r = SirenProcess.Run("predict-thresholds", "--voldir", map, "--outdir", outdir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.StartsWith("1234,", File.ReadAllLines(Path.Combine(outdir, "predictions.csv"))[1]);
        AssertOneError(SirenProcess.Run("sketch", "--voldir", map, "--threshold", "0.5", "--outdir", TestPaths.NewTempDir()), "emd_1234.mrc", "is a file");
    }

    [Fact]
    public void FineTuneLabelsForMapsNotInTheFolder()
    {
        string dir = Box64Maps();
        string labels = Path.Combine(TestPaths.NewTempDir(), "labels.csv");
        File.WriteAllText(labels, "vol_id,contour_level\n0,0.5\n1,0.5\n2,0.5\n17,0.5\n");
        AssertOneError(SirenProcess.Run("fine-tune", "--voldir", dir, "--labels", labels, "--outdir", TestPaths.NewTempDir()), "labels.csv", "map 17");
    }
}
