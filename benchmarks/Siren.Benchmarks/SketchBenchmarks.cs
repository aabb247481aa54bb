using BenchmarkDotNet.Attributes;
using Siren.Core;
using Siren.Core.Ensemble;
using Siren.Core.Kernels;
using Siren.Core.Statistics;

namespace Siren.Benchmarks;

/// <summary>The fused sketch sweep (popcount + edge test) over 2000 voxels of a 500-map ensemble: ~2M pairs.</summary>
public class SketchBenchmarks
{
    private PairProblem _problem = null!;
    private EdgeRule[] _positive = [], _both = [];
    private int[] _rows = [];
    private CpuCooccurrenceBackend _backend = null!;

    [GlobalSetup]
    public void Setup()
    {
        const int maps = 500, rows = 2000, box = 64;
        var random = new SirenRandom(2);
        int words = OccupancyMatrix.PaddedWords(maps);
        var bits = new ulong[rows * words];
        for (int r = 0; r < rows; r++)
        {
            double density = random.NextDouble();
            for (int m = 0; m < maps; m++)
                if (random.NextDouble() < density) bits[r * words + (m >> 6)] |= 1UL << (m & 63);
        }
        var occ = new OccupancyMatrix(maps, box, random.SampleSorted(box * box * box, rows), bits);
        _problem = new PairProblem(occ, new LocalityTable(box, 6.55));
        _rows = Enumerable.Range(0, rows).ToArray();
        double tests = rows * (rows - 1) / 2.0;
        _positive = [new EdgeRule(EdgePass.Positive, SignificanceTable.Build(EdgePass.Positive, maps, occ.Counts, 0.01, 0.05, tests, CutoffRule.Reference))];
        _both = [_positive[0], new EdgeRule(EdgePass.Complement, SignificanceTable.Build(EdgePass.Complement, maps, occ.Counts, 0.01, 0.05, tests, CutoffRule.Reference))];
        _backend = new CpuCooccurrenceBackend();
    }

    [Benchmark(Baseline = true)]
    public int PositivePass() => _backend.SketchEdges(_problem, _rows, _positive)[0].Count;

    [Benchmark]
    public int BothPassesOneSweep() => _backend.SketchEdges(_problem, _rows, _both).Sum(e => e.Count);
}
