using Siren.Core.Ensemble;
using Siren.Core.Mrc;

namespace Siren.Core.Tests.Binarization;

public class FloatLevelTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.0425)]
    [InlineData(-3.3)]
    [InlineData(0.5)]
    [InlineData(1e-30)]
    public void FloatLevelsDecideExactlyAsTheDoubleComparisons(double t)
    {
        float least = FloatLevel.LeastAtLeast(t), greatest = FloatLevel.GreatestAtMost(t), above = FloatLevel.LeastAbove(t);
        Assert.True(least >= t && MathF.BitDecrement(least) < t);
        Assert.True(greatest <= t && MathF.BitIncrement(greatest) > t);
        Assert.True(above > t && MathF.BitDecrement(above) <= t);
        foreach (float f in new[] { least, greatest, above })
            foreach (float x in new[] { MathF.BitDecrement(f), f, MathF.BitIncrement(f) })
            {
                Assert.Equal(x >= t, x >= least);
                Assert.Equal(x > t, x > greatest);
                Assert.Equal(x > t, x >= above);
            }
    }

    /// <summary>
    /// (float)0.1 rounds up, so a voxel of exactly 0.1f lies above a threshold of 0.1 and the original
    /// (float32 map against float64 level) counts it occupied; comparing with the rounded level did not.
    /// </summary>
    [Fact]
    public void AVoxelJustAboveADoubleThresholdIsOccupied()
    {
        string dir = TestPaths.NewTempDir();
        for (int m = 0; m < 3; m++)
        {
            var vol = MrcVolume.Zeros(8, Vec3.All(6.55f), Vec3.All(0));
            vol.Data[0] = 1;
            vol.Data[1] = 0.1f;
            vol.Data[2] = MathF.BitDecrement(0.1f);
            MrcWriter.Write(Path.Combine(dir, $"vol_{m:D3}.mrc"), vol);
        }
        BinarizedEnsemble ensemble = BinarizedEnsemble.Load(dir, Thresholds.Constant(0.1), filter: false);
        Assert.Equal([0, 1], ensemble.Occupancy.Voxels);
    }
}
