using System.Globalization;
using Siren.Cli;
using Siren.Cli.Commands;
using Siren.Core.Ensemble;
using Siren.Core.Mrc;
using Siren.Core.Thresholding;

namespace Siren.Core.Tests.Thresholding;

public class ThresholdPredictorTests
{
    internal static List<(float[] Normalized, MapStats Stats, double Label)> SyntheticMaps(int count, int seed)
    {
        var result = new List<(float[], MapStats, double)>();
        for (int i = 0; i < count; i++)
        {
            var rng = new SirenRandom((ulong)(seed + i));
            string family = TrainingSet.TrainingFamilies[1 + i % (TrainingSet.TrainingFamilies.Length - 1)];
            var sample = TrainingSet.Generate(i, family, rng, []);
            var (normalized, stats) = MapNormalization.Normalize(sample.Map);
            result.Add((normalized, stats, stats.Normalize(sample.Label)));
        }
        return result;
    }

    [Fact]
    public void ShippedModelFollowsTheContractAndItsHeadJsonReproducesIt()
    {
        using var predictor = new ThresholdPredictor();
        var maps = SyntheticMaps(3, 40);
        var (predictions, features) = predictor.Run(maps.Select(m => m.Normalized).ToList());

        Assert.True(predictor.HasFeatures);
        Assert.Equal(3, predictions.Length);
        var head = ThresholdPredictor.ShippedHead();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(float.IsFinite(predictions[i]));
            Assert.Equal(head.Features, features![i].Length);
            Assert.Equal(predictions[i], head.Predict(features[i]), 4);
        }
    }

    [Fact]
    public void BatchedPredictionsEqualSingleOnes()
    {
        using var predictor = new ThresholdPredictor();
        var maps = SyntheticMaps(3, 50).Select(m => m.Normalized).ToList();
        var (batched, _) = predictor.Run(maps);
        for (int i = 0; i < maps.Count; i++)
            Assert.Equal(batched[i], predictor.Run([maps[i]]).Predictions[0], 5);
    }

    [Fact]
    public void ModelWithoutTheContractIsAUserError()
    {
        string path = Path.Combine(TestPaths.NewTempDir(), "not_a_model.onnx");
        File.WriteAllText(path, "not onnx");
        Assert.Throws<SirenException>(() => new ThresholdPredictor(path));
    }

    [SharedDataFact]
    public void PredictThresholdsCommandOnRealMapsWritesDenormalizedLevels()
    {
        string vols = Path.Combine(TestPaths.SharedData!, "empiar10076_maven", "vols");
        string outdir = TestPaths.NewTempDir();
        var root = new System.CommandLine.RootCommand { PredictThresholdsCommand.Create() };
        Assert.Equal(0, CliHost.Run(root, ["eval_model", "--voldir", vols, "--outdir", outdir]));

        var table = CsvTable.Read(Path.Combine(outdir, "predictions.csv"));
        Assert.Equal(["vol_id", "prediction", "denormalized_predictions", "vol_min", "vol_max"], table.Header);
        Assert.Equal(20, table.Rows.Count);
        foreach (var row in table.Rows)
        {
            double[] v = row.Skip(1).Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal((v[0] + 1) / 2 * (v[3] - v[2]) + v[2], v[1], 9);
            Assert.InRange(v[1], v[2], v[3]);
        }
        var thresholds = Ensemble.Thresholds.FromCsv(Path.Combine(outdir, "predictions.csv"));
        thresholds.RequireAll(VolumeFolder.List(vols));
    }

    [Fact]
    public void PredictThresholdsWithLabelsPlotsAndScoresThem()
    {
        string dir = TestPaths.NewTempDir();
        TrainingSet.Write(dir, 6, 21, ["pseudo_complex", "elongated", "ring"], null, rawMaps: true);
        string outdir = TestPaths.NewTempDir();
        var root = new System.CommandLine.RootCommand { PredictThresholdsCommand.Create() };
        Assert.Equal(0, CliHost.Run(root, ["predict-thresholds", "--voldir", Path.Combine(dir, "maps"), "--outdir", outdir, "--labels", Path.Combine(dir, "labels.csv")]));

        byte[] png = File.ReadAllBytes(Path.Combine(outdir, "predictions_vs_labels.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(outdir, "predictions.manifest.json")))!;
        var results = manifest["results"]!;
        Assert.Equal(6, (int)results["labelled_maps"]!);
        // The manifest names the model by its bytes: the shipped one is the committed file.
        string shipped = Path.Combine(TestPaths.RepoRoot, "src", "Siren.Core", "Thresholds", "Models", "siren_threshold.onnx");
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(shipped))), (string)manifest["parameters"]!["model_sha256"]!);
        // Simulated maps of training families: the model lands within a few per cent of their range.
        Assert.InRange((double)results["median_gap_of_range"]!, 0, 0.05);
        Assert.NotNull(results["pearson_r_normalized"]);

        // Without --labels into the same folder: the plot of the earlier labels goes with them.
        Assert.Equal(0, CliHost.Run(root, ["predict-thresholds", "--voldir", Path.Combine(dir, "maps"), "--outdir", outdir]));
        Assert.False(File.Exists(Path.Combine(outdir, "predictions_vs_labels.png")));
    }

    [Fact]
    public void LabelsEqualToTheLevelsOfCroppedMapsScoreAsPerfect()
    {
        // The score compares levels of the maps as given, however they were carried from box 64.
        string dir = FullBoxLevelsTests.CroppedMaps(3);
        string first = TestPaths.NewTempDir();
        var root = new System.CommandLine.RootCommand { PredictThresholdsCommand.Create() };
        Assert.Equal(0, CliHost.Run(root, ["predict-thresholds", "--voldir", dir, "--outdir", first]));
        string labels = Path.Combine(first, "labels.csv");
        File.WriteAllLines(labels, ["vol_id,contour_level", .. File.ReadAllLines(Path.Combine(first, "predictions.csv")).Skip(1).Select(l => string.Join(',', l.Split(',')[0], l.Split(',')[2]))]);

        string second = TestPaths.NewTempDir();
        Assert.Equal(0, CliHost.Run(root, ["predict-thresholds", "--voldir", dir, "--outdir", second, "--labels", labels]));
        var results = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(second, "predictions.manifest.json")))!["results"]!;
        Assert.Equal(0, (double)results["median_gap_of_range"]!, 9);
        Assert.Equal(1, (double)results["pearson_r_normalized"]!, 3);
    }

    [PythonFact("onnx")]
    public void NonFiniteModelOutputIsAUserError()
    {
        // A model of the contract's shape whose output is log(−1): NaN must not become a level.
        string path = Path.Combine(TestPaths.NewTempDir(), "nan.onnx");
        PythonReference.Script(PythonReference.With("onnx")!, """
            import sys, onnx
            from onnx import helper, TensorProto
            x = helper.make_tensor_value_info("map", TensorProto.FLOAT, ["N", 1, 64, 64, 64])
            y = helper.make_tensor_value_info("threshold", TensorProto.FLOAT, ["N", 1])
            nodes = [
                helper.make_node("ReduceMean", ["map"], ["m"], axes=[2, 3, 4], keepdims=0),
                helper.make_node("Sub", ["m", "m"], ["zero"]),
                helper.make_node("Constant", [], ["one"], value=helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])),
                helper.make_node("Sub", ["zero", "one"], ["minus_one"]),
                helper.make_node("Log", ["minus_one"], ["threshold"]),
            ]
            model = helper.make_model(helper.make_graph(nodes, "nan", [x], [y]), opset_imports=[helper.make_opsetid("", 13)])
            onnx.save(model, sys.argv[1])
            """, path);
        using var predictor = new ThresholdPredictor(path);
        var e = Assert.Throws<SirenException>(() => predictor.Run([SyntheticMaps(1, 5)[0].Normalized]));
        Assert.Contains("NaN", e.Message);
        // Given the maps' files, the error names the map.
        e = Assert.Throws<SirenException>(() => predictor.Run([SyntheticMaps(1, 5)[0].Normalized], ["maps/vol_007.mrc"]));
        Assert.Contains("returned NaN for 'maps/vol_007.mrc'", e.Message);
    }

    [Fact]
    public void PreprocessedFolderGivesTheSamePredictionsAsRawMaps()
    {
        string dir = TestPaths.NewTempDir();
        string vols = Directory.CreateDirectory(Path.Combine(dir, "vols")).FullName;
        var rng = new SirenRandom(8);
        for (int id = 0; id < 2; id++)
        {
            var sample = TrainingSet.Generate(id, "pseudo_complex", rng, []);
            MrcWriter.Write(Path.Combine(vols, $"vol_{id:D3}.mrc"), new MrcVolume(64, 64, 64, sample.Map, Vec3.All((float)sample.VoxelSize), default));
        }
        Preprocess.Run(vols, Path.Combine(dir, "prep"));
        using var predictor = new ThresholdPredictor();
        var fromRaw = predictor.Predict(vols);
        var fromPrep = predictor.Predict(Path.Combine(dir, "prep", "normalized"));
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(fromRaw[i].MapId, fromPrep[i].MapId);
            Assert.Equal(fromRaw[i].Denormalized, fromPrep[i].Denormalized, 5);
        }
    }

    [Fact]
    public void AFewLevelsOutsideTheContourRangeAreKeptWithAWarningMostAreAnError()
    {
        using var predictor = new ThresholdPredictor();
        var stats = new MapStats(0, 1);
        ThresholdPrediction[] Levels(params double[] p) => p.Select((x, id) => new ThresholdPrediction(id, x, stats.Denormalize(x), stats)).ToArray();

        var log = new List<string>();
        var few = Levels(0.1, 0.2, -3.28, 0.3, 0.0, 1.5, 0.4, 0.2, 0.1, 0.3);
        Assert.Same(few, predictor.RequireContours(few, log.Add)); // one odd map must not stop an ensemble
        string warning = Assert.Single(log);
        Assert.Contains("2 of 10 maps: map 2 (p = -3.28), map 5 (p = 1.5)", warning);
        log.Clear();
        predictor.RequireContours(Levels(-1.05, 0.99, 0), log.Add); // a little below -1 is a contour in the noise floor
        Assert.Empty(log);

        var e = Assert.Throws<SirenException>(() => predictor.RequireContours(Levels(5, 5, 5, 0.2), null));
        Assert.Contains("for 3 of 4 maps", e.Message);
        Assert.Contains("--model", e.Message);
    }
}
