using Siren.Core.Thresholding;

namespace Siren.Core.Tests.Thresholding;

public class NormalizationTests
{
    [Theory]
    // numpy.percentile([1, 2, 3, 4], q): h = 3q/100, linear between neighbours.
    [InlineData(50, 2.5)]
    [InlineData(0, 1.0)]
    [InlineData(100, 4.0)]
    [InlineData(10, 1.3)]
    [InlineData(99.999, 3.99997)]
    public void PercentileIsNumpysLinearRule(double q, double expected)
    {
        Assert.Equal(expected, MapNormalization.Percentile([1f, 2f, 3f, 4f], q), 9);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(7, 1)]
    [InlineData(1000, 2)]
    [InlineData(4097, 3)]
    [InlineData(100_003, 4)]
    public void SelectionAgreesWithSorting(int n, int seed)
    {
        // The oracle is a full sort. Few distinct values (many ties), a sorted and a reversed run are the
        // inputs a partition scheme gets wrong.
        var rng = new Random(seed);
        var inputs = new List<float[]>
        {
            Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() * 10 - 2).ToArray(),
            Enumerable.Range(0, n).Select(_ => (float)rng.Next(4)).ToArray(),
            Enumerable.Range(0, n).Select(i => (float)i).ToArray(),
            Enumerable.Range(0, n).Select(i => (float)-i).ToArray(),
        };
        foreach (var values in inputs)
        {
            var sorted = values.OrderBy(v => v).ToArray();
            foreach (int k in new[] { 0, 1, n / 3, n / 2, n - 2, n - 1 }.Where(k => k >= 0 && k < n).Distinct())
            {
                var scratch = values.ToArray();
                Assert.Equal(sorted[k], Siren.Core.Statistics.OrderStatistics.Select(scratch, k));
                for (int i = 0; i < k; i++) Assert.True(scratch[i] <= scratch[k]);
                for (int i = k + 1; i < n; i++) Assert.True(scratch[i] >= scratch[k]);
            }
            foreach (double q in new[] { 0.0, MapNormalization.LowerPercentile, 37.5, MapNormalization.UpperPercentile, 100.0 })
            {
                double expected = SortedPercentile(sorted, q);
                Assert.Equal(expected, MapNormalization.Percentile(values.ToArray(), q));
                Assert.Equal(expected, MapNormalization.ExtremePercentile(values, q));
            }
        }
    }

    /// <summary>numpy's linear percentile read off a sorted array, with its _lerp (float32 difference, the rest float64).</summary>
    private static double SortedPercentile(float[] sorted, double q)
    {
        double h = (sorted.Length - 1) * (q / 100);
        int below = (int)Math.Floor(h);
        if (below >= sorted.Length - 1) return sorted[^1];
        double t = h - below, diff = sorted[below + 1] - sorted[below];
        return t >= 0.5 ? sorted[below + 1] - diff * (1 - t) : sorted[below] + diff * t;
    }

    /// <summary>The scalar oracle: a full sort for the percentiles and the original's steps one voxel at a time.</summary>
    private static (float[] Normalized, float Min, float Max) ScalarNormalize(float[] values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        float lo = (float)SortedPercentile(sorted, MapNormalization.LowerPercentile);
        float hi = (float)SortedPercentile(sorted, MapNormalization.UpperPercentile);
        float min = float.PositiveInfinity, max = 0;
        foreach (float raw in values)
        {
            float v = Math.Clamp(raw, lo, hi);
            if (v > 0 && v < min) min = v;
            if (v > max) max = v;
        }
        var normalized = values.Select(raw =>
        {
            float v = Math.Clamp(raw, lo, hi);
            return 2f * (((v <= 0 ? 0f : v) - min) / (max - min)) - 1f;
        }).ToArray();
        return (normalized, min, max);
    }

    [Theory]
    [InlineData(5, 1)]          // shorter than a vector
    [InlineData(1003, 2)]       // a scalar tail
    [InlineData(262_144, 3)]    // a box-64 map
    [InlineData(2_000_003, 4)]  // 21 values from the top: the near-end buffer grows
    public void NormalizeEqualsTheScalarOracleBitForBit(int n, int seed)
    {
        var rng = new Random(seed);
        // A map-like mix: mostly solvent around zero, a positive molecule, exact zeros and repeated values.
        var values = Enumerable.Range(0, n).Select(i => i % 7 == 0 ? 0f : i % 5 == 0 ? (float)rng.Next(1, 4)
            : (float)(rng.NextDouble() < 0.2 ? rng.NextDouble() * 3 : rng.NextDouble() * 0.4 - 0.2)).ToArray();
        var (normalized, stats) = MapNormalization.Normalize(values);
        var (expected, min, max) = ScalarNormalize(values);
        Assert.Equal(min, stats.Min);
        Assert.Equal(max, stats.Max);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), normalized.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "infinite")]
    [InlineData(float.NegativeInfinity, "infinite")]
    public void NonFiniteVoxelIsAUserError(float bad, string named)
    {
        var values = Enumerable.Range(0, 1000).Select(i => (float)i).ToArray();
        values[321] = bad;
        var e = Assert.Throws<SirenException>(() => MapNormalization.Normalize(values, "'vol_007.mrc'"));
        Assert.Contains("'vol_007.mrc'", e.Message);
        Assert.Contains(named, e.Message);
        Assert.Contains("voxel 321", e.Message);
    }

    [Fact]
    public void NormalizeClipsZeroesAndMapsPositiveRangeToMinusOneOne()
    {
        // 100,001 values so the 0.001/99.999 percentiles land exactly on the 2nd and 100,000th sorted value.
        var values = new float[100_001];
        for (int i = 0; i < values.Length; i++) values[i] = i - 50_000;
        var (normalized, stats) = MapNormalization.Normalize(values);

        Assert.Equal(1.0, stats.Min);          // smallest positive
        Assert.Equal(49_999.0, stats.Max);     // clipped at the 99.999th percentile
        Assert.Equal(1f, normalized[^1]);      // the clipped maximum
        Assert.Equal(-1f, normalized[50_001]); // value 1, the smallest positive
        float zeroLevel = (float)(2 * (0 - 1.0) / (49_999 - 1.0) - 1);
        Assert.Equal(zeroLevel, normalized[0]); // negatives become 0, just below -1
        Assert.Equal(zeroLevel, normalized[50_000]);
    }

    [Fact]
    public void DenormalizeInvertsNormalizeAndFollowsTheOriginalFormula()
    {
        var stats = new MapStats(0.02, 1.7);
        Assert.Equal((0.3 + 1) / 2 * (1.7 - 0.02) + 0.02, stats.Denormalize(0.3), 12);
        Assert.Equal(0.3, stats.Normalize(stats.Denormalize(0.3)), 12);
        Assert.Equal(-1, stats.Normalize(0.02), 12);
        Assert.Equal(1, stats.Normalize(1.7), 12);
    }

    [Fact]
    public void MapWithoutPositiveValuesIsAUserError()
    {
        var e = Assert.Throws<SirenException>(() => MapNormalization.Normalize(new float[1000], "'x.mrc'"));
        Assert.Contains("x.mrc", e.Message);
    }
    /// <summary>
    /// A predictions CSV from the original (float32 percentiles, written as float32) records a map's range to
    /// a few float32 steps of its values: on a map on a large offset that is more than 1e-5 of its range, and
    /// must still be taken as that map's; a map rescaled by 0.1 % is not.
    /// </summary>
    [Fact]
    public void RecordedRangesMatchTheirMapToFloat32RoundingAndNoFurther()
    {
        var rng = new Random(3);
        var data = new float[64 * 64 * 64];
        for (int i = 0; i < data.Length; i++) data[i] = 500 + (float)rng.NextDouble();
        MapStats stats = MapNormalization.Range(data);
        string csv = Path.Combine(TestPaths.NewTempDir(), "predictions.csv");
        float lo = MathF.BitIncrement(MathF.BitIncrement((float)stats.Min)), hi = MathF.BitDecrement((float)stats.Max);
        File.WriteAllText(csv, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"vol_id,denormalized_predictions,vol_min,vol_max\n0,500.5,{lo},{hi}\n"));
        Assert.True(Math.Abs(lo - stats.Min) > 1e-5 * (stats.Max - stats.Min));
        var thresholds = Ensemble.Thresholds.FromCsv(csv);
        thresholds.RequirePredictedFor(0, data, 64, "vol_000.mrc");

        var rescaled = data.Select(x => x * 1.001f).ToArray();
        Assert.Throws<SirenException>(() => thresholds.RequirePredictedFor(0, rescaled, 64, "vol_000.mrc"));
        thresholds.RequirePredictedFor(0, rescaled, 72, "vol_000.mrc"); // another box: cropped before its range was taken, not checked
    }
}
