namespace Siren.Core.Ensemble;

/// <summary>
/// Maps are float32 and thresholds double (a CSV's denormalized predictions, --threshold): comparing in float
/// against the rounded threshold would decide a voxel equal to (float)t the other way whenever the rounding
/// went up. These levels make the float comparison decide exactly as the double one, so the hot loops stay float.
/// </summary>
public static class FloatLevel
{
    /// <summary>The least float f ≥ t: for every float x, x ≥ f exactly when (double)x ≥ t.</summary>
    public static float LeastAtLeast(double t)
    {
        float f = (float)t;
        return f < t ? MathF.BitIncrement(f) : f;
    }

    /// <summary>The greatest float f ≤ t: for every float x, x &gt; f exactly when (double)x &gt; t.</summary>
    public static float GreatestAtMost(double t)
    {
        float f = (float)t;
        return f > t ? MathF.BitDecrement(f) : f;
    }

    /// <summary>The least float f &gt; t: for every float x, x ≥ f exactly when (double)x &gt; t.</summary>
    public static float LeastAbove(double t) => MathF.BitIncrement(GreatestAtMost(t));
}
