using BenchmarkDotNet.Attributes;
using Siren.Core.Kernels;
using Siren.Core.Statistics;

namespace Siren.Benchmarks;

/// <summary>
/// One cutoff table for every count a V-map ensemble's union voxels may have (V/100 to V): read off the
/// quantile's steps (what sketch and expand build) against every cell's own tail sums (the oracle it equals).
/// </summary>
public class CutoffTableBenchmarks
{
    [Params(500, 2000, 5000)]
    public int Maps { get; set; }

    [Params(CutoffRule.Reference, CutoffRule.Exact)]
    public CutoffRule Rule { get; set; }

    private int[] _counts = [];

    [GlobalSetup]
    public void Setup() => _counts = Enumerable.Range(Maps / 100 + 1, Maps - Maps / 100).ToArray();

    [Benchmark(Baseline = true)]
    public int Direct() => SignificanceTable.BuildDirect(EdgePass.Positive, Maps, _counts, 0.01, 0.05, 2e8, Rule).Size;

    [Benchmark]
    public int Steps() => SignificanceTable.Build(EdgePass.Positive, Maps, _counts, 0.01, 0.05, 2e8, Rule).Size;
}
