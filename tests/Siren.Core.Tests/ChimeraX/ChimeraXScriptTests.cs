using Siren.Cli.Commands;
using Siren.Core.Blocks;
using Siren.Core.Ensemble;
using Siren.Core.Mrc;

namespace Siren.Core.Tests.ChimeraX;

public class ChimeraXScriptTests
{
    [Fact]
    public void OpensTheMapAtItsLevelAndEachBlockInItsOwnColour()
    {
        string dir = TestPaths.NewTempDir();
        string map = Path.Combine(dir, "vol_007.mrc");
        MrcWriter.Write(map, MrcVolume.Zeros(4, Vec3.All(1f), Vec3.All(0f)));
        string blocks = Path.Combine(dir, "02_expand");
        new BlockSet(4, 1, [new Block(3, [0, 1]), new Block(12, [5])]).Write(blocks, Vec3.All(1f), Vec3.All(0f));
        string csv = Path.Combine(dir, "thresholds.csv");
        File.WriteAllText(csv, "vol_id,denormalized_predictions\n7,0.0425\n");

        string cxc = Path.Combine(dir, "blocks.cxc");
        ChimeraxCommand.Write(map, Thresholds.FromCsv(csv), blocks, cxc);
        string[] lines = File.ReadAllLines(cxc);

        Assert.Contains($"open {Path.GetFullPath(map)}", lines);
        Assert.Contains(lines, l => l.StartsWith("volume #1 level 0.0425 ", StringComparison.Ordinal));
        Assert.Contains("rename #2 block_3", lines);
        Assert.Contains("rename #3 block_12", lines);
        var colours = lines.Where(l => l.StartsWith("volume #2", StringComparison.Ordinal) || l.StartsWith("volume #3", StringComparison.Ordinal))
            .Select(l => l.Split(" color ")[1].Split(' ')[0]).ToArray();
        Assert.Equal(2, colours.Distinct().Count());
        Assert.All(colours, c => Assert.Matches("^#[0-9a-f]{6}$", c));
    }

    [Fact]
    public void DrawsTheBlocksOfBlocksJsonAndOnlyMasksThatAreTheirs()
    {
        string dir = TestPaths.NewTempDir();
        string map = Path.Combine(dir, "vol_000.mrc");
        MrcWriter.Write(map, MrcVolume.Zeros(4, Vec3.All(1f), Vec3.All(0f)));
        string blocks = Path.Combine(dir, "02_expand"), cxc = Path.Combine(dir, "blocks.cxc");
        new BlockSet(4, 1, [new Block(0, [0, 1]), new Block(1, [5, 6])]).Write(blocks, Vec3.All(1f), Vec3.All(0f));

        // A stray mask blocks.json does not list (an older expand's, a copy) is not drawn: occupancy does not measure it.
        File.Copy(Path.Combine(blocks, "block_1.mrc"), Path.Combine(blocks, "block_9.mrc"));
        ChimeraxCommand.Write(map, Thresholds.Constant(0.5), blocks, cxc);
        Assert.Equal(["rename #2 block_0", "rename #3 block_1"], File.ReadAllLines(cxc).Where(l => l.StartsWith("rename #", StringComparison.Ordinal) && !l.StartsWith("rename #1", StringComparison.Ordinal)));

        // A density map, or another block's mask, under a block's name.
        string block0 = Path.Combine(blocks, "block_0.mrc");
        byte[] mask0 = File.ReadAllBytes(block0);
        var density = MrcVolume.Zeros(4, Vec3.All(1f), Vec3.All(0f));
        density.Data[0] = 0.3f;
        MrcWriter.Write(block0, density);
        var e = Assert.Throws<SirenException>(() => ChimeraxCommand.Write(map, Thresholds.Constant(0.5), blocks, cxc));
        Assert.Contains("block_0.mrc", e.Message);
        Assert.Contains("0 or 1", e.Message);
        File.Copy(Path.Combine(blocks, "block_1.mrc"), block0, overwrite: true);
        e = Assert.Throws<SirenException>(() => ChimeraxCommand.Write(map, Thresholds.Constant(0.5), blocks, cxc));
        Assert.Contains("not the 2 of block 0", e.Message);

        File.WriteAllBytes(block0, mask0);
        File.Delete(Path.Combine(blocks, "block_1.mrc"));
        e = Assert.Throws<SirenException>(() => ChimeraxCommand.Write(map, Thresholds.Constant(0.5), blocks, cxc));
        Assert.Contains("lists block 1", e.Message);
        Assert.Contains("no block_1.mrc", e.Message);
    }

    [Fact]
    public void NamesWithSpacesAreQuotedAndUnquotableOnesRefused()
    {
        string dir = Path.Combine(TestPaths.NewTempDir(), "my maps");
        string map = Path.Combine(dir, "my map_000.mrc");
        Directory.CreateDirectory(dir);
        MrcWriter.Write(map, MrcVolume.Zeros(4, Vec3.All(1f), Vec3.All(0f)));
        string blocks = Path.Combine(dir, "02_expand");
        new BlockSet(4, 1, [new Block(0, [0, 1])]).Write(blocks, Vec3.All(1f), Vec3.All(0f));

        string cxc = Path.Combine(dir, "blocks.cxc");
        ChimeraxCommand.Write(map, Thresholds.Constant(0.5), blocks, cxc);
        string[] lines = File.ReadAllLines(cxc);
        Assert.Contains($"open \"{Path.GetFullPath(map)}\"", lines);
        Assert.Contains("rename #1 \"my map_000\"", lines); // unquoted, ChimeraX would name the model "my"
        Assert.Contains($"open \"{Path.Combine(Path.GetFullPath(blocks), "block_0.mrc")}\"", lines);

        string semicolon = Path.Combine(dir, "a;b_000.mrc");
        File.Copy(map, semicolon);
        var e = Assert.Throws<SirenException>(() => ChimeraxCommand.Write(semicolon, Thresholds.Constant(0.5), blocks, Path.Combine(dir, "c.cxc")));
        Assert.Contains("cannot quote", e.Message);
    }
}
