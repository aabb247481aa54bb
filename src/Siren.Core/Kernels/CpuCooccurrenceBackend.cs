using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Siren.Core.Ensemble;
using Siren.Core.Statistics;

namespace Siren.Core.Kernels;

/// <summary>
/// The reference backend: bit-packed popcounts on all cores with the edge test fused into the pair
/// loop. One sweep serves every rule, since n11 gives n00 = V − f_i − f_j + n11. The pair loops are
/// generic over the popcount path so each path is compiled with its count inlined.
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

    /// <summary>Pairs whose popcount was actually evaluated since construction (pairs outside the partner hull are skipped).</summary>
    public long PopcountedPairs => Interlocked.Read(ref _popcountedPairs);

    private long _popcountedPairs;

    public string Name => _path switch
    {
        PairCounter.Path.Avx512 => "cpu-avx512",
        PairCounter.Path.Avx2 => "cpu-avx2",
        _ => "cpu-scalar",
    };

    public IReadOnlyList<EdgeList> SketchEdges(PairProblem problem, ReadOnlySpan<int> rows, ReadOnlySpan<EdgeRule> rules, IProgress<double>? progress = null)
    {
        for (int i = 1; i < rows.Length; i++)
            if (rows[i] <= rows[i - 1]) throw new ArgumentException("sketch rows must be strictly ascending", nameof(rows));
        // Visiting rows in order of occupancy count walks each cutoff-table row sequentially instead of
        // jumping through a table of up to V² entries once per pair.
        OccupancyMatrix occ = problem.Occupancy;
        int[] order = rows.ToArray();
        Array.Sort(order, (p, q) => occ.Counts[p] != occ.Counts[q] ? occ.Counts[p].CompareTo(occ.Counts[q]) : p.CompareTo(q));
        var sample = new Gathered(occ, order, rules.ToArray());
        // Two distinct voxels are at least one voxel apart, so the smallest factor a sketch pair can get is min c(q ≥ 4).
        double[] factors = problem.Locality.Factors;
        var hull = PartnerHull.Build(occ.Maps, rules.ToArray(), factors.Skip(4).DefaultIfEmpty(factors[0]).Min());
        int[] end = PartnerEnds(sample.Counts, hull);
        long visited = 0;
        for (int i = 0; i < end.Length; i++) visited += end[i] - i - 1;
        Interlocked.Add(ref _popcountedPairs, visited);
        List<long>[] edges = _path switch
        {
            PairCounter.Path.Avx512 => Sketch<Avx512Count>(sample, end, factors, progress),
            PairCounter.Path.Avx2 => Sketch<Avx2Count>(sample, end, factors, progress),
            _ => Sketch<ScalarCount>(sample, end, factors, progress),
        };
        return edges.Select(list =>
        {
            long[] packed = list.ToArray();
            var a = new int[packed.Length];
            var b = new int[packed.Length];
            for (int e = 0; e < packed.Length; e++)
            {
                int p = order[(int)(packed[e] >> 32)], q = order[(int)(uint)packed[e]];
                packed[e] = ((long)Math.Min(p, q) << 32) | (uint)Math.Max(p, q);
            }
            Array.Sort(packed);
            for (int e = 0; e < packed.Length; e++) { a[e] = (int)(packed[e] >> 32); b[e] = (int)(uint)packed[e]; }
            return new EdgeList(a, b);
        }).ToArray();
    }

    public int[] ExpandCounts(PairProblem problem, IReadOnlyList<ExpandBlock> blocks, ReadOnlySpan<EdgeRule> rules, IProgress<double>? progress = null)
    {
        OccupancyMatrix occ = problem.Occupancy;
        if ((long)rules.Length * occ.Rows * blocks.Count > ICooccurrenceBackend.MaxExpandCells)
            throw new ArgumentException($"{rules.Length} rules × {occ.Rows} rows × {blocks.Count} blocks exceed {ICooccurrenceBackend.MaxExpandCells} counts: pass the blocks in batches.", nameof(blocks));
        var all = new Gathered(occ, Enumerable.Range(0, occ.Rows).ToArray(), rules.ToArray());
        // Members in order of occupancy count: each voxel's cutoff-table row is then read sequentially,
        // and the members a voxel can possibly relate to form one stretch found by binary search.
        ExpandBlock[] byCount = blocks.Select(b => b with
        {
            Rows = b.Rows.OrderBy(r => occ.Counts[r]).ThenBy(r => r).ToArray(),
        }).ToArray();
        double[] factors = problem.Locality.Factors;
        EdgeRule[] ruleArray = rules.ToArray();
        // c = 1 only for a voxel exactly at the block median (q = 0); every other voxel gets at least min c(q ≥ 1).
        var hulls = new[]
        {
            PartnerHull.Build(occ.Maps, ruleArray, factors[0]),
            PartnerHull.Build(occ.Maps, ruleArray, factors.Skip(1).DefaultIfEmpty(factors[0]).Min()),
        };
        var (counts, visited) = _path switch
        {
            PairCounter.Path.Avx512 => Expand<Avx512Count>(all, byCount, hulls, factors, progress),
            PairCounter.Path.Avx2 => Expand<Avx2Count>(all, byCount, hulls, factors, progress),
            _ => Expand<ScalarCount>(all, byCount, hulls, factors, progress),
        };
        Interlocked.Add(ref _popcountedPairs, visited);
        return counts;
    }

    public void Dispose() { }

    /// <summary>Sketch over sample indices; edges are packed (i &lt;&lt; 32 | j) in sample space, i &lt; j.</summary>
    /// <summary>For sample rows sorted by count: one past the last partner whose count lies inside row i's hull.</summary>
    private static int[] PartnerEnds(int[] sortedCounts, PartnerHull hull)
    {
        var end = new int[sortedCounts.Length];
        for (int i = 0; i < sortedCounts.Length; i++)
        {
            int limit = hull.Max[sortedCounts[i]];
            int lo = i + 1, hi = sortedCounts.Length;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (sortedCounts[mid] <= limit) lo = mid + 1; else hi = mid;
            }
            end[i] = lo;
        }
        return end;
    }

    private static List<long>[] Sketch<TCount>(Gathered s, int[] end, double[] factors, IProgress<double>? progress) where TCount : struct, IPairCount
    {
        int n = s.Count, ruleCount = s.Rules.Length;
        if (n < 2) return NewLists(ruleCount);   // no pairs; Partitioner rejects an empty range
        long totalPairs = Math.Max(1, (long)n * (n - 1) / 2), donePairs = 0;
        var found = new ConcurrentBag<List<long>[]>();
        // Early rows pair with more partners than late ones: small chunks keep both cores busy to the end.
        var chunks = Partitioner.Create(0, n, Math.Max(1, n / (Environment.ProcessorCount * 64)));
        Parallel.ForEach(chunks, () => NewLists(ruleCount), (range, _, local) =>
        {
            fixed (ulong* bits = s.Bits)
            fixed (int* xs = s.X, ys = s.Y, zs = s.Z, fs = s.Counts)
            {
                int words = s.Words;
                for (int i = range.Item1; i < range.Item2; i++)
                {
                    ulong* rowA = bits + (long)i * words;
                    int xa = xs[i], ya = ys[i], za = zs[i], fa = fs[i];
                    for (int j = i + 1; j < end[i]; j++)
                    {
                        int n11 = TCount.Count(rowA, bits + (long)j * words, words);
                        int dx = xa - xs[j], dy = ya - ys[j], dz = za - zs[j];
                        double c = factors[4 * (dx * dx + dy * dy + dz * dz)];
                        for (int r = 0; r < ruleCount; r++)
                            if (s.Rules[r].Passes(i, j, fa, fs[j], n11, c)) local[r].Add(((long)i << 32) | (uint)j);
                    }
                    if (progress is not null)
                        progress.Report((double)Interlocked.Add(ref donePairs, n - 1 - i) / totalPairs);
                }
            }
            return local;
        }, local => found.Add(local));
        var merged = NewLists(ruleCount);
        foreach (var lists in found)
            for (int r = 0; r < ruleCount; r++) merged[r].AddRange(lists[r]);
        return merged;
    }

    private static (int[] Counts, long Visited) Expand<TCount>(Gathered s, ExpandBlock[] blocks, PartnerHull[] hulls, double[] factors, IProgress<double>? progress) where TCount : struct, IPairCount
    {
        int n = s.Count, blockCount = blocks.Length, ruleCount = s.Rules.Length;
        int[][] memberCounts = blocks.Select(b => b.Rows.Select(r => s.Counts[r]).ToArray()).ToArray();
        var counts = new int[ruleCount * n * blockCount];
        int done = 0;
        long visited = 0;
        var chunks = Partitioner.Create(0, n, Math.Max(1, n / (Environment.ProcessorCount * 32)));
        Parallel.ForEach(chunks, range =>
        {
            Span<int> passed = stackalloc int[ruleCount];
            long localVisited = 0;
            fixed (ulong* bits = s.Bits)
            fixed (int* fs = s.Counts)
            {
                int words = s.Words;
                for (int v = range.Item1; v < range.Item2; v++)
                {
                    ulong* rowV = bits + (long)v * words;
                    int x2 = 2 * s.X[v], y2 = 2 * s.Y[v], z2 = 2 * s.Z[v], fv = fs[v];
                    for (int blk = 0; blk < blockCount; blk++)
                    {
                        ExpandBlock block = blocks[blk];
                        int dx = x2 - block.TwiceMedianX, dy = y2 - block.TwiceMedianY, dz = z2 - block.TwiceMedianZ;
                        int q = dx * dx + dy * dy + dz * dz;
                        double c = factors[q];
                        PartnerHull hull = hulls[q == 0 ? 0 : 1];
                        passed.Clear();
                        int[] members = block.Rows;
                        int first = LowerBound(memberCounts[blk], hull.Min[fv]);
                        int last = LowerBound(memberCounts[blk], hull.Max[fv] + 1);
                        localVisited += Math.Max(0, last - first);
                        for (int m = first; m < last; m++)
                        {
                            int k = members[m];
                            int n11 = TCount.Count(rowV, bits + (long)k * words, words);
                            for (int r = 0; r < ruleCount; r++)
                                if (s.Rules[r].Passes(v, k, fv, fs[k], n11, c)) passed[r]++;
                        }
                        for (int r = 0; r < ruleCount; r++) counts[(r * n + v) * blockCount + blk] = passed[r];
                    }
                }
            }
            Interlocked.Add(ref visited, localVisited);
            if (progress is not null)
                progress.Report((double)Interlocked.Add(ref done, range.Item2 - range.Item1) / n);
        });
        return (counts, visited);
    }

    /// <summary>First index whose value is ≥ <paramref name="value"/> in an ascending array.</summary>
    private static int LowerBound(int[] sorted, int value)
    {
        int lo = 0, hi = sorted.Length;
        if (value == int.MaxValue) return hi;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static List<long>[] NewLists(int count)
    {
        var lists = new List<long>[count];
        for (int i = 0; i < count; i++) lists[i] = new List<long>();
        return lists;
    }

    /// <summary>
    /// The tested rows copied into contiguous arrays (bits, coordinates, counts, table ranks) so the
    /// pair loop streams through memory instead of gathering by row index.
    /// </summary>
    private sealed class Gathered
    {
        public Gathered(OccupancyMatrix occ, int[] rows, EdgeRule[] rules)
        {
            if (rules.Length == 0) throw new ArgumentException("at least one edge rule is needed", nameof(rules));
            Count = rows.Length;
            Words = occ.WordsPerRow;
            // Only rows 0..N-1 in order may share the matrix: sketch passes its rows in occupancy-count order.
            bool identity = rows.Length == occ.Rows;
            for (int i = 0; identity && i < rows.Length; i++) identity = rows[i] == i;
            Bits = identity ? occ.Bits : new ulong[(long)rows.Length * Words];
            X = new int[rows.Length]; Y = new int[rows.Length]; Z = new int[rows.Length]; Counts = new int[rows.Length];
            for (int i = 0; i < rows.Length; i++)
            {
                int r = rows[i];
                if (!identity) occ.Row(r).CopyTo(Bits.AsSpan(i * Words, Words));
                X[i] = occ.X[r]; Y[i] = occ.Y[r]; Z[i] = occ.Z[r]; Counts[i] = occ.Counts[r];
            }
            Rules = rules.Select(rule => new CompiledRule(occ.Maps, rule, Counts)).ToArray();
        }

        public int Count { get; }
        public int Words { get; }
        public ulong[] Bits { get; }
        public int[] X { get; }
        public int[] Y { get; }
        public int[] Z { get; }
        public int[] Counts { get; }
        public CompiledRule[] Rules { get; }
    }

    /// <summary>One rule with each tested row's count rank looked up once.</summary>
    private sealed class CompiledRule
    {
        private readonly bool _positive;
        private readonly int _maps, _size;
        private readonly int[] _rank, _other;
        private readonly double[] _local;

        public CompiledRule(int maps, EdgeRule rule, int[] counts)
        {
            SignificanceTable t = rule.Table;
            if (t.Maps != maps) throw new ArgumentException($"table is for {t.Maps} maps, occupancy has {maps}");
            _positive = rule.Pass == EdgePass.Positive;
            _maps = maps;
            _size = t.Size;
            _local = t.Local;
            _other = t.Other;
            _rank = counts.Select(f => t.Rank[f]).ToArray();
        }

        /// <summary>The edge test of <see cref="EdgeRule"/> for tested rows a and b with occupancy counts fa, fb.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Passes(int a, int b, int fa, int fb, int n11, double c)
        {
            int ra = _rank[a], rb = _rank[b];
            if ((ra | rb) < 0) return false;
            int fMin = Math.Min(fa, fb), fMax = Math.Max(fa, fb);
            int n00 = _maps - fa - fb + n11;
            int cell = ra * _size + rb;
            return _positive
                ? n11 > Math.Min(c * _local[cell], fMin) && n00 > Math.Min(_other[cell], _maps - fMax)
                : n00 > Math.Min(c * _local[cell], _maps - fMax) && n11 > Math.Min(_other[cell], fMin);
        }
    }
}
