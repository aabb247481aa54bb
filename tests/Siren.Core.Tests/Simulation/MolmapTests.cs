using System.Numerics;
using Siren.Core.Simulation;

namespace Siren.Core.Tests.Simulation;

public class MolmapTests
{
    internal static Atom Carbon(Vector3 p) => new("t", "A", 1, "ALA", "CA", "C", 6, 12.011f, p);

    [Fact]
    public void Render_SingleAtomIntegratesToAtomicNumberAndPeaksAtItsVoxel()
    {
        var grid = new GridSpec(24, 1.0, new Vector3(-12, -12, -12));
        var atom = Carbon(new Vector3(0, 0, 0));

        var map = Molmap.Render([atom], grid, resolution: 10);

        // The ±3σ cube keeps > 99 % of the Gaussian's mass.
        Assert.InRange(map.Data.Sum(v => (double)v), 5.94, 6.0);
        int peak = Array.IndexOf(map.Data, map.Data.Max());
        Assert.Equal((12 * 24 + 12) * 24 + 12, peak);
        double sigma = 2.25;
        double expectedPeak = 6 / (Math.Pow(2 * Math.PI, 1.5) * sigma * sigma * sigma);
        Assert.Equal(expectedPeak, map.Data[peak], 6);
        // Separable Gaussian: one voxel off along x equals one voxel off along z.
        Assert.Equal(map.Data[peak + 1], map.Data[peak + 24 * 24], 6);
        Assert.Equal(expectedPeak * Math.Exp(-1 / (2 * sigma * sigma)), map.Data[peak + 1], 6);
    }

    [Fact]
    public void Render_GaussianWiderThanTwiceTheBox_IsAUserErrorNotAStackOverflow()
    {
        var grid = new GridSpec(16, 2.0, Vector3.Zero);

        var e = Assert.Throws<SirenException>(() => Molmap.Render([Carbon(new Vector3(16, 16, 16))], grid, resolution: 1e308));

        Assert.Contains("too coarse", e.Message);
    }

    [Fact]
    public void Render_MatchesDirectSumOverManyAtomsAndIsOrderIndependentOfChunks()
    {
        var grid = new GridSpec(16, 2.0, Vector3.Zero);
        var rng = new Random(7);
        var atoms = Enumerable.Range(0, 9000)
            .Select(_ => Carbon(new Vector3((float)rng.NextDouble() * 30, (float)rng.NextDouble() * 30, (float)rng.NextDouble() * 30)))
            .ToArray();

        var map = Molmap.Render(atoms, grid, resolution: 6);

        double sigma = 0.225 * 6, amp = 8 / (Math.Pow(2 * Math.PI, 1.5) * sigma * sigma * sigma);
        int reach = (int)Math.Ceiling(3 * sigma / 2);
        foreach (int voxel in new[] { 0, 1234, 2048 + 16 * 7 + 9, 4095 })
        {
            int x = voxel % 16, y = voxel / 16 % 16, z = voxel / 256;
            var centre = new Vector3(x, y, z) * 2;
            double expected = 0;
            foreach (Atom a in atoms)
            {
                var nearest = new Vector3(MathF.Round(a.Position.X / 2), MathF.Round(a.Position.Y / 2), MathF.Round(a.Position.Z / 2));
                if (Math.Abs(nearest.X - x) > reach || Math.Abs(nearest.Y - y) > reach || Math.Abs(nearest.Z - z) > reach) continue;
                expected += 6 * amp * Math.Exp(-Vector3.DistanceSquared(a.Position, centre) / (2 * sigma * sigma));
            }
            Assert.Equal(expected, map.Data[voxel], 3);
        }
    }

    [Fact]
    public void Accumulate_GivesTheSameBitsForAnyNumberOfSlabs()
    {
        // Atoms overlapping every slab border, some outside the box; an odd box so slabs differ in thickness.
        var grid = new GridSpec(37, 1.5, new Vector3(-3, -3, -3));
        var rng = new Random(11);
        var atoms = Enumerable.Range(0, 20000)
            .Select(_ => Carbon(new Vector3((float)rng.NextDouble() * 60 - 5, (float)rng.NextDouble() * 60 - 5, (float)rng.NextDouble() * 60 - 5)))
            .ToArray();
        float[] Rendered(int slabs)
        {
            var map = Enumerable.Repeat(0.25f, grid.VoxelCount).ToArray();
            Molmap.Accumulate(map, atoms, grid, resolution: 7, weight: 0.7f, slabs);
            return map;
        }

        float[] serial = Rendered(1);

        Assert.True(serial.Count(v => v > 0.25f) > grid.VoxelCount / 2);
        foreach (int slabs in new[] { 2, 3, 7, 16, 37, 500 })
            Assert.Equal(serial, Rendered(slabs));
    }

    [Fact]
    public void ThresholdForVolume_LeavesExactlyTheVolumesVoxelsAbove()
    {
        var values = Enumerable.Range(0, 1000).Select(i => (float)((i * 7919) % 1000)).ToArray();

        double level = Molmap.ThresholdForVolume(values, voxelVolume: 8, volume: 8 * 123);

        Assert.Equal(123, values.Count(v => v > level));
    }

    [Fact]
    public void ThresholdForVolume_AgreesWithSortingOnRandomValuesWithTies()
    {
        var rng = new Random(11);
        float[] values = Enumerable.Range(0, 20_000).Select(_ => (float)Math.Round(rng.NextDouble() * 50) + (float)rng.NextDouble() * 0.001f).ToArray();
        float[] sorted = values.OrderDescending().ToArray();

        foreach (int n in new[] { 1, 17, 4_321, 19_999 })
        {
            double level = Molmap.ThresholdForVolume(values, voxelVolume: 1, volume: n);
            Assert.Equal(0.5 * ((double)sorted[n - 1] + sorted[n]), level, 9);
        }
    }
}
