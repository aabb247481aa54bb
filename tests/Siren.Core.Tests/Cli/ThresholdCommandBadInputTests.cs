using Siren.Core.Blocks;
using Siren.Core.Mrc;
using Siren.Core.Pipeline;
using Siren.Core.Tests.Thresholding;
using Siren.Core.Thresholding;
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

    [Fact]
    public void LabelsOfAPreprocessedFolderMustEncloseSomeOfTheirMap()
    {
        string maps = Box64Maps(), prep = TestPaths.NewTempDir();
        Assert.Equal(0, SirenProcess.Run("preprocess", "--voldir", maps, "--outdir", prep).ExitCode);
        string normalized = Path.Combine(prep, "normalized");
        // Above the map's (clipped) maximum, in map units: nothing of the normalized map lies above it.
        var stats = Siren.Core.Thresholding.Preprocess.ReadStats(Path.Combine(normalized, "map_stats_downsampled.csv"));
        string above = Labels(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"vol_id,contour_level\n0,0.5\n1,{stats[1].Max * 1.01:R}\n"));
        AssertOneError(Predict(normalized, "--labels", above), "labels.csv", "map 1", "encloses no voxel");
        Assert.Equal(0, Predict(normalized, "--labels", Labels("vol_id,contour_level\n0,0.5\n1,0.5\n")).ExitCode);
        // Far below the background: the whole box.
        AssertOneError(Predict(normalized, "--labels", Labels("vol_id,contour_level\n0,0.5\n1,-100\n")), "labels.csv", "map 1", "encloses every voxel");
    }

    [Fact]
    public void MapsWithTheirSolventRaisedAboveZeroAreNamed()
    {
        string dir = Box64Maps();
        var plain = Predict(dir);
        Assert.True(plain.ExitCode == 0, plain.Stderr);
        Assert.DoesNotContain("solvent", plain.Stderr);
        // Map 1 raised by a fifth of its peak: normalization, which keeps the positive part, reads another range.
        string raisedMap = Path.Combine(dir, "vol_001.mrc");
        Siren.Core.Mrc.MrcVolume v = Siren.Core.Mrc.MrcReader.Read(raisedMap);
        float peak = v.Data.Max();
        for (int i = 0; i < v.Data.Length; i++) v.Data[i] += 0.2f * peak;
        Siren.Core.Mrc.MrcWriter.Write(raisedMap, v);
        var raised = Predict(dir);
        Assert.True(raised.ExitCode == 0, raised.Stderr);
        Assert.Contains("warning: 1 of 3 maps have their solvent well away from 0: map 1", raised.Stderr);
        // Lowered as far, it is named too.
        for (int i = 0; i < v.Data.Length; i++) v.Data[i] -= 0.4f * peak;
        Siren.Core.Mrc.MrcWriter.Write(raisedMap, v);
        var lowered = Predict(dir);
        Assert.True(lowered.ExitCode == 0, lowered.Stderr);
        Assert.Contains("solvent well away from 0: map 1 (median -", lowered.Stderr);
    }

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

    private static void SetVoxel(string map, int voxel, float value)
    {
        MrcVolume v = MrcReader.Read(map);
        v.Data[voxel] = value;
        MrcWriter.Write(map, v);
    }

    private static string Labels(string text)
    {
        string path = Path.Combine(TestPaths.NewTempDir(), "labels.csv");
        File.WriteAllText(path, text);
        return path;
    }

    private static Dictionary<string, byte[]> FilesUnder(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllBytes);

    [Fact]
    public void PreprocessRerunKeepsWhatOthersWroteIntoItsFolder()
    {
        // A rerun replaces OUT/normalized whole: what predict-thresholds, or the user, put in it since must not go with it.
        string outdir = TestPaths.NewTempDir(), maps = FullBoxLevelsTests.CroppedMaps(2);
        Assert.Equal(0, SirenProcess.Run("preprocess", "--voldir", maps, "--outdir", outdir).ExitCode);
        string normalized = Path.Combine(outdir, "normalized");
        Assert.Equal(0, SirenProcess.Run("preprocess", "--voldir", maps, "--outdir", outdir).ExitCode);
        Assert.Equal(0, SirenProcess.Run("predict-thresholds", "--voldir", normalized, "--outdir", normalized).ExitCode);
        var before = FilesUnder(outdir);
        AssertOneError(SirenProcess.Run("preprocess", "--voldir", maps, "--outdir", outdir), "predictions.csv", "did not write", "move it out");
        Assert.Equal(before, FilesUnder(outdir));

        File.Delete(Path.Combine(normalized, "predictions.csv"));
        File.Delete(Path.Combine(normalized, "predictions.manifest.json"));
        File.WriteAllText(Path.Combine(normalized, "downsampled", "notes.txt"), "mine");
        AssertOneError(SirenProcess.Run("preprocess", "--voldir", maps, "--outdir", outdir), "notes.txt", "did not write");
        File.Delete(Path.Combine(normalized, "downsampled", "notes.txt"));
        Assert.Equal(0, SirenProcess.Run("preprocess", "--voldir", maps, "--outdir", outdir).ExitCode);

        // A folder from a version that did not list its files cannot be told apart from one others wrote into.
        string manifestPath = Path.Combine(normalized, "manifest.json");
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifestPath))!;
        manifest["results"]!.AsObject().Remove("outputs");
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        AssertOneError(SirenProcess.Run("preprocess", "--voldir", maps, "--outdir", outdir), "did not list its files", "delete that folder");
    }

    [Fact]
    public void PreprocessThatFailsHalfWayLeavesThePreviousFolderWhole()
    {
        string outdir = TestPaths.NewTempDir();
        Assert.Equal(0, SirenProcess.Run("preprocess", "--voldir", Box64Maps(4), "--outdir", outdir).ExitCode);
        var before = FilesUnder(outdir);

        // Six maps: the first chunk's good maps are written before the bad one is read.
        string dir = Box64Maps(6);
        SetVoxel(Path.Combine(dir, "vol_005.mrc"), 100, float.NaN);
        AssertOneError(SirenProcess.Run("preprocess", "--voldir", dir, "--outdir", outdir), "vol_005.mrc", "NaN");
        var after = FilesUnder(outdir);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, kv => Assert.Equal(kv.Value, after[kv.Key]));
        Assert.Equal(["normalized"], Directory.EnumerateFileSystemEntries(outdir).Select(Path.GetFileName));

        string fresh = TestPaths.NewTempDir();
        AssertOneError(SirenProcess.Run("preprocess", "--voldir", dir, "--outdir", fresh), "vol_005.mrc");
        Assert.Empty(Directory.EnumerateFileSystemEntries(fresh));
    }

    [Fact]
    public void NormalizedMapsWithoutTheirStatsAreNotNormalizedTwice()
    {
        string prep = TestPaths.NewTempDir();
        Assert.Equal(0, SirenProcess.Run("preprocess", "--voldir", Box64Maps(), "--outdir", prep).ExitCode);
        string normalized = Path.Combine(prep, "normalized");
        File.Delete(Path.Combine(normalized, "map_stats_downsampled.csv"));
        AssertOneError(Predict(normalized), "vol_00", "already normalized", "map_stats_downsampled.csv");
        AssertOneError(SirenProcess.Run("preprocess", "--voldir", normalized, "--outdir", TestPaths.NewTempDir()), "already normalized");
    }

    [Fact]
    public void RawMapsBesideAStrayStatsCsvAreNotTakenForNormalized()
    {
        string prep = TestPaths.NewTempDir();
        string raw = Box64Maps();
        Assert.Equal(0, SirenProcess.Run("preprocess", "--voldir", raw, "--outdir", prep).ExitCode);
        File.Copy(Path.Combine(prep, "normalized", "map_stats_downsampled.csv"), Path.Combine(raw, "map_stats_downsampled.csv"));
        AssertOneError(Predict(raw), "vol_00", "not a normalized map", "stray stats CSV");
    }

    [Theory]
    [InlineData("vol_id,contour_level\n0,0.5\n1,0.5\n1,0.6\n", "two rows for vol_id 1")]
    [InlineData("vol_id;contour_level\n0;0,5\n1;0,5\n", "separates its fields with ';', not commas")]
    [InlineData("vol_id\tcontour_level\n0\t0.5\n1\t0.5\n", "separates its fields with tabs, not commas")]
    [InlineData("vol_id,contour_level\n", "has no rows")]
    [InlineData("vol_id,contour_level\n0,0.5\n1,NaN\n", "line 3: contour_level 'NaN' is not a finite number")]
    [InlineData("vol_id,contour_level\n0,0.5\n1e20,0.5\n", "line 3: vol_id '1e20' is not a map number")]
    [InlineData("vol_id,contour_level\n0,0.5\n-1,0.5\n", "line 3: vol_id '-1' is not a map number")]
    [InlineData("vol_id,contour_level\n0,0.5\n1,1e9\n", "map 1 (vol_001.mrc) encloses no voxel")]
    [InlineData("vol_id,contour_level\n0,0.5\n1,-1e9\n", "map 1 (vol_001.mrc) encloses every voxel")]
    public void BadLabels(string csv, string named)
    {
        string maps = Box64Maps(), labels = Labels(csv);
        AssertOneError(SirenProcess.Run("preprocess", "--voldir", maps, "--outdir", TestPaths.NewTempDir(), "--labels", labels), "labels.csv", named);
        AssertOneError(SirenProcess.Run("fine-tune", "--voldir", maps, "--outdir", TestPaths.NewTempDir(), "--labels", labels), "labels.csv", named);
        string predicted = TestPaths.NewTempDir();
        AssertOneError(SirenProcess.Run("predict-thresholds", "--voldir", maps, "--outdir", predicted, "--labels", labels), "labels.csv", named);
        Assert.Empty(Directory.EnumerateFileSystemEntries(predicted));
    }

    [Fact]
    public void LabelsBelowZeroInTheNoiseAreLevels()
    {
        // Normalization merges every voxel ≤ 0 into one floor; a contour in the noise still leaves some voxels out.
        string maps = Box64Maps(), labels = Labels("vol_id,contour_level\n0,0\n1,-0.05\n2,0.02\n");
        string prep = TestPaths.NewTempDir();
        var r = SirenProcess.Run("preprocess", "--voldir", maps, "--outdir", prep, "--labels", labels);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var normalized = File.ReadAllLines(Path.Combine(prep, "normalized", "normalized_labels.csv")).Skip(1)
            .Select(l => double.Parse(l.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.All(normalized[..2], p => Assert.True(p < -1, $"{p}: a level at or below zero is below the normalized floor"));
        string tuned = TestPaths.NewTempDir();
        r = SirenProcess.Run("fine-tune", "--voldir", maps, "--outdir", tuned, "--labels", labels, "--held-out", "0");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.True(File.Exists(Path.Combine(tuned, "head.json")));
    }

    [Theory]
    [InlineData("{\"features\":2,\"hidden\":1,\"w1\":[1,1],\"b1\":[0],\"b2\":0}", "no \"w2\"")]
    [InlineData("{\"features\":2,\"hidden\":1,\"w1\":[1,1],\"b1\":[0],\"w2\":[1],\"b2\":\"abc\"}", "at $.b2")]
    [InlineData("{\"features\":2,\"hidden\":1,\"w1\":[1e999,1],\"b1\":[0],\"w2\":[1],\"b2\":0}", "w1[0] is beyond a 32-bit float's range")]
    [InlineData("{\"features\":2,\"hidden\":1,\"w1\":[1,1],\"b1\":[0],\"w2\":[1],\"b2\":-1e39}", "b2[0] is beyond")]
    [InlineData("[1, 2]", "line 1")]
    [InlineData("not json\nat all", "line 1")]
    public void BadHead(string json, string named)
    {
        string head = Path.Combine(TestPaths.NewTempDir(), "head.json");
        File.WriteAllText(head, json);
        var r = Predict(Box64Maps(1), "--head", head);
        AssertOneError(r, "head.json", "not a threshold head", named);
        Assert.DoesNotContain("System.", r.Stderr);
    }

    [Theory]
    [InlineData("--epochs", "0")]
    [InlineData("--lr", "nan")]
    [InlineData("--lr", "-1")]
    [InlineData("--held-out", "1")]
    public void FineTuneOptionsOutOfRange(string option, string value)
    {
        string outdir = Path.Combine(TestPaths.NewTempDir(), "ft");
        string labels = Labels("vol_id,contour_level\n0,0.5\n1,0.5\n2,0.5\n");
        AssertOneError(SirenProcess.Run("fine-tune", "--voldir", Box64Maps(), "--labels", labels, "--outdir", outdir, option, value), option);
        Assert.False(Directory.Exists(outdir));
    }

    [Fact]
    public void OptionsThatDoNotParseOrExceedTheMachine()
    {
        var r = Predict(Box64Maps(1), "--batch-size", "abc");
        AssertOneError(r, "--batch-size", "whole number", "siren predict-thresholds --help");
        Assert.DoesNotContain("System.", r.Stderr);
        AssertOneError(Predict(Box64Maps(1), "--threads", "100000"), "--threads 100000", $"up to {Environment.ProcessorCount}", "Fix:");
        string outdir = Path.Combine(TestPaths.NewTempDir(), "thr");
        AssertOneError(SirenProcess.Run("predict-thresholds", "--voldir", Box64Maps(1), "--outdir", outdir, "--threads", "-1"), "--threads -1", "Fix:");
        Assert.False(Directory.Exists(outdir));
    }

    [Fact]
    public void ModelInputOutsideTheContractIsRefusedBeforeAnyMapIsRead()
    {
        string model = Path.Combine(TestPaths.NewTempDir(), "box32.onnx");
        TinyOnnx.WriteMaxPlus(model, 0, null, 1, 32, 32, 32);
        AssertOneError(Predict(Box64Maps(1), "--model", model), "box32.onnx", "[N,1,32,32,32]", "[N,1,64,64,64]");
    }

    [Fact]
    public void ModelOutputDeclaredOutsideTheContractIsRefusedBeforeAnyMapIsRead()
    {
        string model = Path.Combine(TestPaths.NewTempDir(), "flat.onnx");
        TinyOnnx.WriteMaxPlusFlat(model, -0.5f, [null]);
        string outdir = Path.Combine(TestPaths.NewTempDir(), "thr");
        AssertOneError(SirenProcess.Run("predict-thresholds", "--voldir", Box64Maps(2), "--outdir", outdir, "--model", model), "flat.onnx", "'threshold' as [N]", "[N,1]");
        Assert.False(Directory.Exists(outdir));
    }

    [Fact]
    public void ModelReturningAnotherShapeThanItDeclaresIsRefused()
    {
        // Declared [N,M], returned [N]: only the values the model returns can show it.
        string model = Path.Combine(TestPaths.NewTempDir(), "liar.onnx");
        TinyOnnx.WriteMaxPlusFlat(model, -0.5f, null, null);
        string outdir = TestPaths.NewTempDir();
        AssertOneError(SirenProcess.Run("predict-thresholds", "--voldir", Box64Maps(2), "--outdir", outdir, "--model", model), "liar.onnx", "returned 'threshold' as [2]", "[N,1]");
        Assert.False(File.Exists(Path.Combine(outdir, "predictions.csv")));
    }

    [Fact]
    public void ModelExportedForOneMapAtATimeIsFedOneMapAtATime()
    {
        string dir = TestPaths.NewTempDir();
        string fixedOne = Path.Combine(dir, "batch1.onnx"), free = Path.Combine(dir, "free.onnx");
        TinyOnnx.WriteMaxPlus(fixedOne, -0.5f, 1, 1, 64, 64, 64);
        TinyOnnx.WriteMaxPlus(free, -0.5f, null, 1, 64, 64, 64);
        string maps = Box64Maps(5), a = TestPaths.NewTempDir(), b = TestPaths.NewTempDir();
        var r = SirenProcess.Run("predict-thresholds", "--voldir", maps, "--outdir", a, "--model", fixedOne, "--batch-size", "4");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(0, SirenProcess.Run("predict-thresholds", "--voldir", maps, "--outdir", b, "--model", free, "--batch-size", "4").ExitCode);
        string[] rows = File.ReadAllLines(Path.Combine(a, "predictions.csv"));
        Assert.Equal(6, rows.Length);
        Assert.All(rows.Skip(1), row => Assert.Equal("0.5", row.Split(',')[1]));
        Assert.Equal(rows, File.ReadAllLines(Path.Combine(b, "predictions.csv")));
    }

    [Fact]
    public void ModelLevelAboveTheMapIsAnErrorNotALevel()
    {
        string model = Path.Combine(TestPaths.NewTempDir(), "above.onnx");
        TinyOnnx.WriteMaxPlus(model, 4, null, 1, 64, 64, 64);
        string outdir = TestPaths.NewTempDir();
        AssertOneError(SirenProcess.Run("predict-thresholds", "--voldir", Box64Maps(2), "--outdir", outdir, "--model", model), "above.onnx", "for 2 of 2 maps", "map 0 (p = 5)", "--model");
        Assert.False(File.Exists(Path.Combine(outdir, "predictions.csv")));
    }

    [Fact]
    public void ModelLevelFarBelowTheMapIsAnErrorNotALevel()
    {
        string model = Path.Combine(TestPaths.NewTempDir(), "below.onnx");
        TinyOnnx.WriteMaxPlus(model, -3, null, 1, 64, 64, 64);
        string outdir = TestPaths.NewTempDir();
        AssertOneError(SirenProcess.Run("predict-thresholds", "--voldir", Box64Maps(2), "--outdir", outdir, "--model", model), "below.onnx", "p = -2", "outside [-1.1, 1]", "--model");
        Assert.False(File.Exists(Path.Combine(outdir, "predictions.csv")));
    }

    /// <summary>The shipped head with its output bias moved, so every level lands at about <paramref name="bias"/>.</summary>
    private static string HeadWithBias(float bias)
    {
        var head = ThresholdPredictor.ShippedHead();
        head.B2 = bias;
        string path = Path.Combine(TestPaths.NewTempDir(), "head.json");
        head.Write(path);
        return path;
    }

    [Theory]
    [InlineData(-5f, "p = -")]
    [InlineData(5f, "outside [-1.1, 1]")]
    public void HeadLevelOutsideTheMapNamesTheHead(float bias, string named)
    {
        string outdir = TestPaths.NewTempDir();
        var r = SirenProcess.Run("predict-thresholds", "--voldir", Box64Maps(2), "--outdir", outdir, "--head", HeadWithBias(bias));
        AssertOneError(r, "--head", "head.json", named, "siren fine-tune");
        Assert.DoesNotContain("--model", r.Stderr);
        Assert.False(File.Exists(Path.Combine(outdir, "predictions.csv")));
    }

    [Fact]
    public void FineTuneWhoseLossRoseWritesNoHead()
    {
        string maps = Box64Maps(4), outdir = TestPaths.NewTempDir();
        string labels = Labels("vol_id,contour_level\n0,0.5\n1,0.5\n2,0.5\n3,0.5\n");
        var r = SirenProcess.Run("fine-tune", "--voldir", maps, "--labels", labels, "--outdir", outdir, "--lr", "1", "--epochs", "20", "--held-out", "0");
        AssertOneError(r, "training loss rose", "--lr", "labels.csv");
        Assert.False(File.Exists(Path.Combine(outdir, "head.json")));

        r = SirenProcess.Run("fine-tune", "--voldir", maps, "--labels", labels, "--outdir", outdir, "--lr", "1e-12", "--epochs", "5", "--held-out", "0");
        AssertOneError(r, "did not change", "--lr (now 1E-12");
        Assert.False(File.Exists(Path.Combine(outdir, "head.json")));
    }

    [Fact]
    public void PredictionsStoppedBeforeTheirManifestAreNotPairedWithAnEarlierOne()
    {
        string maps = Box64Maps(3), outdir = TestPaths.NewTempDir();
        string labels = Labels("vol_id,contour_level\n0,0.5\n1,0.5\n2,0.5\n");
        Assert.Equal(0, SirenProcess.Run("predict-thresholds", "--voldir", maps, "--outdir", outdir, "--labels", labels).ExitCode);
        // A folder where the plot goes stops the next run after predictions.csv, where a kill could stop it too.
        string plot = Path.Combine(outdir, "predictions_vs_labels.png");
        File.Delete(plot);
        Directory.CreateDirectory(Path.Combine(plot, "in-the-way"));
        var r = SirenProcess.Run("predict-thresholds", "--voldir", maps, "--outdir", outdir, "--labels", labels, "--head", HeadWithBias(0));
        AssertOneError(r, "predictions_vs_labels.png");
        Assert.True(File.Exists(Path.Combine(outdir, "predictions.csv")));
        // The manifest beside them is this run's, naming its head, never the earlier one's without it, and its labels.
        string manifest = File.ReadAllText(Path.Combine(outdir, "predictions.manifest.json"));
        Assert.Contains("head_sha256\": \"", manifest);
        Assert.Contains($"\"labels\": \"{Path.GetFullPath(labels)}\"", manifest);
        Assert.Contains("labels_sha256\": \"", manifest);
    }

    [Fact]
    public void PredictionsIntoARunsThresholdsFolderMakeRunRedoTheStage()
    {
        string run = TestPaths.NewTempDir(), stage = Path.Combine(run, RunPipeline.ThresholdsFolder);
        Directory.CreateDirectory(stage);
        File.WriteAllText(Path.Combine(stage, RunPipeline.StampFile), "{}");
        new RunManifest("run").Write(run);
        var r = SirenProcess.Run("predict-thresholds", "--voldir", Box64Maps(2), "--outdir", stage, "--head", HeadWithBias(0));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.False(File.Exists(Path.Combine(stage, RunPipeline.StampFile)));
        Assert.False(File.Exists(Path.Combine(run, RunManifest.FileName)));
    }

    [Fact]
    public void PreprocessRefusesToReplaceItsOwnInput()
    {
        string outdir = TestPaths.NewTempDir(), normalized = Path.Combine(outdir, "normalized");
        Synthetic.WriteEnsemble(normalized, 64, 2, Synthetic.Cube(64, 20, 20, 20, 24), [], 1);
        File.WriteAllText(Path.Combine(normalized, "notes.txt"), "mine");
        var before = FilesUnder(normalized);
        AssertOneError(SirenProcess.Run("preprocess", "--voldir", normalized, "--outdir", outdir), "--voldir", "normalized", "Fix:");
        AssertOneError(SirenProcess.Run("preprocess", "--voldir", Path.Combine(normalized, "vol_000.mrc"), "--outdir", outdir), "--voldir", "vol_000.mrc", "Fix:");
        var after = FilesUnder(normalized);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, kv => Assert.Equal(kv.Value, after[kv.Key]));
    }

    [Fact]
    public void PreprocessReplacesOnlyAFolderItWrote()
    {
        string outdir = TestPaths.NewTempDir(), normalized = Path.Combine(outdir, "normalized");
        Directory.CreateDirectory(normalized);
        File.WriteAllText(Path.Combine(normalized, "notes.txt"), "mine");
        AssertOneError(SirenProcess.Run("preprocess", "--voldir", Box64Maps(), "--outdir", outdir), "normalized", "did not write", "Fix:");
        Assert.Equal("mine", File.ReadAllText(Path.Combine(normalized, "notes.txt")));

        File.Delete(Path.Combine(normalized, "notes.txt"));
        Assert.Equal(0, SirenProcess.Run("preprocess", "--voldir", Box64Maps(), "--outdir", outdir).ExitCode);
        Assert.Equal("preprocess", RunManifest.CommandIn(normalized));
        var r = SirenProcess.Run("preprocess", "--voldir", Box64Maps(2), "--outdir", outdir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(2, Directory.GetFiles(normalized, "*.mrc").Length);
    }

    [Fact]
    public void PreprocessOfAPreprocessedFolderSaysSoNotThatItsStatsAreMissing()
    {
        string prep = TestPaths.NewTempDir();
        Assert.Equal(0, SirenProcess.Run("preprocess", "--voldir", Box64Maps(), "--outdir", prep).ExitCode);
        string normalized = Path.Combine(prep, "normalized");
        var r = SirenProcess.Run("preprocess", "--voldir", normalized, "--outdir", TestPaths.NewTempDir());
        AssertOneError(r, "already normalized", "raw maps");
        Assert.DoesNotContain("has no map_stats_downsampled.csv", r.Stderr);
        AssertOneError(SirenProcess.Run("preprocess", "--voldir", normalized, "--outdir", prep), "--voldir", "normalized");
    }
}
