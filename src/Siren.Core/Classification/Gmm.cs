namespace Siren.Core.Classification;

/// <summary>A fitted two-component 1-D Gaussian mixture with one shared (tied) variance; component 1 has the higher mean.</summary>
/// <param name="Converged">EM stopped because the log-likelihood settled, not at its iteration limit.</param>
/// <param name="OneComponentLogLikelihood">The same data's log-likelihood under one Gaussian, for <see cref="BicGain"/>.</param>
/// <param name="Count">The number of values fitted.</param>
public sealed record TwoComponentFit(double MeanLow, double MeanHigh, double Sigma, double WeightHigh, double LogLikelihood, int Iterations,
    bool Converged = true, double OneComponentLogLikelihood = double.NaN, int Count = 0)
{
    /// <summary>
    /// BIC of one Gaussian minus BIC of this mixture, which has two more parameters (a second mean, the weight):
    /// at or below 0, one hump describes the data as well as two. EM on one hump still pulls two components
    /// apart (their means 2.3–3 σ apart on Gaussian data), so the gap between them alone cannot tell.
    /// </summary>
    public double BicGain => 2 * (LogLikelihood - OneComponentLogLikelihood) - 2 * Math.Log(Count);

    /// <summary>
    /// Ashman's D, the gap between the means in units of the shared σ: below 2 the two Gaussians overlap into
    /// one hump, and the low/high split is a cut through one population rather than two.
    /// </summary>
    public double Separation => (MeanHigh - MeanLow) / Sigma;

    /// <summary>Posterior probability that <paramref name="x"/> belongs to the high component.</summary>
    public double PosteriorHigh(double x)
    {
        // log-odds of high vs low with a tied variance: the quadratic terms cancel.
        double z = Math.Log(WeightHigh) - Math.Log(1 - WeightHigh)
                   + ((x - MeanLow) * (x - MeanLow) - (x - MeanHigh) * (x - MeanHigh)) / (2 * Sigma * Sigma);
        return 1 / (1 + Math.Exp(-z));
    }

    public bool IsHigh(double x) => PosteriorHigh(x) > 0.5;

    /// <summary>Weighted density of one component at x, for plotting (high: true for the high component).</summary>
    public double Density(double x, bool high)
    {
        double mean = high ? MeanHigh : MeanLow, w = high ? WeightHigh : 1 - WeightHigh;
        double d = (x - mean) / Sigma;
        return w * Math.Exp(-0.5 * d * d) / (Sigma * Math.Sqrt(2 * Math.PI));
    }
}

/// <summary>
/// Two-component Gaussian mixture with tied variance fitted by EM, as the paper splits block occupancies
/// into low and high classes (sklearn GaussianMixture(2, covariance_type='tied')). Several starts from
/// seeded random pairs of distinct data values; the fit with the highest log-likelihood wins, so the result
/// is a function of the data and the seed only.
/// </summary>
/// <remarks>
/// A start with two equal means never separates (every posterior stays ½, so both means stay the overall
/// mean), and ties are the rule here: a block of a rare state is empty, occupancy 0, in most maps. Starts
/// therefore take distinct values. A block whose occupancy never varies has one component: every map low.
/// </remarks>
public static class Gmm
{
    public static TwoComponentFit FitTwoComponent(IReadOnlyList<double> x, ulong seed, int starts = 10, int maxIterations = 500, double tolerance = 1e-10)
    {
        int n = x.Count;
        if (n < 2) throw new SirenException($"a two-component mixture needs at least 2 maps, got {n}. Fix: measure more maps.");
        double mean = x.Average();
        double variance = x.Sum(v => (v - mean) * (v - mean)) / n;
        // A regularizing floor keeps a constant block from a zero variance: sklearn's reg_covar (1e-6), plus 1e-6
        // of the data's variance so that the floor stays negligible on any scale of occupancy.
        double floor = 1e-6 + 1e-6 * variance;
        double min = x.Min(), max = x.Max();
        if (min == max) return new TwoComponentFit(min, max, Math.Sqrt(floor), 0, ConstantLogLikelihood(n, floor), 0, true, ConstantLogLikelihood(n, floor), n);
        double oneComponent = -0.5 * n * (Math.Log(2 * Math.PI * (variance + floor)) + variance / (variance + floor));
        var rng = new Random(unchecked((int)(seed ^ (seed >> 32))));
        TwoComponentFit? best = null;
        var resp = new double[n];
        for (int s = 0; s < starts; s++)
        {
            double a, b;
            if (s == 0) { a = Quantile(x, 0.25); b = Quantile(x, 0.75); }
            else
            {
                a = x[rng.Next(n)]; b = x[rng.Next(n)];
                for (int redraw = 0; b == a && redraw < 64; redraw++) b = x[rng.Next(n)];
            }
            if (a == b) { a = min; b = max; }
            var (mu0, mu1, sigma, w1) = HardStart(x, Math.Min(a, b), Math.Max(a, b), floor, lloyd: s == 0);
            var fit = Run(x, mu0, mu1, sigma, w1, floor, maxIterations, tolerance, resp);
            // A NaN would never compare greater, so a NaN best would stay best: it is replaced by any fit.
            if (best is null || !double.IsFinite(best.LogLikelihood) || fit.LogLikelihood > best.LogLikelihood + 1e-12) best = fit;
        }
        return best! with { OneComponentLogLikelihood = oneComponent, Count = n };
    }

    /// <summary>
    /// EM's start from a hard split of the data at the midpoint of two centres, as sklearn starts from k-means
    /// labels: the components' means, pooled spread and weights. Starting instead from the whole data's spread
    /// and equal weights, one far-out value (an occupancy of −5 among values near 0.3) inflates σ until every
    /// posterior is about ½, and EM stops at once with both means on the bulk. The first start runs Lloyd's
    /// iterations to the 2-means split; the others take one step from their random pair.
    /// </summary>
    private static (double Mu0, double Mu1, double Sigma, double W1) HardStart(IReadOnlyList<double> x, double a, double b, double floor, bool lloyd)
    {
        int n = x.Count;
        for (int step = 0; ; step++)
        {
            // Between neighbouring doubles the midpoint rounds onto b; cutting at a then still parts them.
            double cut = (a + b) / 2, s0 = 0, s1 = 0;
            if (!(cut < b)) cut = a;
            int n1 = 0;
            for (int i = 0; i < n; i++)
                if (x[i] > cut) { s1 += x[i]; n1++; } else s0 += x[i];
            // a < b, each a data value or the mean of one side, so some value lies at or below a ≤ cut and some
            // at or above b > cut: both sides keep a value.
            double m0 = s0 / (n - n1), m1 = s1 / n1;
            if (!lloyd || step == 100 || (m0 == a && m1 == b))
            {
                double ss = 0;
                for (int i = 0; i < n; i++) { double d = x[i] - (x[i] > cut ? m1 : m0); ss += d * d; }
                return (m0, m1, Math.Sqrt(ss / n + floor), (double)n1 / n);
            }
            (a, b) = (m0, m1);
        }
    }

    private static TwoComponentFit Run(IReadOnlyList<double> x, double mu0, double mu1, double sigma, double w1, double floor,
        int maxIterations, double tolerance, double[] resp)
    {
        int n = x.Count;
        double previous = double.NegativeInfinity, logLik = double.NegativeInfinity;
        int it = 0;
        bool settled = false;
        for (; it < maxIterations; it++)
        {
            // E step in log space so far-out points do not underflow both densities.
            logLik = 0;
            double inv2s2 = 1 / (2 * sigma * sigma), logNorm = -Math.Log(sigma * Math.Sqrt(2 * Math.PI));
            double lw0 = Math.Log(Math.Max(1 - w1, 1e-300)), lw1 = Math.Log(Math.Max(w1, 1e-300));
            for (int i = 0; i < n; i++)
            {
                double l0 = lw0 + logNorm - (x[i] - mu0) * (x[i] - mu0) * inv2s2;
                double l1 = lw1 + logNorm - (x[i] - mu1) * (x[i] - mu1) * inv2s2;
                double m = Math.Max(l0, l1);
                double lse = m + Math.Log(Math.Exp(l0 - m) + Math.Exp(l1 - m));
                resp[i] = Math.Exp(l1 - lse);
                logLik += lse;
            }
            // M step: weights, means, and one variance pooled over both components.
            double r1 = 0, s0 = 0, s1 = 0;
            for (int i = 0; i < n; i++) { r1 += resp[i]; s1 += resp[i] * x[i]; s0 += (1 - resp[i]) * x[i]; }
            double r0 = n - r1;
            if (r0 < 1e-9 || r1 < 1e-9) { settled = true; break; } // one component took everything: a degenerate start
            mu0 = s0 / r0; mu1 = s1 / r1; w1 = r1 / n;
            double ss = 0;
            for (int i = 0; i < n; i++)
                ss += (1 - resp[i]) * (x[i] - mu0) * (x[i] - mu0) + resp[i] * (x[i] - mu1) * (x[i] - mu1);
            sigma = Math.Sqrt(ss / n + floor);
            if (Math.Abs(logLik - previous) <= tolerance * Math.Max(1, Math.Abs(logLik))) { settled = true; break; }
            previous = logLik;
        }
        return mu0 <= mu1
            ? new TwoComponentFit(mu0, mu1, sigma, w1, logLik, it, settled)
            : new TwoComponentFit(mu1, mu0, sigma, 1 - w1, logLik, it, settled);
    }

    /// <summary>Log-likelihood of n equal values under one Gaussian of variance <paramref name="variance"/> at their value.</summary>
    private static double ConstantLogLikelihood(int n, double variance) => -0.5 * n * Math.Log(2 * Math.PI * variance);

    private static double Quantile(IReadOnlyList<double> x, double q)
    {
        var sorted = x.OrderBy(v => v).ToArray();
        return sorted[(int)Math.Round(q * (sorted.Length - 1))];
    }
}
