using Siren.Core.Thresholding;

namespace Siren.Core.Tests.Thresholding;

public class TrainingSetTests
{
    [Theory]
    [InlineData("ring")]
    [InlineData("membrane")]
    [InlineData("worm")]
    [InlineData("barrel")]
    [InlineData("shell")]
    public void LabelEnclosesTheMolecularVolume(string family)
    {
        var sample = TrainingSet.Generate(0, family, new SirenRandom(21), []);
        int above = sample.Map.Count(v => v > sample.Label);
        double expected = sample.MolecularVolume / Math.Pow(sample.VoxelSize, 3);
        Assert.InRange(above, expected - 1.5, expected + 1.5);
        Assert.InRange(sample.Resolution, 3, 15);
    }

    [Fact]
    public void SameSeedSameMap()
    {
        var a = TrainingSet.Generate(0, "pseudo_complex", new SirenRandom(4), []);
        var b = TrainingSet.Generate(0, "pseudo_complex", new SirenRandom(4), []);
        Assert.Equal(a.Map, b.Map);
        Assert.Equal(a.Label, b.Label);
    }

    [Fact]
    public void WrittenSetDoesNotDependOnThreadScheduling()
    {
        // train.sh's claim that the shipped model is reproducible starts here: each map draws from its own stream.
        string dir = TestPaths.NewTempDir();
        string[] families = ["blob_cluster", "barrel", "plate"];
        TrainingSet.Write(Path.Combine(dir, "a"), 6, 9, families, null, rawMaps: false);
        TrainingSet.Write(Path.Combine(dir, "b"), 6, 9, families, null, rawMaps: false);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "a", "normalized_f16.bin")), File.ReadAllBytes(Path.Combine(dir, "b", "normalized_f16.bin")));
        Assert.Equal(File.ReadAllText(Path.Combine(dir, "a", "labels.csv")), File.ReadAllText(Path.Combine(dir, "b", "labels.csv")));
    }
}
