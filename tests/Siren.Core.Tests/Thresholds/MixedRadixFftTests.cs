using System.Numerics;
using MathNet.Numerics.IntegralTransforms;
using Siren.Core.Thresholding;

namespace Siren.Core.Tests.Thresholding;

public class MixedRadixFftTests
{
    [Theory]
    // Radix 4, 2, 3, 5, 7 alone and mixed; common cryo-EM boxes; lengths with a larger prime factor (MathNet's route).
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(49)]
    [InlineData(96)]
    [InlineData(192)]
    [InlineData(200)]
    [InlineData(210)]
    [InlineData(256)]
    [InlineData(320)]
    [InlineData(360)]
    [InlineData(11)]
    [InlineData(286)]
    public void ForwardEqualsMathNetAndInverseRestores(int n)
    {
        var rng = new Random(n);
        var x = Enumerable.Range(0, n).Select(_ => new Complex(rng.NextDouble() - 0.5, rng.NextDouble() - 0.5)).ToArray();
        var expected = x.ToArray();
        Fourier.Forward(expected, FourierOptions.Matlab); // numpy's convention: e^(−2πi·jk/n), unscaled
        var ours = x.ToArray();
        var scratch = new Complex[n];
        MixedRadixFft.Forward(ours, scratch);
        for (int i = 0; i < n; i++) Assert.True((ours[i] - expected[i]).Magnitude < 1e-12 * n, $"n={n}, k={i}: {ours[i]} vs {expected[i]}");
        MixedRadixFft.Inverse(ours, scratch);
        for (int i = 0; i < n; i++) Assert.True((ours[i] - x[i]).Magnitude < 1e-13 * n, $"n={n}, i={i}: {ours[i]} vs {x[i]}");
        Assert.Equal(n is not (11 or 286), MixedRadixFft.Handles(n));
    }

    [Fact]
    public void EmptyAndSingleValueAreTheirOwnTransforms()
    {
        MixedRadixFft.Forward(Span<Complex>.Empty, Span<Complex>.Empty);
        Complex[] one = [new Complex(2.5, -1)];
        MixedRadixFft.Forward(one, new Complex[1]);
        Assert.Equal(new Complex(2.5, -1), one[0]);
        Assert.False(MixedRadixFft.Handles(0));
    }
}
