using System.Numerics;
using Siren.Core.Mrc;
using Siren.Core.Simulation;
using Siren.Core.Tests.Simulation;
using Siren.Core.Thresholding;

namespace Siren.Core.Tests.Thresholding;

public class FullBoxLevelsTests
{
    /// <summary>Maps of box 96: a blurred ellipsoid of random size on noise.</summary>
    internal static string CroppedMaps(int count)
    {
        string dir = TestPaths.NewTempDir();
        var rng = new Random(12);
        const int n = 96;
        for (int id = 0; id < count; id++)
        {
            double a = 12 + 8 * rng.NextDouble(), b = 8 + 6 * rng.NextDouble();
            var data = new float[n * n * n];
            for (int z = 0; z < n; z++)
                for (int y = 0; y < n; y++)
                    for (int x = 0; x < n; x++)
                    {
                        double r2 = Math.Pow((x - 48) / a, 2) + Math.Pow((y - 48) / b, 2) + Math.Pow((z - 48) / b, 2);
                        data[(z * n + y) * n + x] = (float)(1 / (1 + Math.Exp(8 * (r2 - 1))) + 0.05 * (rng.NextDouble() - 0.5));
                    }
            MrcWriter.Write(Path.Combine(dir, $"vol_{id:D3}.mrc"), new MrcVolume(n, n, n, data, Vec3.All(2f), default));
        }
        return dir;
    }

    private static double ShareAbove(float[] values, double level) => values.Count(v => v > level) / (double)values.Length;

    [Fact]
    public void LevelsCarryTheShareOfVoxelsEnclosedBetweenTheMaps()
    {
        var map = new PreparedMapReader(CroppedMaps(1), keepFullBox: true).ReadAll()[0];
        Assert.NotNull(map.FullBox);
        foreach (double p in new[] { -0.9, -0.6, -0.3, 0.2 })
        {
            double level = FullBoxLevels.FromModel(map, p);
            // Rounding the share to whole full-box voxels: within one voxel of the box-64 share.
            Assert.Equal(ShareAbove(map.Normalized, p), ShareAbove(map.FullBox!, level), 1.0 / map.FullBox!.Length * 1.01 + 1e-12);
            double back = FullBoxLevels.ToModel(map, level);
            Assert.Equal(ShareAbove(map.Normalized, p), ShareAbove(map.Normalized, back), 1.0 / map.Normalized.Length * 1.01 + 1e-12);
        }
    }

    [Fact]
    public void LevelsAtOrBelowTheNormalizedFloorCarryTheShareOfTheBox64Map()
    {
        // Normalization puts every voxel ≤ 0 on one floor just below -1; the map's noise is spread beneath it.
        var map = new PreparedMapReader(CroppedMaps(1), keepFullBox: true).ReadAll()[0];
        float[] box64 = map.Box64!;
        double floorShare = ShareAbove(box64, 0), all = 1.0 - 1.0 / box64.Length;
        foreach (double level in new[] { 0.0, -0.002, -0.005 })
        {
            double p = map.Stats.Normalize(level), share = ShareAbove(box64, level);
            Assert.InRange(share, floorShare, all);
            double full = FullBoxLevels.FromModel(map, p);
            Assert.Equal(share, ShareAbove(map.FullBox!, full), 1.0 / map.FullBox!.Length * 1.01 + 1e-12);
            // And back: a full-box level in the noise lands below the floor, at the box-64 level enclosing as much.
            double back = FullBoxLevels.ToModel(map, full);
            Assert.Equal(share, ShareAbove(box64, map.Stats.Denormalize(back)), 1.0 / box64.Length * 1.01 + 1e-12);
        }
        Assert.True(ShareAbove(box64, -0.005) > floorShare + 0.05, "the noise below zero must be wide enough to tell the levels apart");
    }

    [Fact]
    public void LevelScalesOfCroppedAndBox64Maps()
    {
        string dir = CroppedMaps(3);
        using var predictor = new ThresholdPredictor();
        var full = predictor.Predict(dir, levels: LevelScale.FullBox);
        var linear = predictor.Predict(dir, levels: LevelScale.FullBoxLinear);
        var down = predictor.Predict(dir, levels: LevelScale.Downsampled);
        var maps = new PreparedMapReader(dir, keepFullBox: true).ReadAll();
        for (int i = 0; i < 3; i++)
        {
            double p = full[i].Prediction;
            Assert.Equal(p, linear[i].Prediction);
            Assert.Equal(maps[i].Stats.Denormalize(p), down[i].Denormalized, 9);
            Assert.Equal(maps[i].RawStats!.Value.Denormalize(p), linear[i].Denormalized, 9);
            Assert.Equal(FullBoxLevels.FromModel(maps[i], p), full[i].Denormalized, 9);
            Assert.Equal(maps[i].RawStats, full[i].Stats);
        }
    }

    [Fact]
    public void CroppingLowersAtomicPeaksSoTheLinearRuleEnclosesLess()
    {
        // The reason for FullBox, on maps with atomic detail (3.5 Å on a 1.5 Å grid): the crop to 64 low-passes
        // the atoms' peaks, so the full-box map's maximum sits far above the crop's and the original's linear
        // rescale puts every level higher, enclosing less than the model's share. (The smooth ellipsoids of
        // CroppedMaps have no such peaks: there the two rules cross, level by level.)
        string dir = TestPaths.NewTempDir();
        var rng = new Random(5);
        var grid = new GridSpec(96, 1.5, new Vector3(-72, -72, -72));
        for (int id = 0; id < 2; id++)
        {
            var atoms = new List<Atom>();
            while (atoms.Count < 6000)
            {
                var p = new Vector3((float)(rng.NextDouble() * 80 - 40), (float)(rng.NextDouble() * 60 - 30), (float)(rng.NextDouble() * 60 - 30));
                if (p.X * p.X / 1600 + (p.Y * p.Y + p.Z * p.Z) / 900 < 1) atoms.Add(MolmapTests.Carbon(p));
            }
            MrcWriter.Write(Path.Combine(dir, $"vol_{id:D3}.mrc"), Molmap.Render(atoms, grid, resolution: 3.5));
        }

        foreach (var map in new PreparedMapReader(dir, keepFullBox: true).ReadAll())
            foreach (double p in new[] { -0.9, -0.5, 0.0, 0.5 })
            {
                double linear = map.RawStats!.Value.Denormalize(p), matched = FullBoxLevels.FromModel(map, p);
                Assert.True(linear > matched, $"map {map.MapId}, level {p}: linear {linear}, volume-matched {matched}");
            }
    }

    [Fact]
    public void ChunksHoldingFullBoxValuesStayWithinTheBudget()
    {
        // The chunk being read and the one its consumer holds are alive together: each gets half the budget.
        string dir = CroppedMaps(3);
        long oneMap = (96L * 96 * 96 + 64 * 64 * 64) * sizeof(float); // the full-box values and the box-64 crop
        Assert.Equal([2, 1], new PreparedMapReader(dir, fullBoxBudget: 4 * oneMap).Chunks(64).Select(c => c.Count));
        Assert.Equal([1, 1, 1], new PreparedMapReader(dir, fullBoxBudget: 2 * oneMap).Chunks(64).Select(c => c.Count));
        // Kept or not, the full-box maps of a chunk are read and cropped in parallel: the same sizes.
        Assert.Equal([1, 1, 1], new PreparedMapReader(dir, keepFullBox: false, fullBoxBudget: 2 * oneMap).Chunks(64).Select(c => c.Count));
    }

    [Fact]
    public void LibraryReadersKeepFullBoxValuesByDefault()
    {
        // The documented calls give the same volume-matched levels as Predict(voldir).
        string dir = CroppedMaps(2);
        using var predictor = new ThresholdPredictor();
        var byFolder = predictor.Predict(dir);
        var byReader = predictor.Predict(new PreparedMapReader(dir));
        var maps = Enumerable.Range(0, 2).Select(i => Preprocess.Prepare(MrcReader.Read(Path.Combine(dir, $"vol_{i:D3}.mrc")), i, "x", out _)).ToList();
        var byPrepared = predictor.Predict(maps);
        Assert.All(maps, m => Assert.NotNull(m.FullBox));
        Assert.Equal(byFolder.Select(p => p.Denormalized), byReader.Select(p => p.Denormalized));
        Assert.Equal(byFolder.Select(p => p.Denormalized), byPrepared.Select(p => p.Denormalized));
    }
}
