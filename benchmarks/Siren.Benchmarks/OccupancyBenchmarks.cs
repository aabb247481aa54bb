using BenchmarkDotNet.Attributes;
using Siren.Core.Ensemble;
using Siren.Core.Mrc;
using Siren.Core.Occupancy;

namespace Siren.Benchmarks;

/// <summary>
/// Per-map costs of siren occupancy on a 64³ map and 20 SIREn-sized blocks: the mask reduction alone,
/// the page-cached read alone, and both, so the end-to-end rate of siren bench-occupancy can be split
/// into reading and measuring. Run: dotnet run -c Release --project benchmarks/Siren.Benchmarks -- --filter '*Occupancy*'
/// </summary>
[MemoryDiagnoser]
public class OccupancyBenchmarks
{
    private const int Box = 64;
    private string _dir = "";
    private string _path = "";
    private float[] _map = [];
    private byte[] _buffer = [];
    private IReadOnlyList<OccupancyMask> _masks = [];
    private double[] _divisors = [];
    private readonly double[] _row = new double[20];

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"siren-occ-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(_dir);
        var rng = new Random(1);
        var v = MrcVolume.Zeros(Box, Vec3.All(6.55f), Vec3.All(0f));
        for (int i = 0; i < v.Data.Length; i++) v.Data[i] = (float)rng.NextDouble();
        _path = Path.Combine(_dir, "vol_000.mrc");
        MrcWriter.Write(_path, v);
        _map = v.Data;
        _masks = OccupancyBenchmark.SphereBlocks(Box, 20, 0);
        _divisors = OccupancyCalculator.Divisors(_masks, new OccupancyOptions { Normalization = OccupancyNormalization.PerVoxel });
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [Benchmark(Description = "measure 20 blocks, binarized")]
    public double MeasureBinarized()
    {
        OccupancyCalculator.Measure(_map, _masks, 0.5, _divisors, _row);
        return _row[0];
    }

    [Benchmark(Description = "measure 20 blocks, raw density")]
    public double MeasureRaw()
    {
        OccupancyCalculator.Measure(_map, _masks, null, _divisors, _row);
        return _row[0];
    }

    [Benchmark(Description = "read one 64³ map (page cache)")]
    public float Read() => MapStreamReader.Read(_path, Box, ref _buffer)[0];

    [Benchmark(Description = "read + measure one map")]
    public double ReadAndMeasure()
    {
        OccupancyCalculator.Measure(MapStreamReader.Read(_path, Box, ref _buffer), _masks, 0.5, _divisors, _row);
        return _row[0];
    }

    [Benchmark(Description = "stream 64 maps (Compute, all cores)")]
    public int Stream64()
    {
        var list = Enumerable.Range(0, 64).Select(i => new VolumeFile(_path, i)).ToList();
        return OccupancyCalculator.Compute(list, _masks, new OccupancyOptions { Thresholds = Thresholds.Constant(0.5) }, (_, _) => { });
    }
}
