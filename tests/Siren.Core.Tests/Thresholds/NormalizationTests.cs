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
}
