using BenchmarkDotNet.Attributes;
using Siren.Core;
using Siren.Core.Thresholding;

namespace Siren.Benchmarks;

/// <summary>
/// The shipped threshold model per map (ONNX Runtime, CPU, all cores), in siren predict-thresholds' default
/// batch of 4 and one map at a time; the budget is 10 ms per map on a 2-core machine. Maps are
/// simulated training-family maps, normalized as siren preprocess does.
/// Run: dotnet run -c Release --project benchmarks/Siren.Benchmarks -- --filter '*ThresholdModel*'
/// </summary>
public class ThresholdModelBenchmarks
{
    private const int Batch = 4;
    private ThresholdPredictor _predictor = null!;
    private List<float[]> _maps = [];

    [GlobalSetup]
    public void Setup()
    {
        _predictor = new ThresholdPredictor();
        for (int i = 0; i < Batch; i++)
        {
            string family = TrainingSet.TrainingFamilies[1 + i];
            var sample = TrainingSet.Generate(i, family, new SirenRandom((ulong)(100 + i)), []);
            _maps.Add(MapNormalization.Normalize(sample.Map).Normalized);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _predictor.Dispose();

    [Benchmark(Description = "shipped model, batch of 4 (per map)", OperationsPerInvoke = Batch)]
    public float BatchOfFour() => _predictor.Run(_maps).Predictions[0];

    [Benchmark(Description = "shipped model, one map")]
    public float OneMap() => _predictor.Run([_maps[0]]).Predictions[0];
}
