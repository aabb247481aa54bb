using Siren.Core.Kernels;
using Siren.Core.Statistics;

namespace Siren.Core.Tests.Statistics;

public class SignificanceTableTests
{
    /// <summary>Independent oracle: MathNet's binomial pmf summed from the top down (survival), smallest k with P(X &gt; k) ≤ α.</summary>
    private static int OracleQuantile(int n, double p, double alpha)
    {
        double tail = 0;
        for (int k = n; k >= 0; k--)
        {
            double next = tail + MathNet.Numerics.Distributions.Binomial.PMF(p, n, k);
            if (next > alpha) return k;
            tail = next;
        }
        return 0;
    }

    [Theory]
    [InlineData(500, 0.25, 1e-3)]
    [InlineData(500, 0.0004, 1e-9)]
    [InlineData(1000, 0.5, 6.93e-4)]
    [InlineData(1000, 0.9801, 1e-12)]
    [InlineData(37, 0.1, 0.05)]
    [InlineData(2000, 0.01, 2.5e-10)]
    public void QuantileMatchesIndependentBinomial(int n, double p, double alpha)
    {
        var binomial = new Siren.Core.Statistics.Binomial(n);
        Assert.Equal(OracleQuantile(n, p, alpha), binomial.UpperQuantile(p, alpha));
    }

    [Fact]
    public void QuantileMatchesOracleOverAGrid()
    {
        var binomial = new Siren.Core.Statistics.Binomial(300);
        var random = new SirenRandom(1);
        for (int i = 0; i < 300; i++)
        {
            double p = random.NextDouble();
            double alpha = Math.Pow(10, -1 - 11 * random.NextDouble());
            Assert.Equal(OracleQuantile(300, p, alpha), binomial.UpperQuantile(p, alpha));
        }
    }

    [Fact]
    public void ReferenceLevelIsTheMedianOfTheMaximumOfAThousandDraws()
    {
        double alpha = CutoffLevel.TailProbability(CutoffRule.Reference, 0.01, 1e7);
        Assert.Equal(1 - Math.Pow(0.5, 1.0 / 1000), alpha, 12);
        Assert.Equal(1e-9, CutoffLevel.TailProbability(CutoffRule.Exact, 0.01, 1e7) / 1e-0, 15);
        // With only a handful of tests the percentile level 1 − p/m is below the maximum of 1000 draws.
        Assert.Equal(0.01 / 2, CutoffLevel.TailProbability(CutoffRule.Reference, 0.01, 2), 15);
    }

    [Fact]
    public void ReferenceCutoffsDecideAsTheMajorityOfTheOriginalsBootstraps()
    {
        // The original, replayed: 1000 binomial draws per cell, np.percentile's linear interpolation at
        // 100·(1 − p/m), and the test n > c·cutoff. Where most replicates agree, the table must agree with them.
        const int v = 200, replicates = 401;
        const double posp = 0.01, negp = 0.05, tests = 2e6;
        (int Fi, int Fj)[] cells = [(20, 20), (40, 90), (100, 150), (12, 185), (60, 60), (150, 170)];
        var table = SignificanceTable.Build(EdgePass.Positive, v, cells.SelectMany(c => new[] { c.Fi, c.Fj }).ToArray(), posp, negp, tests, CutoffRule.Reference);
        var random = new SirenRandom(5);
        int decided = 0, wholeCountsPassing = 0;
        foreach (var (fi, fj) in cells)
        {
            double pBoth = fi / (double)v * (fj / (double)v), pNeither = (1 - fi / (double)v) * (1 - fj / (double)v);
            foreach (var (p, cutoff, factors, pLevel) in new[]
            {
                (pBoth, table.LocalCutoff(fi, fj), new[] { 1.0, 1.25, 1.5, 1.75 }, posp),
                (pNeither, (double)table.OtherCutoff(fi, fj), new[] { 1.0 }, negp),
            })
            {
                double[] originals = Enumerable.Range(0, replicates).Select(_ => OriginalPercentile(v, p, pLevel / tests, random)).ToArray();
                foreach (double c in factors)
                {
                    int median = (int)Math.Round(c * Math.Round(cutoff));
                    for (int n = median - 2; n <= median + 2; n++)
                    {
                        double passing = originals.Count(t => n > c * t) / (double)replicates;
                        if (passing is > 0.4 and < 0.6) continue;
                        decided++;
                        Assert.True(passing > 0.5 == n > c * cutoff, $"f = ({fi}, {fj}), p = {p:G4}, c = {c}, n = {n}: {passing:P0} of the original's replicates pass, the table's cutoff {cutoff} says {(n > c * cutoff ? "pass" : "fail")}");
                        if (n > c * cutoff && n == c * Math.Round(cutoff)) wholeCountsPassing++;
                    }
                }
            }
        }
        Assert.True(decided > 100, $"{decided} decided cases");
        // The sliver matters: a count of exactly c·k passes where the original's unique maximum usually lets it.
        Assert.True(wholeCountsPassing > 0);
    }

    /// <summary>np.percentile(draws, 100·(1 − q)) of 1000 Binomial(v, p) draws (inverse-CDF sampling), as the original's bootstrap.</summary>
    private static double OriginalPercentile(int v, double p, double q, SirenRandom random)
    {
        var cdf = new double[v + 1];
        double sum = 0;
        for (int k = 0; k <= v; k++) cdf[k] = sum += MathNet.Numerics.Distributions.Binomial.PMF(p, v, k);
        var draws = new int[CutoffLevel.ReferenceDraws];
        for (int i = 0; i < draws.Length; i++)
        {
            int k = Array.BinarySearch(cdf, random.NextDouble() * sum);
            draws[i] = Math.Min(v, k < 0 ? ~k : k);
        }
        Array.Sort(draws);
        double h = (draws.Length - 1) * (1 - q);
        int lo = (int)Math.Floor(h);
        return lo + 1 < draws.Length ? draws[lo] + (h - lo) * (draws[lo + 1] - draws[lo]) : draws[lo];
    }

    [Fact]
    public void UpperTailMatchesIndependentBinomial()
    {
        var binomial = new Siren.Core.Statistics.Binomial(300);
        foreach (double p in new[] { 0.001, 0.2, 0.5, 0.97 })
            for (int k = -1; k <= 300; k += 7)
            {
                double expected = 1 - MathNet.Numerics.Distributions.Binomial.CDF(p, 300, k);
                double tail = binomial.UpperTail(k, p);
                Assert.True(Math.Abs(tail - expected) <= 1e-12 + 1e-9 * expected, $"p {p}, k {k}: {tail} vs {expected}");
            }
    }

    [Fact]
    public void TableHoldsTheQuantileOfEveryOccurringCountPair()
    {
        int v = 120;
        int[] counts = [3, 17, 17, 60, 119, 120, 2];
        double tests = 21;
        var positive = SignificanceTable.Build(EdgePass.Positive, v, counts, 0.01, 0.05, tests, CutoffRule.Exact);
        var complement = SignificanceTable.Build(EdgePass.Complement, v, counts, 0.01, 0.05, tests, CutoffRule.Exact);
        Assert.Equal([2, 3, 17, 60, 119, 120], positive.DistinctCounts);
        foreach (int fi in positive.DistinctCounts)
            foreach (int fj in positive.DistinctCounts)
            {
                double both = fi / (double)v * (fj / (double)v), neither = (1 - fi / (double)v) * (1 - fj / (double)v);
                Assert.Equal(OracleQuantile(v, both, 0.01 / tests), positive.LocalCutoff(fi, fj));
                Assert.Equal(OracleQuantile(v, neither, 0.05 / tests), positive.OtherCutoff(fi, fj));
                Assert.Equal(OracleQuantile(v, neither, 0.01 / tests), complement.LocalCutoff(fi, fj));
                Assert.Equal(OracleQuantile(v, both, 0.05 / tests), complement.OtherCutoff(fi, fj));
            }
    }

    /// <summary>
    /// The table reads its cells off the quantile's steps (QuantileSteps); each must equal the direct computation,
    /// its own tail sums, as the table was first built: every count pair of small ensembles, both passes, both
    /// rules, a Bonferroni level and one near ½, where a step is least steep.
    /// </summary>
    [Theory]
    [InlineData(37, 1e4, CutoffRule.Reference, 0.01, 0.05)]
    [InlineData(200, 2e7, CutoffRule.Reference, 0.01, 0.05)]
    [InlineData(200, 2e7, CutoffRule.Exact, 0.01, 0.05)]
    [InlineData(517, 5e8, CutoffRule.Reference, 0.01, 0.05)]
    [InlineData(517, 1, CutoffRule.Exact, 0.5, 0.9)]
    [InlineData(1000, 3, CutoffRule.Reference, 0.01, 0.3)]
    public void EveryCellEqualsItsDirectComputation(int v, double tests, CutoffRule rule, double posp, double negp)
    {
        int[] counts = Enumerable.Range(0, v + 1).ToArray();
        foreach (EdgePass pass in new[] { EdgePass.Positive, EdgePass.Complement })
        {
            var table = SignificanceTable.Build(pass, v, counts, posp, negp, tests, rule);
            var direct = SignificanceTable.BuildDirect(pass, v, counts, posp, negp, tests, rule);
            Assert.Equal(direct.DistinctCounts, table.DistinctCounts);
            for (int cell = 0; cell < table.Local.Length; cell++)
                if (table.Local[cell] != direct.Local[cell] || table.Other[cell] != direct.Other[cell])
                    Assert.Fail($"{pass}, V {v}, (f_i, f_j) = ({cell / table.Size}, {cell % table.Size}): steps {table.Local[cell]}/{table.Other[cell]}, direct {direct.Local[cell]}/{direct.Other[cell]}");
        }
    }

    [Fact]
    public void AnEnsembleTooLargeForATableIsAUserErrorNotAnIndexOverflow()
    {
        int v = 50_000;
        var e = Assert.Throws<SirenException>(() => SignificanceTable.Build(EdgePass.Positive, v, Enumerable.Range(1, 46_341).ToArray(), 0.01, 0.05, 1e9, CutoffRule.Reference));
        Assert.Contains("46341 distinct occupancy counts", e.Message);
        Assert.Contains("Fix:", e.Message);
    }

    [Fact]
    public void LocalityFactorFollowsThePaper()
    {
        Assert.Equal(1.25, LocalityFactor.At(6.55));
        Assert.Equal(0.02 * 30 + 0.95, LocalityFactor.At(30), 12);
        Assert.Equal(1.75, LocalityFactor.At(40));
        Assert.Equal(1.75, LocalityFactor.At(200));
        var table = new LocalityTable(64, 6.55);
        Assert.Equal(1.0, table.Factors[0]);
        Assert.Equal(LocalityFactor.At(Math.Sqrt(3) * 6.55 * 4), table.Factors[4 * 3 * 16]);
    }
}
