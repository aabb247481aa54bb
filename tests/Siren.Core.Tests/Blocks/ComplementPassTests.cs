using Siren.Core.Blocks;
using Siren.Core.Ensemble;
using Siren.Core.Kernels;

namespace Siren.Core.Tests.Blocks;

/// <summary>
/// The complement pass (co-absence) finds regions present in most maps, which the positive test cannot:
/// once c·t11 ≥ min(f_i, f_j) no n11 passes.
/// </summary>
public class ComplementPassTests
{
    private const int Box = 20;

    private static DetectionResult Detect(string maps, PassSelection passes) =>
        BlockDetection.Run(new DetectionOptions { VolDir = maps, Thresholds = Thresholds.Constant(0.5), Seed = 4, Passes = passes },
            TestPaths.NewTempDir(), new CpuCooccurrenceBackend());

    private static double Covered(BlockSet blocks, int[] region) =>
        blocks.Blocks.Select(b => Synthetic.Jaccard(b.Voxels, region)).DefaultIfEmpty(0).Max();

    [Fact]
    public void RegionPresentInMostMapsIsFoundOnlyByTheComplement()
    {
        string maps = TestPaths.NewTempDir();
        int[] common = Synthetic.Cube(Box, 12, 6, 6, 4);
        Synthetic.WriteEnsemble(maps, Box, 200, Synthetic.Cube(Box, 6, 6, 6, 6), [new Synthetic.Region(common, 0.85)], 21);

        DetectionResult positive = Detect(maps, PassSelection.Positive);
        DetectionResult complement = Detect(maps, PassSelection.Complement);
        DetectionResult both = Detect(maps, PassSelection.Both);

        Assert.True(Covered(positive.Expand.Blocks, common) < 0.1, $"positive pass found the 85 % region (Jaccard {Covered(positive.Expand.Blocks, common):F2})");
        Assert.True(Covered(complement.Expand.Blocks, common) >= 0.5, $"complement Jaccard {Covered(complement.Expand.Blocks, common):F2}");
        Assert.All(complement.Expand.Blocks.Blocks, b => Assert.Equal(BlockSet.ComplementPass, b.Pass));
        Assert.True(Covered(both.Expand.Blocks, common) >= 0.5);
    }

    [Fact]
    public void BothPassesMergeOneFeatureIntoOneBlock()
    {
        string maps = TestPaths.NewTempDir();
        int[] half = Synthetic.Cube(Box, 12, 6, 6, 4);
        // Present in half the maps: co-presence and co-absence are equally strong evidence, so both passes find it.
        Synthetic.WriteEnsemble(maps, Box, 200, Synthetic.Cube(Box, 6, 6, 6, 6), [new Synthetic.Region(half, 0.5)], 22);
        DetectionResult both = Detect(maps, PassSelection.Both);
        Block block = Assert.Single(both.Expand.Blocks.Blocks);
        Assert.Equal(BlockSet.BothPasses, block.Pass);
        Assert.True(Synthetic.Jaccard(block.Voxels, half) >= 0.9);
        Assert.Equal(1, (int)both.Expand.Results["merged_block_pairs"]!);
    }

    [Fact]
    public void HomogeneousControlGivesNoBlockInEitherPass()
    {
        string maps = TestPaths.NewTempDir();
        Synthetic.WriteEnsemble(maps, Box, 200, Synthetic.Cube(Box, 6, 6, 6, 8), [], 23, noise: 0.3f);
        DetectionResult both = Detect(maps, PassSelection.Both);
        Assert.Empty(both.Sketch.Blocks.Blocks);
        Assert.Empty(both.Expand.Blocks.Blocks);
    }

    [Fact]
    public void PositivePassIsUnchangedByRunningBoth()
    {
        string maps = TestPaths.NewTempDir();
        int[] region = Synthetic.Cube(Box, 12, 6, 6, 4);
        Synthetic.WriteEnsemble(maps, Box, 200, Synthetic.Cube(Box, 6, 6, 6, 6), [new Synthetic.Region(region, 0.35)], 24);
        DetectionResult positive = Detect(maps, PassSelection.Positive);
        DetectionResult both = Detect(maps, PassSelection.Both);
        var positiveSeeds = positive.Sketch.Blocks.Blocks.Select(b => b.Voxels).ToList();
        var positiveSeedsInBoth = both.Sketch.Blocks.Blocks.Where(b => b.Pass == BlockSet.PositivePass).Select(b => b.Voxels).ToList();
        Assert.Equal(positiveSeeds, positiveSeedsInBoth);
    }
}
