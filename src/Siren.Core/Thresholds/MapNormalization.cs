using System.Numerics;
using Siren.Core.Statistics;

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
        var (lo, hi, min, max) = Clip(values, source);
        return (Scale(values, lo, hi, min, max), new MapStats(min, max));
    }

    /// <summary>The range <see cref="Normalize"/> would report, without the normalized map (a full-box map's is not used).</summary>
    public static MapStats Range(ReadOnlySpan<float> values, string source = "map")
    {
        var (_, _, min, max) = Clip(values, source);
        return new MapStats(min, max);
    }

    /// <summary>The clip bounds and the positive range after clipping.</summary>
    private static (float Lo, float Hi, float Min, float Max) Clip(ReadOnlySpan<float> values, string source)
    {
        RequireFinite(values, source);
        double lower = ExtremePercentile(values, LowerPercentile);
        double upper = ExtremePercentile(values, UpperPercentile);

        // numpy's percentile is float64, but np.where with a float32 map keeps float32 (a scalar does not
        // upcast an array in numpy 1.x), so the clip bounds and all arithmetic after them are float32 — the
        // same operations, in the same order, in every lane and in the scalar tail.
        float lo = (float)lower, hi = (float)upper;
        var (min, max) = PositiveRange(values, lo, hi);
        if (float.IsPositiveInfinity(min) || max <= min)
            throw new SirenException($"{source} has no positive density range after clipping (max {max}). Fix: check the map (it may be empty, constant or inverted).");
        return (lo, hi, min, max);
    }

    /// <summary>Smallest positive and largest value after clipping to [lo, hi] (the largest is at least 0).</summary>
    private static (float Min, float Max) PositiveRange(ReadOnlySpan<float> values, float lo, float hi)
    {
        int i = 0;
        float min = float.PositiveInfinity, max = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            Vector<float> vlo = new(lo), vhi = new(hi), vmin = new(float.PositiveInfinity), vmax = Vector<float>.Zero;
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = Vector.Min(Vector.Max(new Vector<float>(values[i..]), vlo), vhi);
                vmin = Vector.Min(vmin, Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, new Vector<float>(float.PositiveInfinity)));
                vmax = Vector.Max(vmax, v);
            }
            for (int lane = 0; lane < Vector<float>.Count; lane++)
            {
                min = Math.Min(min, vmin[lane]);
                max = Math.Max(max, vmax[lane]);
            }
        }
        for (; i < values.Length; i++)
        {
            float v = Math.Clamp(values[i], lo, hi);
            if (v > 0 && v < min) min = v;
            if (v > max) max = v;
        }
        return (min, max);
    }

    /// <summary>2((max(clip(v), 0) − min) / (max − min)) − 1 per voxel.</summary>
    private static float[] Scale(ReadOnlySpan<float> values, float lo, float hi, float min, float max)
    {
        var normalized = new float[values.Length];
        float span = max - min;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> vlo = new(lo), vhi = new(hi), vmin = new(min), vspan = new(span), two = new(2f);
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = Vector.Min(Vector.Max(new Vector<float>(values[i..]), vlo), vhi);
                var kept = Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, Vector<float>.Zero);
                (two * ((kept - vmin) / vspan) - Vector<float>.One).CopyTo(normalized.AsSpan(i));
            }
        }
        for (; i < values.Length; i++)
        {
            float v = Math.Clamp(values[i], lo, hi);
            float kept = v <= 0 ? 0f : v;
            normalized[i] = 2f * ((kept - min) / span) - 1f;
        }
        return normalized;
    }

    /// <summary>Ranks within this many of either end are kept in a small sorted buffer in one pass; further in, selection.</summary>
    private const int NearEndRanks = 1024;

    /// <summary>
    /// <see cref="Percentile"/> for q near 0 or 100, the normalization's 0.001 and 99.999: the two order
    /// statistics lie among the few smallest or largest values, which one pass finds without copying the map.
    /// </summary>
    public static double ExtremePercentile(ReadOnlySpan<float> values, double q)
    {
        if (values.Length == 0) throw new ArgumentException("no values", nameof(values));
        double h = (values.Length - 1) * (q / 100);
        int below = (int)Math.Floor(h);
        if (below >= values.Length - 1) return Extreme(values, 1, top: true)[0];
        bool top = below >= values.Length / 2;
        // Ranks below and below + 1: from the bottom, the last two of the below + 2 smallest; from the top,
        // the (n − 1 − below)-th and (n − 2 − below)-th largest (0-based), the last two of the n − below largest.
        int need = top ? values.Length - below : below + 2;
        if (need > NearEndRanks) return Percentile(values.ToArray(), q);
        float[] end = Extreme(values, need, top);
        return top ? Lerp(end[need - 1], end[need - 2], h - below) : Lerp(end[need - 2], end[need - 1], h - below);
    }

    /// <summary>
    /// The <paramref name="count"/> smallest values (or largest, with <paramref name="top"/>), ordered from the
    /// end inward. Values are compared as sign·v, so the largest are the smallest of −v (negation is exact).
    /// </summary>
    private static float[] Extreme(ReadOnlySpan<float> values, int count, bool top)
    {
        float sign = top ? -1f : 1f;
        count = Math.Min(count, values.Length);
        var keys = new float[count];
        for (int i = 0; i < count; i++) keys[i] = sign * values[i];
        Array.Sort(keys);
        int next = count;
        if (Vector.IsHardwareAccelerated)
        {
            // Most voxels are not among the extremes: test a vector at a time against the current cut.
            var vsign = new Vector<float>(sign);
            for (; next <= values.Length - Vector<float>.Count; next += Vector<float>.Count)
            {
                var k = new Vector<float>(values[next..]) * vsign;
                if (!Vector.LessThanAny(k, new Vector<float>(keys[^1]))) continue;
                for (int lane = 0; lane < Vector<float>.Count; lane++) Insert(keys, k[lane]);
            }
        }
        for (; next < values.Length; next++) Insert(keys, sign * values[next]);
        for (int i = 0; i < count; i++) keys[i] *= sign;
        return keys;
    }

    /// <summary>Keeps <paramref name="keys"/> the sorted smallest seen: a key below the largest replaces it.</summary>
    private static void Insert(float[] keys, float key)
    {
        if (key >= keys[^1]) return;
        int at = keys.Length - 1;
        while (at > 0 && keys[at - 1] > key)
        {
            keys[at] = keys[at - 1];
            at--;
        }
        keys[at] = key;
    }

    /// <summary>numpy's _lerp: a + (b − a)·t, taken from the upper end when t ≥ 0.5; b − a is float32 (both operands are), the rest float64.</summary>
    private static double Lerp(float a, float b, double t)
    {
        double diff = b - a;
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
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
        if (below >= values.Length - 1) return OrderStatistics.Select(values, values.Length - 1);
        double frac = h - below;
        float a = OrderStatistics.Select(values, below);
        // Selection leaves everything after rank ⌊h⌋ at or above it, so the next rank is their minimum.
        float b = float.PositiveInfinity;
        foreach (float v in values[(below + 1)..]) b = Math.Min(b, v);
        return Lerp(a, b, frac);
    }

    /// <summary>
    /// Whether a map carries <see cref="Normalize"/>'s fingerprint: its maximum is 1, its smallest positive
    /// voxel became -1, and the voxels that were ≤ 0 sit together a little below -1 (no lower than -3, where
    /// the smallest positive voxel would equal the maximum). A density map as recorded does not land on
    /// exactly 1 and -1 with a floor just below; a map scaled to [-1, 1] by another tool has no floor below -1.
    /// </summary>
    public static bool LooksNormalized(ReadOnlySpan<float> values)
    {
        var (min, max) = Extremes(values);
        return max == 1f && min < -1f && min >= -3f && values.Contains(-1f);
    }

    /// <summary>Smallest and largest value (no clipping).</summary>
    internal static (float Min, float Max) Extremes(ReadOnlySpan<float> values)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in values)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return (min, max);
    }

    /// <summary>NaN or ±∞ would pass the percentile clip unnoticed (or turn every normalized voxel into NaN).</summary>
    internal static void RequireFinite(ReadOnlySpan<float> values, string source)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new SirenException($"{source} contains {(float.IsNaN(values[i]) ? "NaN" : "an infinite value")} (first at voxel {i}). Fix: regenerate the map or replace non-finite values before analysis.");
    }
}
