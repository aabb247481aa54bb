namespace Siren.Core.Statistics;

/// <summary>Order statistics of map values without sorting the map: selection and the level enclosing a voxel count.</summary>
public static class OrderStatistics
{
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

    /// <summary>
    /// The level above which exactly <paramref name="count"/> voxels lie (ties aside): the midpoint between the
    /// count-th and (count+1)-th largest values, for the binarization rule "occupied = value &gt; level".
    /// <paramref name="count"/> is clamped to [1, n − 1].
    /// </summary>
    public static double LevelEnclosing(ReadOnlySpan<float> map, long count)
    {
        if (map.Length < 2) throw new ArgumentException("map needs at least two voxels", nameof(map));
        int n = (int)Math.Clamp(count, 1, map.Length - 1);
        float[] values = map.ToArray();
        // Ascending order: the n-th largest sits at index len − n; the (n+1)-th largest is the maximum below it.
        int k = values.Length - n;
        float nth = Select(values, k);
        float below = float.NegativeInfinity;
        for (int i = 0; i < k; i++) if (values[i] > below) below = values[i];
        return 0.5 * ((double)nth + below);
    }
}
