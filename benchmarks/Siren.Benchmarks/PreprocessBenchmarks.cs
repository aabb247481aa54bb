using System.Numerics;
using BenchmarkDotNet.Attributes;
using MathNet.Numerics.IntegralTransforms;
using Siren.Core.Thresholding;

namespace Siren.Benchmarks;

/// <summary>
/// The Fourier crop's line transforms at common cryo-EM boxes: ours against MathNet's, which takes
/// Bluestein's route for any length but a power of two.
/// Run: dotnet run -c Release --project benchmarks/Siren.Benchmarks -- --filter '*FftLine*' --job short
/// </summary>
public class FftLineBenchmarks
{
    [Params(192, 256, 320)]
    public int Box;

    private Complex[] _line = [], _scratch = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _line = Enumerable.Range(0, Box).Select(_ => new Complex(rng.NextDouble(), 0)).ToArray();
        _scratch = new Complex[Box];
    }

    [Benchmark(Baseline = true, Description = "line FFT, MathNet")]
    public Complex LineMathNet()
    {
        Fourier.Forward(_line, FourierOptions.Matlab);
        return _line[1];
    }

    [Benchmark(Description = "line FFT, MixedRadixFft")]
    public Complex LineMixedRadix()
    {
        MixedRadixFft.Forward(_line, _scratch);
        return _line[1];
    }
}

/// <summary>
/// What a map costs before the threshold model runs: the Fourier crop to box 64 and the normalization of
/// the box-64 map.
/// Run: dotnet run -c Release --project benchmarks/Siren.Benchmarks -- --filter '*PreprocessBenchmarks*' --job short
/// </summary>
public class PreprocessBenchmarks
{
    [Params(192, 256, 320)]
    public int Box;

    private float[] _map = [], _box64 = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        // A soft ball on noise: the values a crop and a normalization see in a real map.
        _map = new float[Box * Box * Box];
        for (int i = 0; i < _map.Length; i++)
        {
            int x = i % Box, y = i / Box % Box, z = i / (Box * Box);
            double r = Math.Sqrt(Math.Pow(x - Box / 2, 2) + Math.Pow(y - Box / 2, 2) + Math.Pow(z - Box / 2, 2)) / (Box / 4.0);
            _map[i] = (float)(1 / (1 + Math.Exp(10 * (r - 1))) + 0.05 * (rng.NextDouble() - 0.5));
        }
        _box64 = FourierCrop.Downsample(_map, Box, 64);
    }

    [Benchmark(Description = "Fourier crop of the map to 64")]
    public float Crop() => FourierCrop.Downsample(_map, Box, 64)[0];

    [Benchmark(Description = "normalize the box-64 map")]
    public float Normalize() => MapNormalization.Normalize(_box64).Normalized[0];
}
