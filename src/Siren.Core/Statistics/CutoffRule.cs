namespace Siren.Core.Statistics;

/// <summary>How a significance cutoff is taken from the exact binomial null (docs/method.md).</summary>
public enum CutoffRule
{
    /// <summary>
    /// What the original computes: np.percentile of 1000 bootstrap draws at 1 − p/m, which for
    /// m &gt; 1000 is a sliver below the largest of the 1000 draws when that draw is unique, and that draw
    /// when it is tied. Deterministic equivalent: the median of that cutoff — the binomial quantile at
    /// 0.5^(1/1000), the median of the maximum, lowered by a sliver when a unique maximum there makes the
    /// median fall below it (capped at 1 − p/m for tiny m; <see cref="SignificanceTable"/>).
    /// </summary>
    Reference,

    /// <summary>A real Bonferroni bound: the binomial quantile at 1 − p/m.</summary>
    Exact,
}

public static class CutoffLevel
{
    /// <summary>Draws per (f_i, f_j) in the original's bootstrap.</summary>
    public const int ReferenceDraws = 1000;

    /// <summary>The tail probability α whose upper quantile is the cutoff for p over m tests.</summary>
    public static double TailProbability(CutoffRule rule, double p, double tests)
    {
        if (!(p > 0 && p < 1)) throw new SirenException($"p-value {p} must lie strictly between 0 and 1. Fix: pass --posp/--negp in (0, 1).");
        double bonferroni = p / Math.Max(1, tests);
        return rule == CutoffRule.Exact ? bonferroni : Math.Max(bonferroni, MaxOfDraws);
    }

    /// <summary>Whether the original's percentile for p over m tests lies between its two largest draws, where
    /// the cutoff is (a sliver below) the maximum of the draws.</summary>
    public static bool IsMaxOfDraws(CutoffRule rule, double p, double tests) =>
        rule == CutoffRule.Reference && p / Math.Max(1, tests) < MaxOfDraws;

    /// <summary>1 − 0.5^(1/1000), computed without cancellation: the tail level whose quantile is the median of the maximum of 1000 draws.</summary>
    private static readonly double MaxOfDraws = -Accurate.ExpM1(Math.Log(0.5) / ReferenceDraws);
}
