using Siren.Core.Statistics;

namespace Siren.Core.Tests.Statistics;

public class OrderStatisticsTests
{
    [Theory]
    [InlineData(2, 0)]
    [InlineData(1000, 1)]
    [InlineData(300_000, 2)]
    public void LevelEnclosingIsTheMidpointOfTheSortedNeighbours(int n, int seed)
    {
        // The oracle sorts. Inputs: spread values of both signs, values crowded into one histogram bin
        // (1.0 to 1.007: the top 16 bits of a float tell them apart only in the bin's second pass), ties and ±0.
        var rng = new Random(seed);
        var inputs = new List<float[]>
        {
            Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() - 0.3) * Math.Pow(10, rng.Next(-3, 4)))).ToArray(),
            Enumerable.Range(0, n).Select(_ => 1f + (float)rng.NextDouble() * 0.007f).ToArray(),
            Enumerable.Range(0, n).Select(i => i % 3 == 0 ? -0f : i % 3 == 1 ? 0f : (float)rng.Next(-2, 3)).ToArray(),
        };
        foreach (var values in inputs)
        {
            var descending = values.OrderByDescending(v => v).ToArray();
            foreach (long count in new long[] { 1, n / 50 + 1, n / 2, n - 1 }.Distinct())
            {
                double expected = 0.5 * ((double)descending[count - 1] + descending[count]);
                Assert.Equal(expected, OrderStatistics.LevelEnclosing(values, count));
            }
            // Out-of-range counts are clamped to [1, n − 1].
            Assert.Equal(OrderStatistics.LevelEnclosing(values, 1), OrderStatistics.LevelEnclosing(values, 0));
            Assert.Equal(OrderStatistics.LevelEnclosing(values, n - 1), OrderStatistics.LevelEnclosing(values, n + 5));
        }
    }
}
