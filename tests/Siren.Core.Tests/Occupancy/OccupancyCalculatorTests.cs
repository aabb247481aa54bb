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

    [Fact]
    public void Float16MapsTakeTheConvertingPathAndGiveTheSameOccupancy()
    {
        string dir = TestPaths.NewTempDir();
        var v = MrcVolume.Zeros(8, Vec3.All(1f), Vec3.All(0f));
        for (int i = 0; i < v.Data.Length; i++) v.Data[i] = i % 7 * 0.25f;
        MrcWriter.Write(Path.Combine(dir, "vol_1.mrc"), v);
        MrcWriter.Write(Path.Combine(dir, "vol_2.mrc"), v, MrcMode.Float16);
        var mask = OccupancyMask.FromBlock(new Block(0, Enumerable.Range(0, 512).Where(i => i % 3 == 0).ToArray()), 8);
        var rows = new List<double[]>();
        OccupancyCalculator.Compute(VolumeFolder.List(dir), [mask], new OccupancyOptions(), (_, row) => rows.Add(row));
        Assert.Equal(2, rows.Count);
        Assert.Equal(rows[0][0], rows[1][0], 12);
        Assert.True(rows[0][0] > 0);
    }

    [Fact]
    public void MapOfAnotherBoxIsAUserError()
    {
        string dir = TestPaths.NewTempDir();
        MrcWriter.Write(Path.Combine(dir, "vol_1.mrc"), MrcVolume.Zeros(6, Vec3.All(1f), Vec3.All(0f)));
        var mask = OccupancyMask.FromBlock(new Block(0, [1, 2]), 8);
        var e = Assert.Throws<SirenException>(() => OccupancyCalculator.Compute(VolumeFolder.List(dir), [mask], new OccupancyOptions(), (_, _) => { }));
        Assert.Contains("Fix:", e.Message);
    }

    [Fact]
    public void CommandMeasuresBlocksFromAStageFolderIntoNamedColumns()
    {
        string dir = TestPaths.NewTempDir();
        string vols = Path.Combine(dir, "vols");
        for (int m = 0; m < 3; m++)
        {
            var v = MrcVolume.Zeros(4, Vec3.All(1f), Vec3.All(0f));
            for (int i = 0; i <= m; i++) v.Data[i] = 1f;
            MrcWriter.Write(Path.Combine(vols, $"vol_{m}.mrc"), v);
        }
        new BlockSet(4, 1, [new Block(7, [0, 1, 2, 3])]).Write(Path.Combine(dir, "02_expand"), Vec3.All(1f), Vec3.All(0f));
        string csv = Path.Combine(dir, "occ", "occupancies.csv");

        int count = Siren.Cli.Commands.OccupancyCommand.Run(new(vols, Path.Combine(dir, "02_expand"), null, 0.5, null, null, true, csv));

        Assert.Equal(3, count);
        Assert.Equal(["vol_id,block_7", "0,0.25", "1,0.5", "2,0.75"], File.ReadAllLines(csv));
        Assert.True(File.Exists(Path.Combine(dir, "occ", "occupancies.manifest.json")));
    }

    [Fact]
    public void BinarizedSumCountsEachOccupiedVoxelOnce()
    {
        var rng = new Random(4);
        var map = Enumerable.Range(0, 1000).Select(_ => (float)rng.NextDouble()).ToArray();
        for (int n = 0; n < 6; n++)
        {
            int[] voxels = Enumerable.Range(0, n * 37 + n % 2).Select(i => i * 3 % 1000).Distinct().Order().ToArray();
            var mask = new OccupancyMask("m", voxels, voxels.Select(_ => 1f).ToArray(), 10);
            var result = new double[1];
            OccupancyCalculator.Measure(map, [mask], 0.5, [1.0], result);
            Assert.Equal(voxels.Count(v => map[v] >= 0.5), result[0]);
        }
    }
}
