namespace Siren.Core.Statistics;

/// <summary>
/// Q(p) = <see cref="Binomial.UpperQuantile"/>(p, α) of Binomial(V, p) for one α over a range of p, read off
/// its steps. Q is nondecreasing in p (the binomial grows stochastically with p), so Q(p) is Q(lo) plus the
/// number of breakpoints b_k = inf{p : P(X &gt; k − 1) &gt; α} below p (a cell at a breakpoint is computed
/// directly, see the remarks). A cutoff table asks for D²/2 cells, D up to V + 1 distinct counts: one
/// bisection per step and a binary search per cell replace a tail sum per cell (docs/method.md gives the times). The reference rule's flag, whether the median of the maximum of the
/// original's draws lies below Q, is a step of p too for each Q = l (P(M ≤ l, second largest &lt; l) falls as
/// p grows), and is read off the same way.
/// </summary>
/// <remarks>
/// A bisection locates a step only as well as the sums' rounding lets it: a cell within <see cref="Window"/>
/// (relative) of a step is computed directly, as the table always did, so every cell equals the direct
/// computation (the tests compare them cell by cell).
/// </remarks>
internal sealed class QuantileSteps
{
    /// <summary>Relative distance from a step below which a cell is computed directly: far wider than the
    /// bisection's bracket (1e-13) and the p-shift that the sums' rounding (~1e-14 of a tail) can make.</summary>
    private const double Window = 1e-9;

    private readonly Binomial _binomial;
    private readonly double _alpha, _lo, _hi;
    private readonly int _first;
    private readonly double[] _steps;
    private readonly double[]? _maximumSteps;

    /// <param name="lo">The smallest p asked for (others are computed directly).</param>
    /// <param name="hi">The largest p asked for.</param>
    /// <param name="belowMaximum">Also the reference rule's flag, <see cref="SignificanceTable.MedianBelowMaximum"/>.</param>
    public QuantileSteps(Binomial binomial, double alpha, double lo, double hi, bool belowMaximum)
    {
        _binomial = binomial; _alpha = alpha; _lo = lo; _hi = hi;
        _first = binomial.UpperQuantile(lo, alpha);
        int last = binomial.UpperQuantile(hi, alpha);
        _steps = new double[Math.Max(0, last - _first)];
        double from = lo;
        for (int k = _first + 1; k <= last; k++)
            _steps[k - _first - 1] = from = Crossing(p => binomial.UpperTail(k - 1, p) > alpha, from, hi);
        if (belowMaximum)
        {
            // For each Q = l the flag holds below the p where P(M ≤ l, second largest < l) falls under ½.
            _maximumSteps = new double[Math.Max(0, last - _first) + 1];
            Parallel.For(0, _maximumSteps.Length, i =>
            {
                int l = _first + i;
                _maximumSteps[i] = l <= 0 ? 0 : Crossing(p => !SignificanceTable.MedianBelowMaximum(binomial, p, l), 0, 1);
            });
        }
    }

    /// <summary>Q(p) and, with belowMaximum, whether the median of the original's maximum lies below it.</summary>
    public (int Quantile, bool BelowMaximum) At(double p)
    {
        if (!(p >= _lo && p <= _hi)) return Direct(p);
        int i = CountAtOrBelow(_steps, p);
        if ((i > 0 && p - _steps[i - 1] <= Window * _steps[i - 1]) || (i < _steps.Length && _steps[i] - p <= Window * _steps[i]))
            return Direct(p);
        int k = _first + i;
        if (_maximumSteps is null) return (k, false);
        double c = _maximumSteps[i];
        return Math.Abs(p - c) <= Window * c ? (k, SignificanceTable.MedianBelowMaximum(_binomial, p, k)) : (k, p < c);
    }

    private (int, bool) Direct(double p) => SignificanceTable.Direct(_binomial, p, _alpha, _maximumSteps is not null);

    /// <summary>The smallest p in (lo, hi] where <paramref name="rises"/> turns true (false at lo, true by hi), to 1e-13 relative.</summary>
    private static double Crossing(Func<double, bool> rises, double lo, double hi)
    {
        for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; i++)
        {
            double mid = lo + (hi - lo) / 2;
            if (rises(mid)) hi = mid; else lo = mid;
        }
        return hi;
    }

    private static int CountAtOrBelow(double[] sorted, double p)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= p) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
