using Siren.Core.Kernels;

namespace Siren.Core.Statistics;

/// <summary>
/// Cutoffs of one edge test for every pair of occupancy counts (f_i, f_j) that occurs. Under the null
/// the original's bootstrap gives n11 ~ Binomial(V, f_i f_j / V²) and n00 ~ Binomial(V, (1 − f_i/V)(1 − f_j/V)).
/// <see cref="Local"/> is the cutoff of the count that the locality factor scales (n11 in the positive
/// pass, n00 in the complement pass) at the positive p; <see cref="Other"/> is the cutoff of the other
/// count at the negative p. Both are D×D row-major over count ranks, symmetric.
/// </summary>
/// <remarks>
/// Under <see cref="CutoffRule.Reference"/> the original's cutoff is np.percentile of 1000 draws at
/// 1 − p/m: M − (M − s₂)·999p/m for the largest draw M and the second s₂. With a unique maximum that is a
/// sliver below M, so a count of exactly M (or, scaled, of c·M when that is whole) passes; with a tied
/// maximum it is M. The table holds the median of that cutoff: k, the median of M, or k − <see cref="Sliver"/>
/// when M &lt; k or a unique M = k together have probability ½ or more. Local cutoffs are doubles so that
/// the locality factor scales the sliver with them; the other count is never scaled, so its cutoff stays
/// an integer, k − 1 for k − sliver (the same test for whole counts).
/// </remarks>
public sealed class SignificanceTable
{
    /// <summary>How far below the median maximum a sliver-lowered cutoff sits: the original's own gap,
    /// (M − s₂)·999p/m, is about 10⁻⁶ at sketch's test counts, and any sliver s with c·s below the distance
    /// from c·k down to the whole count beneath it gives the same edges.</summary>
    public const double Sliver = 1.0 / (1 << 20);

    private SignificanceTable(EdgePass pass, int maps, int[] rank, int[] distinct, double[] local, int[] other, double localAlpha, double otherAlpha)
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
    public double[] Local { get; }
    public int[] Other { get; }
    public double LocalAlpha { get; }
    public double OtherAlpha { get; }

    public int Size => DistinctCounts.Length;

    public double LocalCutoff(int fi, int fj) => Local[Rank[fi] * Size + Rank[fj]];
    public int OtherCutoff(int fi, int fj) => Other[Rank[fi] * Size + Rank[fj]];

    /// <param name="pass">Which count the locality factor will scale.</param>
    /// <param name="maps">V.</param>
    /// <param name="counts">Occupancy counts f of the voxels that will be tested (any order, repeats allowed).</param>
    /// <param name="posp">p for the scaled (positive) test before correction.</param>
    /// <param name="negp">p for the other (negative) test before correction.</param>
    /// <param name="tests">m, the Bonferroni number of tests.</param>
    public static SignificanceTable Build(EdgePass pass, int maps, ReadOnlySpan<int> counts, double posp, double negp, double tests, CutoffRule rule) =>
        Build(pass, maps, counts, posp, negp, tests, rule, direct: false);

    /// <summary>
    /// The oracle: every cell from its own tail sums, as the table was first built. <see cref="Build(EdgePass, int, ReadOnlySpan{int}, double, double, double, CutoffRule)"/>
    /// reads the same cells off <see cref="QuantileSteps"/>; the tests compare the two cell by cell, the benchmarks time them.
    /// </summary>
    internal static SignificanceTable BuildDirect(EdgePass pass, int maps, ReadOnlySpan<int> counts, double posp, double negp, double tests, CutoffRule rule) =>
        Build(pass, maps, counts, posp, negp, tests, rule, direct: true);

    private static SignificanceTable Build(EdgePass pass, int maps, ReadOnlySpan<int> counts, double posp, double negp, double tests, CutoffRule rule, bool direct)
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
        // D² cells of a double and an int each; int indices reach 46340² (V of about 46,000 maps).
        if (d > 46340)
            throw new SirenException($"{maps} maps give {d} distinct occupancy counts, more than a cutoff table indexes. Fix: analyse a random subset of at most 46,000 maps.");
        IO.ResourceBudget.RequireMemory((double)d * d * (sizeof(double) + sizeof(int)), $"{pass.ToString().ToLowerInvariant()} cutoff table for {d} distinct occupancy counts of {maps} maps",
            "analyse a random subset of the maps (the table grows as their number squared)");
        var local = new double[d * d];
        var other = new int[d * d];
        double localAlpha = CutoffLevel.TailProbability(rule, posp, tests);
        double otherAlpha = CutoffLevel.TailProbability(rule, negp, tests);
        bool localMax = CutoffLevel.IsMaxOfDraws(rule, posp, tests), otherMax = CutoffLevel.IsMaxOfDraws(rule, negp, tests);
        var binomial = new Binomial(maps);
        int[] values = distinct.ToArray();
        double v = maps;
        if (d == 0) return new SignificanceTable(pass, maps, rank, values, local, other, localAlpha, otherAlpha);

        // Both probabilities are monotone in each count, so the extreme pairs bound every cell's.
        double lowest = values[0], highest = values[^1];
        var both = (Lo: lowest / v * (lowest / v), Hi: highest / v * (highest / v));
        var neither = (Lo: (1 - highest / v) * (1 - highest / v), Hi: (1 - lowest / v) * (1 - lowest / v));
        var (localRange, otherRange) = pass == EdgePass.Positive ? (both, neither) : (neither, both);
        Func<double, (int, bool)> localAt = direct ? p => Direct(binomial, p, localAlpha, localMax) : new QuantileSteps(binomial, localAlpha, localRange.Lo, localRange.Hi, localMax).At;
        Func<double, (int, bool)> otherAt = direct ? p => Direct(binomial, p, otherAlpha, otherMax) : new QuantileSteps(binomial, otherAlpha, otherRange.Lo, otherRange.Hi, otherMax).At;

        Parallel.For(0, d, i =>
        {
            for (int j = i; j < d; j++)
            {
                double fi = values[i], fj = values[j];
                double pBoth = fi / v * (fj / v);
                double pNeither = (1 - fi / v) * (1 - fj / v);
                double pLocal = pass == EdgePass.Positive ? pBoth : pNeither, pOther = pass == EdgePass.Positive ? pNeither : pBoth;
                var (l, localBelow) = localAt(pLocal);
                var (o, otherBelow) = otherAt(pOther);
                local[i * d + j] = local[j * d + i] = localBelow ? l - Sliver : l;
                other[i * d + j] = other[j * d + i] = otherBelow ? o - 1 : o;
            }
        });
        return new SignificanceTable(pass, maps, rank, values, local, other, localAlpha, otherAlpha);
    }

    /// <summary>One cell's cutoff from its own tail sums, and whether the median of the original's maximum lies below it.</summary>
    internal static (int Quantile, bool BelowMaximum) Direct(Binomial binomial, double p, double alpha, bool belowMaximum)
    {
        int k = binomial.UpperQuantile(p, alpha);
        return (k, belowMaximum && MedianBelowMaximum(binomial, p, k));
    }

    /// <summary>
    /// Whether the original's cutoff lies below the median <paramref name="k"/> of the maximum of its draws
    /// at least half the time: P(M &lt; k) + P(M = k, no other draw at k)
    /// = F(k−1)^1000 + 1000·pmf(k)·F(k−1)^999 ≥ ½, F the binomial CDF.
    /// </summary>
    internal static bool MedianBelowMaximum(Binomial binomial, double p, int k)
    {
        if (k <= 0) return false;
        const int draws = CutoffLevel.ReferenceDraws;
        double logBelow = Accurate.Log1P(-binomial.UpperTail(k - 1, p));   // log F(k − 1)
        double below = Math.Exp(draws * logBelow);
        double uniqueAtK = draws * Math.Exp(binomial.LogPmf(k, p) + (draws - 1) * logBelow);
        return below + uniqueAtK >= 0.5;
    }
}
