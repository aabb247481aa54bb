using System.Collections.Concurrent;
using Siren.Core.Ensemble;
using Siren.Core.Statistics;

namespace Siren.Core.Kernels;

/// <summary>
/// The reference backend: bit-packed popcounts on all cores, the edge test fused into the pair loop.
/// One sweep serves every rule, since n11 gives n00 = V − f_i − f_j + n11.
/// </summary>
public sealed unsafe class CpuCooccurrenceBackend : ICooccurrenceBackend
{
    private readonly PairCounter.Path _path;

    public CpuCooccurrenceBackend() : this(PairCounter.Best) { }

    internal CpuCooccurrenceBackend(PairCounter.Path path)
    {
        if (!PairCounter.IsSupported(path)) throw new PlatformNotSupportedException($"{path} is not supported on this CPU");
        _path = path;
    }

    public string Name => _path switch
    {
        PairCounter.Path.Avx512 => "cpu-avx512",
        PairCounter.Path.Avx2 => "cpu-avx2",
        _ => "cpu-scalar",
    };

    public IReadOnlyList<EdgeList> SketchEdges(PairProblem problem, ReadOnlySpan<int> rows, ReadOnlySpan<EdgeRule> rules, IProgress<double>? progress = null)
    {
        OccupancyMatrix occ = problem.Occupancy;
        int[] sample = rows.ToArray();
        for (int i = 1; i < sample.Length; i++)
            if (sample[i] <= sample[i - 1]) throw new ArgumentException("sketch rows must be strictly ascending", nameof(rows));
        CompiledRule[] compiled = Compile(occ, rules.ToArray());
        var found = new ConcurrentBag<List<long>[]>();
        int n = sample.Length;
        if (n < 2) return compiled.Select(_ => new EdgeList([], [])).ToArray();
        long totalPairs = (long)n * (n - 1) / 2, donePairs = 0;
        var counter = PairCounter.Resolve(_path);
        double[] factors = problem.Locality.Factors;

        // Rows i are handed out in small chunks: early rows pair with more partners than late ones.
        var chunks = System.Collections.Concurrent.Partitioner.Create(0, n, Math.Max(1, n / (Environment.ProcessorCount * 64)));
        Parallel.ForEach(chunks, () => NewLists(compiled.Length), (range, _, local) =>
        {
            fixed (ulong* bits = occ.Bits)
            {
                int words = occ.WordsPerRow;
                for (int ii = range.Item1; ii < range.Item2; ii++)
                {
                    int a = sample[ii];
                    ulong* rowA = bits + (long)a * words;
                    int xa = occ.X[a], ya = occ.Y[a], za = occ.Z[a];
                    for (int jj = ii + 1; jj < n; jj++)
                    {
                        int b = sample[jj];
                        int n11 = counter(rowA, bits + (long)b * words, words);
                        int dx = xa - occ.X[b], dy = ya - occ.Y[b], dz = za - occ.Z[b];
                        double c = factors[4 * (dx * dx + dy * dy + dz * dz)];
                        for (int r = 0; r < compiled.Length; r++)
                            if (compiled[r].Passes(a, b, n11, c)) local[r].Add(((long)a << 32) | (uint)b);
                    }
                    if (progress is not null)
                        progress.Report((double)Interlocked.Add(ref donePairs, n - 1 - ii) / Math.Max(1, totalPairs));
                }
            }
            return local;
        }, local => found.Add(local));

        var result = new EdgeList[compiled.Length];
        for (int r = 0; r < compiled.Length; r++)
        {
            long[] packed = found.SelectMany(l => l[r]).ToArray();
            Array.Sort(packed);
            var ea = new int[packed.Length];
            var eb = new int[packed.Length];
            for (int e = 0; e < packed.Length; e++) { ea[e] = (int)(packed[e] >> 32); eb[e] = (int)(uint)packed[e]; }
            result[r] = new EdgeList(ea, eb);
        }
        return result;
    }

    public int[] ExpandCounts(PairProblem problem, IReadOnlyList<ExpandBlock> blocks, ReadOnlySpan<EdgeRule> rules, IProgress<double>? progress = null)
    {
        OccupancyMatrix occ = problem.Occupancy;
        CompiledRule[] compiled = Compile(occ, rules.ToArray());
        int n = occ.Rows, blockCount = blocks.Count;
        var counts = new int[compiled.Length * n * blockCount];
        var counter = PairCounter.Resolve(_path);
        double[] factors = problem.Locality.Factors;
        int done = 0;
        var chunks = System.Collections.Concurrent.Partitioner.Create(0, n, Math.Max(1, n / (Environment.ProcessorCount * 32)));
        Parallel.ForEach(chunks, range =>
        {
            fixed (ulong* bits = occ.Bits)
            {
                int words = occ.WordsPerRow;
                for (int v = range.Item1; v < range.Item2; v++)
                {
                    ulong* rowV = bits + (long)v * words;
                    int x2 = 2 * occ.X[v], y2 = 2 * occ.Y[v], z2 = 2 * occ.Z[v];
                    for (int blk = 0; blk < blockCount; blk++)
                    {
                        ExpandBlock block = blocks[blk];
                        int dx = x2 - block.TwiceMedianX, dy = y2 - block.TwiceMedianY, dz = z2 - block.TwiceMedianZ;
                        double c = factors[dx * dx + dy * dy + dz * dz];
                        for (int r = 0; r < compiled.Length; r++)
                        {
                            int passed = 0;
                            foreach (int k in block.Rows)
                            {
                                int n11 = counter(rowV, bits + (long)k * words, words);
                                if (compiled[r].Passes(v, k, n11, c)) passed++;
                            }
                            counts[(r * n + v) * blockCount + blk] = passed;
                        }
                    }
                }
                if (progress is not null)
                    progress.Report((double)Interlocked.Add(ref done, range.Item2 - range.Item1) / n);
            }
        });
        return counts;
    }

    public void Dispose() { }

    private static List<long>[] NewLists(int count)
    {
        var lists = new List<long>[count];
        for (int i = 0; i < count; i++) lists[i] = new List<long>();
        return lists;
    }

    private static CompiledRule[] Compile(OccupancyMatrix occ, EdgeRule[] rules)
    {
        if (rules.Length == 0) throw new ArgumentException("at least one edge rule is needed", nameof(rules));
        return rules.Select(r => new CompiledRule(occ, r)).ToArray();
    }

    /// <summary>One rule with each row's count rank looked up once, so the pair loop reads two ints per table.</summary>
    private sealed class CompiledRule
    {
        private readonly bool _positive;
        private readonly int _maps, _size;
        private readonly int[] _counts, _rank, _local, _other;

        public CompiledRule(OccupancyMatrix occ, EdgeRule rule)
        {
            SignificanceTable t = rule.Table;
            if (t.Maps != occ.Maps) throw new ArgumentException($"table is for {t.Maps} maps, occupancy has {occ.Maps}");
            _positive = rule.Pass == EdgePass.Positive;
            _maps = occ.Maps;
            _size = t.Size;
            _counts = occ.Counts;
            _local = t.Local;
            _other = t.Other;
            _rank = new int[occ.Rows];
            for (int r = 0; r < occ.Rows; r++) _rank[r] = t.Rank[occ.Counts[r]];
        }

        public bool Passes(int a, int b, int n11, double c)
        {
            int ra = _rank[a], rb = _rank[b];
            if (ra < 0 || rb < 0) return false;
            int fa = _counts[a], fb = _counts[b];
            int fMin = Math.Min(fa, fb), fMax = Math.Max(fa, fb);
            int n00 = _maps - fa - fb + n11;
            int cell = ra * _size + rb;
            int x, capX, y, capY;
            if (_positive) { x = n11; capX = fMin; y = n00; capY = _maps - fMax; }
            else { x = n00; capX = _maps - fMax; y = n11; capY = fMin; }
            return x > Math.Min(c * _local[cell], capX) && y > Math.Min(_other[cell], capY);
        }
    }
}
