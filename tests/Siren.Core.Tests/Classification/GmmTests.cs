using Siren.Core.Classification;

namespace Siren.Core.Tests.Classification;

public class GmmTests
{
    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Theory]
    [InlineData(0.5, 1)]
    [InlineData(0.25, 2)]
    [InlineData(0.1, 3)]
    public void RecoversTheFractionOfAKnownMixture(double fractionHigh, int seed)
    {
        var rng = new Random(seed);
        var x = new double[1000];
        for (int i = 0; i < x.Length; i++)
            x[i] = rng.NextDouble() < fractionHigh ? 0.8 + 0.1 * Normal(rng) : 0.2 + 0.1 * Normal(rng);
        double drawn = x.Count(v => v > 0.5) / 1000.0;

        TwoComponentFit fit = Gmm.FitTwoComponent(x, seed: 7);
        double labelled = x.Count(fit.IsHigh) / 1000.0;

        Assert.InRange(labelled, fractionHigh - 0.03, fractionHigh + 0.03);
        Assert.InRange(fit.WeightHigh, fractionHigh - 0.03, fractionHigh + 0.03);
        Assert.InRange(fit.MeanLow, 0.17, 0.23);
        Assert.InRange(fit.MeanHigh, 0.77, 0.83);
        Assert.InRange(fit.Sigma, 0.09, 0.11);
        Assert.InRange(labelled, drawn - 0.02, drawn + 0.02);
    }

    [Fact]
    public void OneHumpWithAnOutlierAndAnUnsettledFitAreNamedNotATwoStateSplit()
    {
        var rng = new Random(8);
        double[] twoStates = Enumerable.Range(0, 200).Select(i => (i < 80 ? 0.1 : 0.9) + 0.05 * Normal(rng)).ToArray();
        var clean = new BlockMixture("block_1", Gmm.FitTwoComponent(twoStates, 3), new bool[200], null);
        Assert.True(clean.Fit.Converged);
        Assert.True(clean.Fit.Separation > 10);
        Assert.Null(clean.Warning);

        // One hump of occupancies: one Gaussian fits as well as two, and the split cuts one population.
        double[] oneHump = Enumerable.Range(0, 200).Select(_ => 0.3 + 0.05 * Normal(rng)).ToArray();
        var hump = new BlockMixture("block_2", Gmm.FitTwoComponent(oneHump, 3), new bool[200], null);
        Assert.True(hump.Fit.BicGain <= 0, $"BIC gain {hump.Fit.BicGain}");
        Assert.Contains("its 200 maps look like one population", hump.Warning);

        // Two states 4 σ apart in only 20 maps: BIC alone cannot tell them from one hump in a third of such
        // ensembles; their fitted means lie further apart than one hump's, and are rarely named.
        int named = 0;
        for (int trial = 0; trial < 50; trial++)
        {
            var r = new Random(100 + trial);
            double[] few = Enumerable.Range(0, 20).Select(i => (i < 10 ? 0.2 : 0.6) + 0.1 * Normal(r)).ToArray();
            if (new BlockMixture("block_6", Gmm.FitTwoComponent(few, 3), new bool[20], null).Warning is not null) named++;
        }
        Assert.True(named <= 5, $"{named} of 50 two-state blocks of 20 maps named as one population");
        Assert.True(clean.Fit.BicGain > 100, $"BIC gain {clean.Fit.BicGain}");

        // The same hump with one map at -5 (a hand-made table's typo): the outlier is a component of its own, as
        // sklearn's k-means start finds; a start from the whole data's spread stopped with both means on the hump.
        oneHump[17] = -5;
        TwoComponentFit outlier = Gmm.FitTwoComponent(oneHump, 3);
        Assert.Equal(-5, outlier.MeanLow, 12);
        Assert.Equal(199.0 / 200, outlier.WeightHigh, 6);
        Assert.InRange(outlier.MeanHigh, 0.28, 0.32);

        var unsettled = new BlockMixture("block_3", Gmm.FitTwoComponent(twoStates, 3, maxIterations: 1), new bool[200], null);
        Assert.False(unsettled.Fit.Converged);
        Assert.Contains("had not converged after 1 EM iterations", unsettled.Warning);

        // A block that never varies has one component and nothing to warn of.
        Assert.Null(new BlockMixture("block_4", Gmm.FitTwoComponent([0.5, 0.5, 0.5], 3), new bool[3], null).Warning);
    }

    [Fact]
    public void NeighbouringDoublesGiveAFiniteFit()
    {
        // Their midpoint rounds onto the upper value: a split there left one side empty and its mean NaN.
        double lo = 0.3, hi = Math.BitIncrement(0.3);
        double[] x = [lo, lo, lo, lo, lo, hi, hi, hi, hi, hi];
        for (ulong seed = 0; seed < 5; seed++)
        {
            TwoComponentFit fit = Gmm.FitTwoComponent(x, seed);
            Assert.True(double.IsFinite(fit.LogLikelihood) && double.IsFinite(fit.MeanLow) && double.IsFinite(fit.MeanHigh), fit.ToString());
            Assert.InRange(fit.MeanLow, lo - 1e-15, hi + 1e-15);
        }
    }

    [Fact]
    public void SameSeedGivesTheSameFit()
    {
        var rng = new Random(5);
        var x = Enumerable.Range(0, 300).Select(_ => rng.NextDouble() < 0.4 ? 1 + 0.3 * Normal(rng) : 0.3 * Normal(rng)).ToArray();
        Assert.Equal(Gmm.FitTwoComponent(x, 11), Gmm.FitTwoComponent(x, 11));
    }

    [Fact]
    public void PosteriorIsOneHalfMidwayBetweenEqualWeightMeans()
    {
        var fit = new TwoComponentFit(0, 1, 0.2, 0.5, 0, 0);
        Assert.Equal(0.5, fit.PosteriorHigh(0.5), 12);
        Assert.True(fit.IsHigh(0.6));
        Assert.False(fit.IsHigh(0.4));
    }

    [Theory]
    [InlineData(0.80)]
    [InlineData(0.90)]
    [InlineData(0.95)]
    public void SplitsABlockEmptyInMostMapsFromEveryStart(double emptyShare)
    {
        // A rare state's block: occupancy exactly 0 in most maps, so Q1 = Q3 and most random pairs of data
        // points tie; a start from two equal means never separates, and once decided on rounding noise.
        var rng = new Random(4);
        int n = 500, empty = (int)(emptyShare * n);
        var x = Enumerable.Range(0, n).Select(i => i < empty ? 0 : 0.6 + 0.4 * rng.NextDouble()).ToArray();
        for (ulong seed = 0; seed < 40; seed++)
            foreach (int starts in new[] { 1, 10 })
            {
                TwoComponentFit fit = Gmm.FitTwoComponent(x, seed, starts);
                Assert.True(x.Count(fit.IsHigh) == n - empty, $"seed {seed}, {starts} starts: {x.Count(fit.IsHigh)} high, {n - empty} occupied");
            }
    }

    [Fact]
    public void AnUnvaryingBlockHasOneComponentWithEveryMapLow()
    {
        TwoComponentFit fit = Gmm.FitTwoComponent(Enumerable.Repeat(0.7, 50).ToArray(), seed: 3);
        Assert.Equal(0, fit.WeightHigh);
        Assert.Equal(0.7, fit.MeanLow);
        Assert.False(fit.IsHigh(0.7));
        Assert.True(double.IsFinite(fit.LogLikelihood));
    }
}
