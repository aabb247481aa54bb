using Siren.Core.Thresholding;

namespace Siren.Core.Tests.Thresholding;

public class TrainingSetTests
{
    [Theory]
    [InlineData("ring")]
    [InlineData("membrane")]
    [InlineData("shell")]
    public void LabelEnclosesTheMolecularVolume(string family)
    {
        var sample = TrainingSet.Generate(0, family, new Random(21), []);
        int above = sample.Map.Count(v => v > sample.Label);
        double expected = sample.MolecularVolume / Math.Pow(sample.VoxelSize, 3);
        Assert.InRange(above, expected - 1.5, expected + 1.5);
        Assert.InRange(sample.Resolution, 3, 15);
    }

    [Fact]
    public void SameSeedSameMap()
    {
        var a = TrainingSet.Generate(0, "pseudo_complex", new Random(4), []);
        var b = TrainingSet.Generate(0, "pseudo_complex", new Random(4), []);
        Assert.Equal(a.Map, b.Map);
        Assert.Equal(a.Label, b.Label);
    }
}
