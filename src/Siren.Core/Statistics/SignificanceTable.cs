using Siren.Core.Kernels;

namespace Siren.Core.Statistics;

/// <summary>
/// Cutoffs of one edge test for every pair of occupancy counts (f_i, f_j) that occurs. Under the null
/// the original's bootstrap gives n11 ~ Binomial(V, f_i f_j / V²) and n00 ~ Binomial(V, (1 − f_i/V)(1 − f_j/V)).
/// <see cref="Local"/> is the cutoff of the count that the locality factor scales (n11 in the positive
/// pass, n00 in the complement pass) at the positive p; <see cref="Other"/> is the cutoff of the other
/// count at the negative p. Both are D×D row-major over count ranks, symmetric.
/// </summary>
public sealed class SignificanceTable
{
    private SignificanceTable(EdgePass pass, int maps, int[] rank, int[] distinct, int[] local, int[] other, double localAlpha, double otherAlpha)
    {
        Pass = pass; Maps = maps; Rank = rank; DistinctCounts = distinct; Local = local; Other = other;
        LocalAlpha = localAlpha; OtherAlpha = otherAlpha;
    }

    public EdgePass Pass { get; }

    /// <summary>V, the number of kept maps.</summary>
    public int Maps { get; }

    /// <summary>Rank[f] = index of count f among <see cref="DistinctCounts"/>, −1 when f does not occur.</summary>
    public int[] Rank { get; }

    public int[] DistinctCounts { get; }
    public int[] Local { get; }
    public int[] Other { get; }
    public double LocalAlpha { get; }
    public double OtherAlpha { get; }

    public int Size => DistinctCounts.Length;

    public int LocalCutoff(int fi, int fj) => Local[Rank[fi] * Size + Rank[fj]];
    public int OtherCutoff(int fi, int fj) => Other[Rank[fi] * Size + Rank[fj]];

    /// <param name="pass">Which count the locality factor will scale.</param>
    /// <param name="maps">V.</param>
    /// <param name="counts">Occupancy counts f of the voxels that will be tested (any order, repeats allowed).</param>
    /// <param name="posp">p for the scaled (positive) test before correction.</param>
    /// <param name="negp">p for the other (negative) test before correction.</param>
    /// <param name="tests">m, the Bonferroni number of tests.</param>
    public static SignificanceTable Build(EdgePass pass, int maps, ReadOnlySpan<int> counts, double posp, double negp, double tests, CutoffRule rule)
    {
        var rank = new int[maps + 1];
        Array.Fill(rank, -1);
        foreach (int f in counts)
        {
            if ((uint)f > (uint)maps) throw new ArgumentOutOfRangeException(nameof(counts), f, "occupancy count outside 0..V");
            rank[f] = 0;
        }
        var distinct = new List<int>();
        for (int f = 0; f <= maps; f++)
            if (rank[f] == 0) { rank[f] = distinct.Count; distinct.Add(f); }

        int d = distinct.Count;
        var local = new int[d * d];
        var other = new int[d * d];
        double localAlpha = CutoffLevel.TailProbability(rule, posp, tests);
        double otherAlpha = CutoffLevel.TailProbability(rule, negp, tests);
        var binomial = new Binomial(maps);
        int[] values = distinct.ToArray();
        double v = maps;

        Parallel.For(0, d, i =>
        {
            for (int j = i; j < d; j++)
            {
                double fi = values[i], fj = values[j];
                double pBoth = fi / v * (fj / v);
                double pNeither = (1 - fi / v) * (1 - fj / v);
                int presence = binomial.UpperQuantile(pBoth, pass == EdgePass.Positive ? localAlpha : otherAlpha);
                int absence = binomial.UpperQuantile(pNeither, pass == EdgePass.Positive ? otherAlpha : localAlpha);
                int l = pass == EdgePass.Positive ? presence : absence;
                int o = pass == EdgePass.Positive ? absence : presence;
                local[i * d + j] = local[j * d + i] = l;
                other[i * d + j] = other[j * d + i] = o;
            }
        });
        return new SignificanceTable(pass, maps, rank, values, local, other, localAlpha, otherAlpha);
    }
}
