using Siren.Core.Thresholding;

namespace Siren.Core.Tests.Thresholding;

public class TrainingExportTests
{
    /// <summary>
    /// training/train.py merges its head ensemble into one MLP (model.merged_head) so the ONNX graph and
    /// head.json keep their form: the exported model must give the weighted mean of the separate heads, and the
    /// head.json that fine-tuning starts from must reproduce the graph's output in C#.
    /// </summary>
    [PythonFact("torch, onnx")]
    public void MergedHeadEnsembleExportsAsTheWeightedMeanOfItsHeads()
    {
        string dir = TestPaths.NewTempDir();
        string input = Path.Combine(dir, "maps.bin"), expectedPath = Path.Combine(dir, "expected.bin");
        string onnx = Path.Combine(dir, "model.onnx"), headJson = Path.Combine(dir, "head.json");
        var maps = ThresholdPredictorTests.SyntheticMaps(2, 120).Select(m => m.Normalized).ToList();
        PythonReference.WriteFloats(input, maps);

        PythonReference.Script(PythonReference.With("torch, onnx")!, """
            import json, sys
            import numpy as np, torch
            sys.path.insert(0, sys.argv[1])
            import model as M, train as T
            torch.manual_seed(3)
            net = M.ThresholdNet().eval()
            maps = torch.from_numpy(np.fromfile(sys.argv[2], dtype=np.float32).reshape(-1, 1, 64, 64, 64))
            with torch.no_grad():
                _, f = net(maps)
            features, labels = 2 * torch.randn(40, M.FEATURES), 0.2 * torch.randn(40, 1)
            conv = 2 * M.WIDTHS[-1]
            sets = [torch.arange(M.FEATURES), torch.arange(conv, M.FEATURES), torch.arange(M.FEATURES)]
            heads = [T.fit_head(features, labels, cols, seed=k, epochs=2) for k, cols in enumerate(sets)]
            weights = [0.5, 0.2, 0.3]
            with torch.no_grad():
                expected = sum(w * h((f[:, cols] - mean) / sd) for w, (cols, mean, sd, h) in zip(weights, heads))
            net.head = M.merged_head(heads, weights)
            M.export(net, sys.argv[3])
            with open(sys.argv[4], "w") as out:
                json.dump(M.head_json(net), out)
            expected.numpy().astype(np.float32).tofile(sys.argv[5])
            """, Path.Combine(TestPaths.RepoRoot, "training"), input, onnx, headJson, expectedPath);

        float[] expected = PythonReference.ReadFloats(expectedPath);
        var head = ThresholdHead.Read(headJson);
        Assert.Equal(96, head.Hidden);
        using var predictor = new ThresholdPredictor(onnx);
        var (predictions, features) = predictor.Run(maps);
        for (int i = 0; i < maps.Count; i++)
        {
            Assert.Equal(expected[i], predictions[i], 1e-4);
            Assert.Equal(expected[i], head.Predict(features![i]), 1e-4);
        }
    }
}
