namespace Siren.Core.Thresholding;

/// <summary>The statistics that undo a normalization: the positive range [Min, Max] after clipping.</summary>
public readonly record struct MapStats(double Min, double Max)
{
    /// <summary>Normalized level p ∈ [-1, 1] back to map units: t = (p + 1)/2 · (max − min) + min (the original's eval_model).</summary>
    public double Denormalize(double p) => (p + 1) / 2 * (Max - Min) + Min;

    /// <summary>Map level to the model's scale: 2(t − min)/(max − min) − 1 (the original's label normalization).</summary>
    public double Normalize(double level) => 2 * (level - Min) / (Max - Min) - 1;
}

/// <summary>
/// The original's <c>utils.normalize</c>: clip to the 0.001 and 99.999 percentiles, set values ≤ 0 to
/// 0, map [smallest positive, max] to [0, 1] and then to [-1, 1] (so every non-positive voxel lands
/// slightly below -1).
/// </summary>
public static class MapNormalization
{
    public const double LowerPercentile = 0.001;
    public const double UpperPercentile = 99.999;

    public static (float[] Normalized, MapStats Stats) Normalize(ReadOnlySpan<float> values, string source = "map")
    {
        RequireFinite(values, source);
        // Two order statistics each, found by selection in a scratch copy: sorting a 320³ map to read four
        // values took seconds.
        var scratch = values.ToArray();
        double lower = Percentile(scratch, LowerPercentile);
        double upper = Percentile(scratch, UpperPercentile);

        // numpy's percentile is float64, but np.where with a float32 map keeps float32 (a scalar does not
        // upcast an array in numpy 1.x), so the clip bounds and all arithmetic after them are float32.
        float lo = (float)lower, hi = (float)upper;
        float min = float.PositiveInfinity, max = 0;
        foreach (float raw in values)
        {
            float v = Math.Clamp(raw, lo, hi);
            if (v > 0 && v < min) min = v;
            if (v > max) max = v;
        }
        if (float.IsPositiveInfinity(min) || max <= min)
            throw new SirenException($"{source} has no positive density range after clipping (max {max}). Fix: check the map (it may be empty, constant or inverted).");

        var normalized = new float[values.Length];
        float span = max - min;
        for (int i = 0; i < values.Length; i++)
        {
            float v = Math.Clamp(values[i], lo, hi);
            float kept = v <= 0 ? 0f : v;
            normalized[i] = 2f * ((kept - min) / span) - 1f;
        }
        return (normalized, new MapStats(min, max));
    }

    /// <summary>
    /// numpy's default ("linear") percentile: h = (n − 1)·q/100, interpolated between the values of rank
    /// ⌊h⌋ and ⌊h⌋ + 1. <paramref name="values"/> are reordered (selection, not a sort); they must be finite.
    /// </summary>
    public static double Percentile(Span<float> values, double q)
    {
        if (values.Length == 0) throw new ArgumentException("no values", nameof(values));
        double h = (values.Length - 1) * (q / 100);
        int below = (int)Math.Floor(h);
        if (below >= values.Length - 1) return Select(values, values.Length - 1);
        double frac = h - below;
        float a = Select(values, below);
        // Selection leaves everything after rank ⌊h⌋ at or above it, so the next rank is their minimum.
        float b = float.PositiveInfinity;
        foreach (float v in values[(below + 1)..]) b = Math.Min(b, v);
        // numpy's _lerp: a + (b − a)·t, taken from the upper end when t ≥ 0.5; b − a is float32 (both
        // operands are), the rest float64.
        double diff = b - a;
        return frac >= 0.5 ? b - diff * (1 - frac) : a + diff * frac;
    }

    /// <summary>
    /// The value of rank <paramref name="k"/> (0-based), leaving smaller values before it and larger after
    /// (quickselect with a median-of-three pivot; a range that is still large after 64 rounds is sorted,
    /// which bounds the worst case at n log n).
    /// </summary>
    public static float Select(Span<float> values, int k)
    {
        int lo = 0, hi = values.Length - 1;
        for (int round = 0; hi > lo; round++)
        {
            if (round == 64)
            {
                values[lo..(hi + 1)].Sort();
                break;
            }
            float pivot = MedianOfThree(values[lo], values[lo + (hi - lo) / 2], values[hi]);
            int i = lo, j = hi;
            while (i <= j)
            {
                while (values[i] < pivot) i++;
                while (values[j] > pivot) j--;
                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }
            // Now [lo, j] ≤ pivot ≤ [i, hi], and anything strictly between j and i equals the pivot.
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else break;
        }
        return values[k];
    }

    private static float MedianOfThree(float a, float b, float c) => Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));

    /// <summary>NaN or ±∞ would pass the percentile clip unnoticed (or turn every normalized voxel into NaN).</summary>
    internal static void RequireFinite(ReadOnlySpan<float> values, string source)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new SirenException($"{source} contains {(float.IsNaN(values[i]) ? "NaN" : "an infinite value")} (first at voxel {i}). Fix: regenerate the map or replace non-finite values before analysis.");
    }
}
