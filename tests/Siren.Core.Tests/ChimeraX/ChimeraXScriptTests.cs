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
