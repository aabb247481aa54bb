using Siren.Core.Ensemble;
using Siren.Core.Kernels;
using Siren.Core.Statistics;

namespace Siren.Core.Tests.Kernels;

/// <summary>The CPU backend's fused sweep against a direct transcription of the edge test, on every popcount path.</summary>
public class CpuBackendTests
{
    private static OccupancyMatrix RandomOccupancy(int maps, int box, int rows, ulong seed)
    {
        var random = new SirenRandom(seed);
        int words = OccupancyMatrix.PaddedWords(maps);
        var bits = new ulong[rows * words];
        int[] voxels = random.SampleSorted(box * box * box, rows);
        // Groups of rows share a hidden on/off pattern so that some pairs really are edges.
        var patterns = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, maps).Select(_ => random.NextDouble() < 0.4).ToArray()).ToArray();
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

    private static bool Naive(OccupancyMatrix occ, EdgeRule rule, int a, int b, double c)
    {
        int n11 = 0;
        for (int m = 0; m < occ.Maps; m++) if (occ.IsSet(a, m) && occ.IsSet(b, m)) n11++;
        int fa = occ.Counts[a], fb = occ.Counts[b], v = occ.Maps;
        int n00 = v - fa - fb + n11;
        double local = rule.Table.LocalCutoff(fa, fb), other = rule.Table.OtherCutoff(fa, fb);
        return rule.Pass == EdgePass.Positive
            ? n11 > Math.Min(c * local, Math.Min(fa, fb)) && n00 > Math.Min(other, v - Math.Max(fa, fb))
            : n00 > Math.Min(c * local, v - Math.Max(fa, fb)) && n11 > Math.Min(other, Math.Min(fa, fb));
    }

    /// <summary>The popcount paths this CPU runs; the others are covered by PairCounterTests' child processes.</summary>
    public static TheoryData<int> Paths
    {
        get
        {
            var data = new TheoryData<int>();
            foreach (var p in Enum.GetValues<PairCounter.Path>().Where(PairCounter.IsSupported)) data.Add((int)p);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void SketchEdgesEqualTheDirectTest(int pathIndex)
    {
        var path = (PairCounter.Path)pathIndex;
        OccupancyMatrix occ = RandomOccupancy(517, 12, 160, 3);
        var locality = new LocalityTable(12, 6.55);
        var problem = new PairProblem(occ, locality);
        EdgeRule[] rules = new[] { EdgePass.Positive, EdgePass.Complement }
            .Select(p => new EdgeRule(p, SignificanceTable.Build(p, occ.Maps, occ.Counts, 0.01, 0.05, 100, CutoffRule.Exact))).ToArray();
        int[] rows = Enumerable.Range(0, occ.Rows).Where(r => r % 5 != 1).ToArray();

        using var backend = new CpuCooccurrenceBackend(path);
        IReadOnlyList<EdgeList> edges = backend.SketchEdges(problem, rows, rules);
        for (int r = 0; r < rules.Length; r++)
        {
            var expected = new List<(int, int)>();
            for (int i = 0; i < rows.Length; i++)
                for (int j = i + 1; j < rows.Length; j++)
                {
                    int a = rows[i], b = rows[j];
                    int dx = occ.X[a] - occ.X[b], dy = occ.Y[a] - occ.Y[b], dz = occ.Z[a] - occ.Z[b];
                    if (Naive(occ, rules[r], a, b, locality.Factors[4 * (dx * dx + dy * dy + dz * dz)])) expected.Add((a, b));
                }
            Assert.NotEmpty(expected);
            Assert.Equal(expected, edges[r].A.Zip(edges[r].B).ToList());
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ExpandCountsEqualTheDirectTest(int pathIndex)
    {
        var path = (PairCounter.Path)pathIndex;
        OccupancyMatrix occ = RandomOccupancy(200, 10, 90, 8);
        var locality = new LocalityTable(10, 4.0);
        var problem = new PairProblem(occ, locality);
        var rule = new EdgeRule(EdgePass.Positive, SignificanceTable.Build(EdgePass.Positive, occ.Maps, occ.Counts, 0.01, 0.05, 500, CutoffRule.Reference));
        ExpandBlock[] blocks =
        [
            new([1, 5, 9, 13, 17, 21], 2 * occ.X[9], occ.Y[9] + occ.Y[13], 2 * occ.Z[13]),
            new([2, 6, 10, 14], 7, 8, 9),
        ];
        using var backend = new CpuCooccurrenceBackend(path);
        int[] counts = backend.ExpandCounts(problem, blocks, [rule]);
        for (int v = 0; v < occ.Rows; v++)
            for (int k = 0; k < blocks.Length; k++)
            {
                ExpandBlock b = blocks[k];
                int dx = 2 * occ.X[v] - b.TwiceMedianX, dy = 2 * occ.Y[v] - b.TwiceMedianY, dz = 2 * occ.Z[v] - b.TwiceMedianZ;
                double c = locality.Factors[dx * dx + dy * dy + dz * dz];
                Assert.Equal(b.Rows.Count(m => Naive(occ, rule, v, m, c)), counts[v * blocks.Length + k]);
            }
        Assert.Contains(counts, c => c > 0);
    }
}
