using Siren.Core.Ensemble;
using Siren.Core.Kernels;
using Siren.Core.Statistics;

namespace Siren.Core.Tests.Cuda;

/// <summary>
/// What every co-occupancy backend must do, checked against a direct transcription of the edge test
/// and against the CPU backend (the reference). Sizes are chosen to cross the GPU kernel's tile (64
/// rows) and word-chunk (8 words = 512 maps) boundaries: 700 maps need two chunks, 150 rows three tiles.
/// </summary>
public abstract class CooccurrenceBackendContract
{
    private const int Box = 12;

    protected abstract ICooccurrenceBackend CreateBackend();

    /// <summary>Rows sharing hidden on/off patterns (so that many pairs are edges) mixed with independent rows.</summary>
    internal static OccupancyMatrix RandomOccupancy(int maps, int box, int rows, ulong seed)
    {
        var random = new SirenRandom(seed);
        int words = OccupancyMatrix.PaddedWords(maps);
        var bits = new ulong[rows * words];
        int[] voxels = random.SampleSorted(box * box * box, rows);
        bool[][] patterns = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, maps).Select(_ => random.NextDouble() < 0.4).ToArray()).ToArray();
        for (int r = 0; r < rows; r++)
        {
            bool[]? pattern = r % 3 == 0 ? null : patterns[r % 4];
            double own = random.NextDouble();
            for (int m = 0; m < maps; m++)
            {
                bool on = pattern is null ? random.NextDouble() < own : pattern[m] ^ (random.NextDouble() < 0.05);
                if (on) bits[r * words + (m >> 6)] |= 1UL << (m & 63);
            }
        }
        return new OccupancyMatrix(maps, box, voxels, bits);
    }

    private static EdgeRule[] BothRules(OccupancyMatrix occ, int[] counts) =>
        new[] { EdgePass.Positive, EdgePass.Complement }
            .Select(p => new EdgeRule(p, SignificanceTable.Build(p, occ.Maps, counts, 0.01, 0.05, 100, CutoffRule.Exact))).ToArray();

    /// <summary>The edge test exactly as the interface states it, with n11 counted bit by bit.</summary>
    private static bool Direct(OccupancyMatrix occ, EdgeRule rule, int a, int b, double c)
    {
        SignificanceTable t = rule.Table;
        int fa = occ.Counts[a], fb = occ.Counts[b], v = occ.Maps;
        if (t.Rank[fa] < 0 || t.Rank[fb] < 0) return false;
        int n11 = 0;
        for (int m = 0; m < v; m++) if (occ.IsSet(a, m) && occ.IsSet(b, m)) n11++;
        int n00 = v - fa - fb + n11;
        double local = t.LocalCutoff(fa, fb);
        int other = t.OtherCutoff(fa, fb);
        return rule.Pass == EdgePass.Positive
            ? n11 > Math.Min(c * local, Math.Min(fa, fb)) && n00 > Math.Min(other, v - Math.Max(fa, fb))
            : n00 > Math.Min(c * local, v - Math.Max(fa, fb)) && n11 > Math.Min(other, Math.Min(fa, fb));
    }

    private static List<(int, int)> DirectSketch(PairProblem problem, int[] rows, EdgeRule rule)
    {
        OccupancyMatrix occ = problem.Occupancy;
        var edges = new List<(int, int)>();
        for (int i = 0; i < rows.Length; i++)
            for (int j = i + 1; j < rows.Length; j++)
            {
                int a = rows[i], b = rows[j];
                int dx = occ.X[a] - occ.X[b], dy = occ.Y[a] - occ.Y[b], dz = occ.Z[a] - occ.Z[b];
                if (Direct(occ, rule, a, b, problem.Locality.Factors[4 * (dx * dx + dy * dy + dz * dz)])) edges.Add((a, b));
            }
        return edges;
    }

    private static List<(int, int)> Pairs(EdgeList edges) => edges.A.Zip(edges.B).ToList();

    [BackendFact]
    public void SketchEdgesOfBothRulesInOneSweepEqualTheDirectTest()
    {
        OccupancyMatrix occ = RandomOccupancy(700, Box, 190, 3);
        var problem = new PairProblem(occ, new LocalityTable(Box, 6.55));
        EdgeRule[] rules = BothRules(occ, occ.Counts);
        int[] rows = Enumerable.Range(0, occ.Rows).Where(r => r % 5 != 1).ToArray();

        using ICooccurrenceBackend backend = CreateBackend();
        IReadOnlyList<EdgeList> edges = backend.SketchEdges(problem, rows, rules);

        Assert.Equal(rules.Length, edges.Count);
        for (int r = 0; r < rules.Length; r++)
        {
            List<(int, int)> expected = DirectSketch(problem, rows, rules[r]);
            Assert.NotEmpty(expected);
            Assert.Equal(expected, Pairs(edges[r]));
        }
    }

    /// <summary>All rows (the sketch at --subsample 1), one rule alone, and three rules (two sweeps on the GPU).</summary>
    [BackendFact]
    public void SketchOfAllRowsWithOneRuleAndWithThreeRulesEqualsTheDirectTest()
    {
        OccupancyMatrix occ = RandomOccupancy(700, Box, 150, 8);
        var problem = new PairProblem(occ, new LocalityTable(Box, 3.0));
        EdgeRule[] both = BothRules(occ, occ.Counts);
        EdgeRule[] three = [both[1], both[0], both[1]];
        int[] rows = Enumerable.Range(0, occ.Rows).ToArray();

        using ICooccurrenceBackend backend = CreateBackend();
        IReadOnlyList<EdgeList> one = backend.SketchEdges(problem, rows, both.AsSpan(0, 1));
        IReadOnlyList<EdgeList> all = backend.SketchEdges(problem, rows, three);

        List<(int, int)> positive = DirectSketch(problem, rows, both[0]);
        List<(int, int)> complement = DirectSketch(problem, rows, both[1]);
        Assert.NotEmpty(positive);
        Assert.NotEmpty(complement);
        Assert.Equal(positive, Pairs(Assert.Single(one)));
        Assert.Equal(3, all.Count);
        Assert.Equal(complement, Pairs(all[0]));
        Assert.Equal(positive, Pairs(all[1]));
        Assert.Equal(complement, Pairs(all[2]));
    }

    [BackendFact]
    public void SketchOfFewerThanTwoRowsHasNoEdges()
    {
        OccupancyMatrix occ = RandomOccupancy(64, Box, 10, 1);
        var problem = new PairProblem(occ, new LocalityTable(Box, 6.55));
        EdgeRule[] rules = BothRules(occ, occ.Counts);
        using ICooccurrenceBackend backend = CreateBackend();
        foreach (int[] rows in new[] { Array.Empty<int>(), [4] })
        {
            IReadOnlyList<EdgeList> edges = backend.SketchEdges(problem, rows, rules);
            Assert.Equal(2, edges.Count);
            Assert.All(edges, e => Assert.Equal(0, e.Count));
        }
    }

    [BackendFact]
    public void ExpandCountsEqualTheDirectTest()
    {
        OccupancyMatrix occ = RandomOccupancy(600, Box, 170, 5);
        var locality = new LocalityTable(Box, 6.55);
        var problem = new PairProblem(occ, locality);
        // Tables built from some rows only: rows whose count is missing from a table never make an edge.
        int[] tableRows = Enumerable.Range(0, occ.Rows).Where(r => r % 7 != 3).ToArray();
        EdgeRule[] rules = BothRules(occ, tableRows.Select(r => occ.Counts[r]).ToArray());
        ExpandBlock[] blocks =
        [
            new(Enumerable.Range(0, 80).Select(i => 2 * i + 1).ToArray(), 11, 12, 9),
            new([3, 4, 5], 2 * occ.X[4], 2 * occ.Y[4], 2 * occ.Z[4]),
            new(Enumerable.Range(90, 60).ToArray(), 0, 22, 7),
        ];

        using ICooccurrenceBackend backend = CreateBackend();
        int[] counts = backend.ExpandCounts(problem, blocks, rules);

        int n = occ.Rows;
        Assert.Equal(rules.Length * n * blocks.Length, counts.Length);
        int passing = 0;
        for (int r = 0; r < rules.Length; r++)
            for (int v = 0; v < n; v++)
                for (int blk = 0; blk < blocks.Length; blk++)
                {
                    ExpandBlock block = blocks[blk];
                    int dx = 2 * occ.X[v] - block.TwiceMedianX, dy = 2 * occ.Y[v] - block.TwiceMedianY, dz = 2 * occ.Z[v] - block.TwiceMedianZ;
                    double c = locality.Factors[dx * dx + dy * dy + dz * dz];
                    int expected = block.Rows.Count(k => Direct(occ, rules[r], v, k, c));
                    passing += expected;
                    Assert.True(expected == counts[(r * n + v) * blocks.Length + blk], $"rule {r}, row {v}, block {blk}: expected {expected}, got {counts[(r * n + v) * blocks.Length + blk]}");
                }
        Assert.True(passing > 0, "the fixture must have passing pairs");
    }

    [BackendFact]
    public void ExpandWithoutMembersCountsNothing()
    {
        OccupancyMatrix occ = RandomOccupancy(64, Box, 20, 2);
        var problem = new PairProblem(occ, new LocalityTable(Box, 6.55));
        EdgeRule[] rules = BothRules(occ, occ.Counts);
        using ICooccurrenceBackend backend = CreateBackend();
        int[] counts = backend.ExpandCounts(problem, [new ExpandBlock([], 2, 2, 2)], rules);
        Assert.Equal(2 * occ.Rows, counts.Length);
        Assert.All(counts, c => Assert.Equal(0, c));
    }
}

/// <summary>The CPU backend as block detection picks it (the best popcount path here).</summary>
public sealed class CpuCooccurrenceBackendTests : CooccurrenceBackendContract
{
    protected override ICooccurrenceBackend CreateBackend() => new CpuCooccurrenceBackend();
}

/// <summary>The contract on each popcount path, so the fallbacks' pair loops are checked on a machine whose best path is wider.</summary>
[CpuPathRequired(PairCounter.Path.Scalar)]
public sealed class CpuScalarCooccurrenceBackendTests : CooccurrenceBackendContract
{
    protected override ICooccurrenceBackend CreateBackend() => new CpuCooccurrenceBackend(PairCounter.Path.Scalar);
}

[CpuPathRequired(PairCounter.Path.Avx2)]
public sealed class CpuAvx2CooccurrenceBackendTests : CooccurrenceBackendContract
{
    protected override ICooccurrenceBackend CreateBackend() => new CpuCooccurrenceBackend(PairCounter.Path.Avx2);
}

[CpuPathRequired(PairCounter.Path.Avx512)]
public sealed class CpuAvx512CooccurrenceBackendTests : CooccurrenceBackendContract
{
    protected override ICooccurrenceBackend CreateBackend() => new CpuCooccurrenceBackend(PairCounter.Path.Avx512);
}
