namespace Siren.Core.Statistics;

/// <summary>
/// Upper quantiles of Binomial(n, p), computed from the survival function so that levels such as
/// 1 − 10⁻¹² keep their precision. SIREn's bootstrap null (resample each voxel's occupancy column with
/// replacement, count co-occupied maps) is exactly binomial, so these replace the 1000 draws per
/// (f_i, f_j) of the original.
/// </summary>
public sealed class Binomial
{
    private readonly int _n;
    private readonly double[] _logFactorial;

    public Binomial(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        _n = n;
        _logFactorial = new double[n + 1];
        for (int i = 2; i <= n; i++) _logFactorial[i] = _logFactorial[i - 1] + Math.Log(i);
    }

    /// <summary>log P(X = k).</summary>
    public double LogPmf(int k, double p)
    {
        if (k < 0 || k > _n) return double.NegativeInfinity;
        if (p <= 0) return k == 0 ? 0 : double.NegativeInfinity;
        if (p >= 1) return k == _n ? 0 : double.NegativeInfinity;
        return _logFactorial[_n] - _logFactorial[k] - _logFactorial[_n - k] + k * Math.Log(p) + (_n - k) * Accurate.Log1P(-p);
    }

    /// <summary>
    /// P(X &gt; k): above the mean summed upward from k + 1, so a small tail keeps its precision; below it as
    /// 1 − P(X ≤ k), summed downward from k. Each sum runs in units of its first pmf with the ratio recurrence,
    /// whose terms then only shrink.
    /// </summary>
    public double UpperTail(int k, double p)
    {
        if (k < 0) return 1;
        if (k >= _n || p <= 0) return 0;
        if (p >= 1) return 1;
        double ratio = p / (1 - p), term = 1, sum = 1;
        if (k + 1 >= _n * p)
        {
            for (int j = k + 1; j < _n; j++)
            {
                term *= (double)(_n - j) / (j + 1) * ratio;
                sum += term;
                if (term < sum * 1e-17) break;
            }
            return Math.Min(1, sum * Math.Exp(LogPmf(k + 1, p)));
        }
        for (int j = k; j > 0; j--)
        {
            term *= j / ((_n - j + 1) * ratio);
            sum += term;
            if (term < sum * 1e-17) break;
        }
        return Math.Max(0, 1 - sum * Math.Exp(LogPmf(k, p)));
    }

    /// <summary>
    /// The smallest k with P(X &gt; k) ≤ <paramref name="alpha"/>, i.e. the quantile at level 1 − α.
    /// </summary>
    public int UpperQuantile(double p, double alpha)
    {
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "tail probability must lie in (0, 1)");
        if (p <= 0) return 0;
        if (p >= 1) return _n;

        double mean = _n * p;
        double sd = Math.Sqrt(mean * (1 - p));
        double margin = Math.Sqrt(2 * Math.Log(1 / alpha)) + 2;
        double logAlpha = Math.Log(alpha);
        double ratio = p / (1 - p);
        while (true)
        {
            int k = (int)Math.Min(_n, Math.Ceiling(mean + margin * sd + 2));
            // Work in units of pmf(k): pk = 1, and tail = P(X > k) / pmf(k), summed upward with the
            // ratio recurrence pmf(j+1)/pmf(j) = (n − j)/(j + 1) · p/(1 − p), which needs no exp per term.
            double logScale = LogPmf(k, p);
            double tail = 0, term = 1;
            for (int j = k; j < _n; j++)
            {
                term *= (double)(_n - j) / (j + 1) * ratio;
                tail += term;
                if (term < tail * 1e-17) break;
            }
            if (k < _n && Math.Log(tail) + logScale > logAlpha)
            {
                margin *= 2;
                continue;
            }
            // Walk down: P(X > k − 1) = P(X > k) + pmf(k); stop before the tail exceeds α.
            double pk = 1;
            while (k > 0)
            {
                double next = tail + pk;
                if (Math.Log(next) + logScale > logAlpha) break;
                tail = next;
                pk *= k / ((_n - k + 1) * ratio);
                k--;
                if (pk > 1e200)
                {
                    tail /= 1e200; pk /= 1e200; logScale += Math.Log(1e200);
                }
            }
            return k;
        }
    }
}
