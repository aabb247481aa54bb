using BenchmarkDotNet.Attributes;
using Siren.Core;
using Siren.Core.Ensemble;
using Siren.Core.Kernels;

namespace Siren.Benchmarks;

/// <summary>
/// One row against 1024 others per invocation, per popcount path and ensemble size: the scalar oracle
/// is the baseline, so the ratio column reads as the vector speed-up.
/// </summary>
[MemoryDiagnoser]
public unsafe class PairCounterBenchmarks
{
    private const int Partners = 1024;
    private ulong[] _rows = [];
    private int _words;

    [Params(500, 1000)]
    public int Maps { get; set; }

    [Params(PairCounter.Path.Scalar, PairCounter.Path.Avx2, PairCounter.Path.Avx512)]
    public PairCounter.Path Path { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _words = OccupancyMatrix.PaddedWords(Maps);
        var random = new SirenRandom(1);
        _rows = new ulong[(Partners + 1) * _words];
        for (int i = 0; i < _rows.Length; i++) _rows[i] = random.NextUInt64();
    }

    [Benchmark(OperationsPerInvoke = Partners)]
    public int CountPairs()
    {
        if (!PairCounter.IsSupported(Path)) return 0;
        var count = PairCounter.Resolve(Path);
        int sum = 0;
        fixed (ulong* rows = _rows)
        {
            for (int j = 1; j <= Partners; j++) sum += count(rows, rows + (long)j * _words, _words);
        }
        return sum;
    }
}
