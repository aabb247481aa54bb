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

    [Theory]
    [InlineData("shell", 128)]
    [InlineData("filament", 210)]
    [InlineData("ring", 96)]
    public void MapRenderedAtALargerBoxAndCroppedIsTheSameParticleWithItsOwnLabel(string family, int renderBox)
    {
        // The same stream with and without the crop: the same shape, pose, resolution, noise and mask.
        var direct = TrainingSet.Generate(0, family, new SirenRandom(33), []);
        var cropped = TrainingSet.Generate(0, family, new SirenRandom(33), [], renderBox);
        Assert.Equal(renderBox, cropped.RenderBox);
        Assert.Equal(direct.VoxelSize, cropped.VoxelSize);
        Assert.Equal(direct.MolecularVolume, cropped.MolecularVolume);
        Assert.NotEqual(direct.Map, cropped.Map);
        // The crop's grid starts where the direct render's does, so the particle lies in the same voxels.
        Assert.True(Correlation(direct.Map, cropped.Map) > 0.9, $"correlation {Correlation(direct.Map, cropped.Map):F3}");
        int above = cropped.Map.Count(v => v > cropped.Label);
        double expected = cropped.MolecularVolume / Math.Pow(cropped.VoxelSize, 3);
        Assert.InRange(above, expected - 1.5, expected + 1.5);
    }

    [Fact]
    public void CropBoxesAreTheEvenSevenSmoothBoxesOfTheRange() =>
        Assert.Equal([64, 70, 72, 80, 84, 90, 96, 98, 100], TrainingSet.CropBoxes(64, 100));

    [Fact]
    public void CroppedSetRecordsEachMapsRenderBoxAndTheDefaultSetDoesNot()
    {
        string dir = TestPaths.NewTempDir();
        TrainingSet.Write(Path.Combine(dir, "direct"), 4, 5, ["plate"], null, rawMaps: false);
        TrainingSet.Write(Path.Combine(dir, "half"), 40, 5, ["plate"], null, rawMaps: false, cropBoxes: [64, 80, 96], cropShare: 0.5);
        Assert.DoesNotContain("render_box", File.ReadAllLines(Path.Combine(dir, "direct", "labels.csv"))[0]);
        string[] rows = File.ReadAllLines(Path.Combine(dir, "half", "labels.csv"));
        Assert.EndsWith(",render_box", rows[0]);
        int[] boxes = rows.Skip(1).Select(r => int.Parse(r.Split(',')[^1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.All(boxes, b => Assert.Contains(b, (int[])[64, 80, 96]));
        // Half of the maps cropped (from 80 or 96), give or take the draw.
        Assert.InRange(boxes.Count(b => b != 64), 10, 30);
        Assert.Contains(80, boxes);
        Assert.Contains(96, boxes);
    }

    private static double Correlation(float[] a, float[] b) =>
        MathNet.Numerics.Statistics.Correlation.Pearson(a.Select(v => (double)v), b.Select(v => (double)v));

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
