using Siren.Core.Mrc;
using Siren.Core.Occupancy;
using Siren.Core.Tests.Cli;

namespace Siren.Core.Tests.Occupancy;

public class OccupancyMaskTests
{
    /// <summary>A folder of one-voxel box-8 masks named <paramref name="names"/>.</summary>
    private static string MaskFolder(params string[] names)
    {
        string dir = TestPaths.NewTempDir();
        foreach (string name in names)
        {
            var mask = MrcVolume.Zeros(8, Vec3.All(1f), Vec3.All(0f));
            mask.Data[3] = 1;
            MrcWriter.Write(Path.Combine(dir, name), mask);
        }
        return dir;
    }

    [Fact]
    public void NamesThatMakeAReadableHeaderAreColumns()
    {
        // '-' and spaces are fine in the CSV; select reads them in backticks.
        var masks = OccupancyMask.ReadFolder(MaskFolder("Mask_5S-h1.mrc", "Mask 7.map", "A.mrc", "a.mrc"));
        Assert.Equal(["A", "Mask 7", "Mask_5S-h1", "a"], masks.Select(m => m.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("'a.map' and 'a.mrc'", "a.mrc", "a.map")]
    [InlineData("'vol_id.mrc'", "vol_id.mrc", "b.mrc")]
    [InlineData("'Mask_x,y.mrc'", "Mask_x,y.mrc")]
    [InlineData("'Mask_\"x\".mrc'", "Mask_\"x\".mrc")]
    [InlineData("'Mask_x\\u000ay.mrc'", "Mask_x\ny.mrc")]
    [InlineData("'Mask_x .mrc'", "Mask_x .mrc")]
    public void NamesThatBreakTheHeaderAreRefusedBeforeAnyMaskIsRead(string named, params string[] files)
    {
        string dir = MaskFolder(files);
        // Not a map: refused by name first, the reader would have said so.
        File.WriteAllText(Path.Combine(dir, "b0.mrc"), "not a map");
        var e = Assert.Throws<SirenException>(() => OccupancyMask.ReadFolder(dir));
        Assert.Contains(named, e.Message);
        Assert.Contains("Fix: rename", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void OccupancyWritesNoCsvItsReadersRefuse()
    {
        string maps = TestPaths.NewTempDir(), outdir = TestPaths.NewTempDir();
        Synthetic.WriteEnsemble(maps, 8, 4, Synthetic.Cube(8, 2, 2, 2, 3), [new Synthetic.Region(Synthetic.Cube(8, 5, 2, 2, 2), 0.5)], 1);
        string csv = Path.Combine(outdir, "occ.csv");
        var r = SirenProcess.Run("occupancy", "--voldir", maps, "--maskdir", MaskFolder("a.mrc", "a.map"), "--out", csv);
        BadInputTests.AssertOneError(r, "'a.map' and 'a.mrc'", "Fix: rename");
        Assert.Empty(Directory.GetFileSystemEntries(outdir));
    }
}
