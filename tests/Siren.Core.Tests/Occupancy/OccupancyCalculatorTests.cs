using Siren.Core.Blocks;
using Siren.Core.Ensemble;
using Siren.Core.Mrc;
using Siren.Core.Occupancy;

namespace Siren.Core.Tests.Occupancy;

public class OccupancyCalculatorTests
{
    [Fact]
    public void BinarizedPerVoxelOccupancyIsTheOccupiedFractionOfTheBlock()
    {
        string dir = TestPaths.NewTempDir();
        const int box = 8;
        // Map m has the first m voxels of block 1 at density 2, everything else 0; block 2 is never occupied.
        var block1 = Enumerable.Range(0, 10).ToArray();
        var block2 = Enumerable.Range(100, 5).ToArray();
        for (int m = 0; m <= 10; m++)
        {
            var v = MrcVolume.Zeros(box, Vec3.All(2f), Vec3.All(0f));
            for (int i = 0; i < m; i++) v.Data[block1[i]] = 2f;
            MrcWriter.Write(Path.Combine(dir, $"vol_{m:000}.mrc"), v);
        }
        var masks = new[] { OccupancyMask.FromBlock(new Block(1, block1), box), OccupancyMask.FromBlock(new Block(2, block2), box) };
        var rows = new List<(int Id, double[] Row)>();
        int count = OccupancyCalculator.Compute(VolumeFolder.List(dir), masks,
            new OccupancyOptions { Thresholds = Thresholds.Constant(1.0), Normalization = OccupancyNormalization.PerVoxel, Parallelism = 3 },
            (f, row) => rows.Add((f.MapId, row)));

        Assert.Equal(11, count);
        Assert.Equal(Enumerable.Range(0, 11), rows.Select(r => r.Id));
        foreach (var (id, row) in rows)
        {
            Assert.Equal(id / 10.0, row[0], 12);
            Assert.Equal(0.0, row[1]);
        }
    }

    [Fact]
    public void RawSumsWeightEachVoxelByTheMask()
    {
        var map = new float[27];
        for (int i = 0; i < 27; i++) map[i] = i;
        var mask = new OccupancyMask("m", [1, 5, 26], [1f, 0.5f, 2f], 3);
        var result = new double[1];
        OccupancyCalculator.Measure(map, [mask], null, [1.0], result);
        Assert.Equal(1 + 2.5 + 52, result[0], 12);
    }
}
