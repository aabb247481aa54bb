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
}
