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
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double lower = Percentile(sorted, LowerPercentile);
        double upper = Percentile(sorted, UpperPercentile);

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

    /// <summary>numpy's default ("linear") percentile of sorted values: h = (n − 1)·q/100, interpolated between neighbours.</summary>
    public static double Percentile(float[] sorted, double q)
    {
        if (sorted.Length == 0) throw new ArgumentException("no values", nameof(sorted));
        double h = (sorted.Length - 1) * (q / 100);
        int below = (int)Math.Floor(h);
        if (below >= sorted.Length - 1) return sorted[^1];
        double frac = h - below;
        float a = sorted[below], b = sorted[below + 1];
        // numpy's _lerp: a + (b − a)·t, taken from the upper end when t ≥ 0.5; b − a is float32 (both
        // operands are), the rest float64.
        double diff = b - a;
        return frac >= 0.5 ? b - diff * (1 - frac) : a + diff * frac;
    }
}
