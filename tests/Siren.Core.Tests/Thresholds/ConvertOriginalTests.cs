using Siren.Core.Thresholding;

namespace Siren.Core.Tests.Thresholding;

public class ConvertOriginalTests
{
    [PythonFact("torch, onnx")]
    public void ConvertedRandomCheckpointRunsInOnnxRuntimeAsInPyTorch()
    {
        string dir = TestPaths.NewTempDir();
        string checkpoint = Path.Combine(dir, "weights.pth"), onnx = Path.Combine(dir, "original.onnx");
        string input = Path.Combine(dir, "maps.bin"), expectedPath = Path.Combine(dir, "torch.bin");
        var maps = ThresholdPredictorTests.SyntheticMaps(2, 90).Select(m => m.Normalized).ToList();
        PythonReference.WriteFloats(input, maps);

        string script = Path.Combine(TestPaths.RepoRoot, "training", "convert_original.py");
        var (exit, output) = PythonReference.Run(PythonReference.With("torch, onnx")!,
            $"\"{script}\" \"{checkpoint}\" \"{onnx}\" --random-checkpoint 7 --verify \"{input}\" \"{expectedPath}\"", TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, output);

        float[] expected = PythonReference.ReadFloats(expectedPath);
        using var predictor = new ThresholdPredictor(onnx);
        Assert.False(predictor.HasFeatures);
        var (actual, _) = predictor.Run(maps);
        Assert.Equal(2, actual.Length);
        for (int i = 0; i < 2; i++) Assert.Equal(expected[i], actual[i], 1e-5);
    }

    [PythonFact("torch, onnx")]
    public void PaperCnnTrainedOnOurSetIsAnOriginalCheckpoint()
    {
        // train_paper_cnn.py exists to compare the paper's architecture with ours on a GPU; here one short
        // epoch checks that what it writes is a checkpoint the original's converter reads and that its ONNX
        // export keeps our contract.
        string dir = TestPaths.NewTempDir();
        TrainingSet.Write(Path.Combine(dir, "train"), 4, 11, ["pseudo_complex", "ring"], null, rawMaps: false);
        // In bfloat16 autocast, as on a CPU with AVX-512 BF16: the checkpoint and the export stay float32.
        Assert.Contains("epoch 1/1: train loss", TrainPaperCnn(dir, "paper", "--epochs 1 --bf16"));

        // The checkpoint, and the weights-only .npz that paper_recipe_gpu.sh brings back from a GPU machine.
        string fromCheckpoint = Convert(dir, "paper_cnn.pth"), fromArrays = Convert(dir, "paper_cnn.npz");

        var maps = ThresholdPredictorTests.SyntheticMaps(2, 95).Select(m => m.Normalized).ToList();
        using var trained = new ThresholdPredictor(Path.Combine(dir, "paper", "paper_cnn.onnx"));
        var (a, _) = trained.Run(maps);
        Assert.Equal(2, a.Length);
        Assert.All(a, p => Assert.True(float.IsFinite(p)));
        foreach (string converted in new[] { fromCheckpoint, fromArrays })
        {
            using var predictor = new ThresholdPredictor(converted);
            var (b, _) = predictor.Run(maps);
            for (int i = 0; i < 2; i++) Assert.Equal(a[i], b[i], 1e-6);
        }
    }

    static string Convert(string dir, string weights)
    {
        string onnx = Path.Combine(dir, weights + ".onnx");
        var (exit, output) = PythonReference.Run(PythonReference.With("torch, onnx")!,
            $"\"{Path.Combine(TestPaths.RepoRoot, "training", "convert_original.py")}\" \"{Path.Combine(dir, "paper", weights)}\" \"{onnx}\"", TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, output);
        return onnx;
    }

    [PythonFact("torch, onnx")]
    public void ResumedPaperCnnTrainingEqualsAnUninterruptedRun()
    {
        // An epoch of the paper's CNN is an hour on a 2-core CPU, so its training resumes from the checkpoint
        // it rewrites after every epoch; resuming must not change what is learned (shuffles, augmentation,
        // dropout and Adam's moments all carry over).
        string dir = TestPaths.NewTempDir();
        TrainingSet.Write(Path.Combine(dir, "train"), 4, 12, ["pseudo_complex", "ring"], null, rawMaps: false);
        TrainPaperCnn(dir, "whole", "--epochs 2");
        TrainPaperCnn(dir, "first", "--epochs 1");
        Assert.Contains("resuming", TrainPaperCnn(dir, "resumed", $"--epochs 2 --resume \"{Path.Combine(dir, "first", "paper_cnn.pth")}\""));

        var maps = ThresholdPredictorTests.SyntheticMaps(2, 96).Select(m => m.Normalized).ToList();
        using var whole = new ThresholdPredictor(Path.Combine(dir, "whole", "paper_cnn.onnx"));
        using var first = new ThresholdPredictor(Path.Combine(dir, "first", "paper_cnn.onnx"));
        using var resumed = new ThresholdPredictor(Path.Combine(dir, "resumed", "paper_cnn.onnx"));
        var (a, _) = whole.Run(maps);
        var (b, _) = resumed.Run(maps);
        var (c, _) = first.Run(maps);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    static string TrainPaperCnn(string dir, string outName, string arguments)
    {
        var (exit, output) = PythonReference.Run(PythonReference.With("torch, onnx")!,
            $"\"{Path.Combine(TestPaths.RepoRoot, "training", "train_paper_cnn.py")}\" --data \"{Path.Combine(dir, "train")}\" --out \"{Path.Combine(dir, outName)}\" --batch 2 --val-frac 0.25 {arguments}",
            TimeSpan.FromMinutes(5));
        Assert.True(exit == 0, output);
        return output;
    }
}
