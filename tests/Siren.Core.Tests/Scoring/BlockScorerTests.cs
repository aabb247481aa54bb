using Siren.Core.Blocks;
using Siren.Core.Mrc;
using Siren.Core.Scoring;
using Siren.Core.Simulation;

namespace Siren.Core.Tests.Scoring;

public class BlockScorerTests
{
    private static SimulationTruth Truth(params TruthRegion[] regions) =>
        new("t", 0, 10, 2.0, [0, 0, 0], "rule", 10, 1000, regions, []);

    private static TruthRegion Region(string name, int from, int count, bool primary = true) =>
        new(name, name, GroupType.Compositional, null, primary, 0.5, Enumerable.Range(from, count).ToArray());

    [Fact]
    public void Score_FindsTheBestBlockPerRegionAndFlagsBlocksMatchingNone()
    {
        SimulationTruth truth = Truth(Region("A", 0, 100), Region("B", 200, 50), Region("overlap", 400, 20, primary: false));
        var blocks = new BlockSet(10, 2.0,
        [
            new Block(0, Enumerable.Range(0, 100).ToArray()),      // exactly A
            new Block(1, Enumerable.Range(225, 50).ToArray()),     // half of B, half outside: J = 25/75
            new Block(2, Enumerable.Range(600, 30).ToArray()),     // nowhere: false
            new Block(3, Enumerable.Range(210, 5).ToArray()),      // a fragment inside B: J = 0.1 but wholly inside, not false
            new Block(4, Enumerable.Range(400, 20).ToArray()),     // the overlap region: not false
        ]);

        ScoreReport report = BlockScorer.Score(blocks, truth);

        RegionScore a = report.Regions[0], b = report.Regions[1], overlap = report.Regions[2];
        Assert.Equal((0, 1.0, true), (a.BestBlock!.Value, a.Jaccard, a.Found));
        Assert.Equal(1, b.BestBlock);
        Assert.Equal(Math.Round(25.0 / 75, 4), b.Jaccard);
        Assert.Equal((0.5, 0.5, false), (b.Covered, b.Recall, b.Found));
        Assert.True(overlap.Found);
        Assert.Equal([false, false, true, false, false], report.BlockScores.Select(s => s.False));
        Assert.Equal("B", report.BlockScores[3].BestRegion);
        Assert.Equal((1, 2, 1), (report.Found, report.PrimaryRegions, report.FalseBlocks));
        Assert.StartsWith("score: 1/2 regions found", report.Summary);
        Assert.Contains("false blocks (no region's): block 2 (30 voxels)", report.FormatTable());
    }

    [Fact]
    public void Score_HomogeneousTruthMakesEveryBlockFalse()
    {
        ScoreReport report = BlockScorer.Score(new BlockSet(10, 2.0, [new Block(0, [1, 2, 3])]), Truth());

        Assert.Equal(1, report.FalseBlocks);
        Assert.Equal("score: no variable region in the truth (homogeneous); 1 blocks, 1 false", report.Summary);
    }

    [Fact]
    public void Score_GridMismatchIsAUserError()
    {
        var e = Assert.Throws<SirenException>(() => BlockScorer.Score(new BlockSet(12, 2.0, []), Truth()));
        Assert.Contains("12³", e.Message);
    }

    [Fact]
    public void Score_AnotherVoxelSizeIsAUserErrorNamingBothFiles()
    {
        // Blocks of maps at 6.55 Å on a truth simulated at 4.5 Å, at the same box: the same indices are other places.
        string dir = TestPaths.NewTempDir(), blocks = Path.Combine(dir, "02_expand"), truth = Path.Combine(dir, SimulationTruth.FileName);
        (Truth() with { Apix = 4.5 }).Write(truth);
        new BlockSet(10, 6.55, [new Block(0, [1, 2, 3])]).Write(blocks, Vec3.All(6.55f), Vec3.All(0));

        var e = Assert.Throws<SirenException>(() => BlockScorer.Score(blocks, truth));

        foreach (string s in new[] { "02_expand", "truth.json", "6.55 Å", "4.5 Å", "Fix:" }) Assert.Contains(s, e.Message);
    }

    [Fact]
    public void Score_AVoxelSizeWithinRoundingIsTheSameGrid()
    {
        ScoreReport report = BlockScorer.Score(new BlockSet(10, 2.0 * (1 + Siren.Core.Mrc.VoxelSizes.Tolerance / 2), [new Block(0, [1, 2, 3])]), Truth());

        Assert.Single(report.BlockScores);
    }

    [Fact]
    public void SimulateAndScoreCommands_RunEndToEnd()
    {
        // The truth's own regions, written as blocks, score as all found with no false block.
        string sim = TestPaths.NewTempDir(), blocksDir = Path.Combine(TestPaths.NewTempDir(), "02_expand");
        var simulate = SirenProcess.Run("simulate", "--preset", "demo", "--n", "6", "--seed", "3", "--outdir", sim);
        Assert.True(simulate.ExitCode == 0, simulate.Stderr);
        Assert.Contains("6 maps", simulate.Stdout);
        SimulationTruth truth = SimulationTruth.Read(sim);
        Assert.Equal(6, Directory.GetFiles(sim, "vol_*.mrc").Length);
        Assert.True(File.Exists(Path.Combine(sim, RunManifest.FileName)));
        var blocks = new BlockSet(truth.Box, truth.Apix, truth.Regions.Where(r => r.Primary).Select((r, i) => new Block(i, r.Voxels)).ToArray());
        blocks.Write(blocksDir, Vec3.All((float)truth.Apix), Vec3.All(0));

        var score = SirenProcess.Run("score", "--blocks", blocksDir, "--truth", Path.Combine(sim, SimulationTruth.FileName));

        Assert.True(score.ExitCode == 0, score.Stderr);
        int primary = truth.Regions.Count(r => r.Primary);
        Assert.Contains($"score: {primary}/{primary} regions found", score.Stdout);
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(blocksDir)!, "03_score", ScoreReport.FileName)));
        // With the slash tab completion adds, the same place; blocks in a folder that is no stage are scored into it.
        Assert.Equal(0, SirenProcess.Run("score", "--blocks", blocksDir + Path.DirectorySeparatorChar, "--truth", sim).ExitCode);
        Assert.False(Directory.Exists(Path.Combine(blocksDir, "03_score")));
        string loose = Path.Combine(TestPaths.NewTempDir(), "mine");
        blocks.Write(loose, Vec3.All((float)truth.Apix), Vec3.All(0));
        Assert.Equal(0, SirenProcess.Run("score", "--blocks", Path.Combine(loose, "blocks.json"), "--truth", sim).ExitCode);
        Assert.True(File.Exists(Path.Combine(loose, "03_score", ScoreReport.FileName)));
        var missing = SirenProcess.Run("score", "--blocks", blocksDir, "--truth", Path.Combine(sim, "nope.json"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("nope.json", missing.Stderr);

        // Rescoring into its own folder replaces its own score.json; one it did not write is refused, untouched.
        Assert.Equal(0, SirenProcess.Run("score", "--blocks", blocksDir, "--truth", sim).ExitCode);
        string foreign = TestPaths.NewTempDir();
        File.WriteAllText(Path.Combine(foreign, ScoreReport.FileName), "{\"mine\": true}");
        Cli.BadInputTests.AssertOneError(SirenProcess.Run("score", "--blocks", blocksDir, "--truth", sim, "--outdir", foreign), "score.json", "did not write");
        Assert.Equal("{\"mine\": true}", File.ReadAllText(Path.Combine(foreign, ScoreReport.FileName)));
    }
}
