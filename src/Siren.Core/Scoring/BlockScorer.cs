using System.Globalization;
using System.Text;
using System.Text.Json;
using Siren.Core.Blocks;
using Siren.Core.IO;
using Siren.Core.Simulation;

namespace Siren.Core.Scoring;

/// <summary>How well the best block matches one true region.</summary>
/// <param name="Jaccard">|B ∩ R| / |B ∪ R| of the best block B (0 when no block touches the region).</param>
/// <param name="Covered">|B ∩ R| / |B|: how much of the best block lies inside the region.</param>
/// <param name="Recall">|B ∩ R| / |R|: how much of the region the best block recovers.</param>
public sealed record RegionScore(string Region, bool Primary, int RegionSize, double PresentFraction, int? BestBlock, int BestBlockSize,
    double Jaccard, double Covered, double Recall, bool Found);

/// <summary>A block's best-matching region, and whether it matches none (a false block).</summary>
public sealed record BlockScore(int Block, int Size, string Pass, string? BestRegion, double Jaccard, double Covered, bool False);

/// <summary>
/// Blocks scored against a simulation's truth. A region is found when its best block has Jaccard ≥
/// <see cref="BlockScorer.FoundJaccard"/>; a block is false when its Jaccard with every region (primary or
/// overlap) is below <see cref="BlockScorer.FalseJaccard"/> and less than half of it lies inside any one region.
/// <see cref="Found"/> and the summary count primary regions only; overlap regions are listed in the table.
/// </summary>
public sealed record ScoreReport(string Truth, string Blocks, IReadOnlyList<RegionScore> Regions, IReadOnlyList<BlockScore> BlockScores)
{
    public const string FileName = "score.json";

    public int Found => Regions.Count(r => r.Primary && r.Found);
    public int PrimaryRegions => Regions.Count(r => r.Primary);
    public int FalseBlocks => BlockScores.Count(b => b.False);

    /// <summary>One line: "score: 5/5 regions found (Jaccard ≥ 0.5), mean best Jaccard 0.78; 6 blocks, 0 false".</summary>
    public string Summary => PrimaryRegions == 0
        ? $"score: no variable region in the truth (homogeneous); {BlockScores.Count} blocks, {FalseBlocks} false"
        : string.Create(CultureInfo.InvariantCulture,
            $"score: {Found}/{PrimaryRegions} regions found (Jaccard ≥ {BlockScorer.FoundJaccard}), mean best Jaccard {Regions.Where(r => r.Primary).Average(r => r.Jaccard):F2}; {BlockScores.Count} blocks, {FalseBlocks} false");

    /// <summary>A fixed-width table of regions and their best blocks, then the false blocks, then the summary.</summary>
    public string FormatTable()
    {
        var sb = new StringBuilder();
        int width = Math.Max(12, Regions.Select(r => r.Region.Length).DefaultIfEmpty(0).Max() + 2);
        sb.Append("region".PadRight(width)).AppendLine("voxels  present  block  size  Jaccard  covered  recall  found");
        foreach (RegionScore r in Regions)
            sb.Append(r.Region.PadRight(width)).AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.RegionSize,6}  {r.PresentFraction,7:P0}  {(r.BestBlock is { } b ? b.ToString(CultureInfo.InvariantCulture) : "-"),5}  {r.BestBlockSize,4}  {r.Jaccard,7:F2}  {r.Covered,7:F2}  {r.Recall,6:F2}  {(r.Found ? "yes" : "no"),5}{(r.Primary ? "" : "  (overlap of poses; not counted)")}"));
        var falseBlocks = BlockScores.Where(b => b.False).ToList();
        if (falseBlocks.Count > 0)
            sb.AppendLine("false blocks (no region's): " + string.Join(", ", falseBlocks.Select(b => $"block {b.Block} ({b.Size} voxels)")));
        sb.Append(Summary);
        return sb.ToString();
    }

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new
    {
        truth = Truth,
        blocks = Blocks,
        found_jaccard = BlockScorer.FoundJaccard,
        false_jaccard = BlockScorer.FalseJaccard,
        found = Found,
        regions_total = PrimaryRegions,
        false_blocks = FalseBlocks,
        blocks_total = BlockScores.Count,
        summary = Summary,
        regions = Regions,
        block_scores = BlockScores,
    }, ReportJson));

    private static readonly JsonSerializerOptions ReportJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };
}

/// <summary>Scores detected blocks against the truth regions of a simulated ensemble (flat voxel indices on one grid).</summary>
public static class BlockScorer
{
    /// <summary>A region counts as found when a block matches it with at least this Jaccard index (the acceptance level).</summary>
    public const double FoundJaccard = 0.5;

    /// <summary>
    /// A block is false when its Jaccard with every region is below this and no region holds half of it:
    /// 0.1 tolerates a block that is a fragment or a superset of a region, not one elsewhere.
    /// </summary>
    public const double FalseJaccard = 0.1;

    public static ScoreReport Score(BlockSet blocks, SimulationTruth truth, string blocksSource = "", string truthSource = "")
    {
        if (blocks.Box != truth.Box || !Mrc.VoxelSizes.Same(blocks.Apix, truth.Apix))
            throw new SirenException(string.Create(CultureInfo.InvariantCulture,
                $"the blocks{Named(blocksSource)} are on a {blocks.Box}³ grid of {blocks.Apix:0.####} Å voxels but the truth{Named(truthSource)} on {truth.Box}³ of {truth.Apix:0.####} Å, ") +
                "so their voxel indices are other places. Fix: score blocks found on the maps this simulation wrote (same box and voxel size).");
        var blockSets = blocks.Blocks.Select(b => (Block: b, Set: b.Voxels.ToHashSet())).ToArray();
        var regionScores = truth.Regions.Select(region =>
        {
            int bestId = -1, bestSize = 0;
            double bestJ = 0, bestCovered = 0, bestRecall = 0;
            foreach (var (block, set) in blockSets)
            {
                int inter = region.Voxels.Count(set.Contains);
                if (inter == 0) continue;
                double j = (double)inter / (set.Count + region.Voxels.Length - inter);
                if (j > bestJ)
                {
                    (bestId, bestSize, bestJ) = (block.Id, set.Count, j);
                    bestCovered = (double)inter / set.Count;
                    bestRecall = (double)inter / region.Voxels.Length;
                }
            }
            return new RegionScore(region.Name, region.Primary, region.Voxels.Length, region.PresentFraction, bestId < 0 ? null : bestId, bestSize,
                Math.Round(bestJ, 4), Math.Round(bestCovered, 4), Math.Round(bestRecall, 4), bestJ >= FoundJaccard);
        }).ToArray();

        var blockScores = blockSets.Select(b =>
        {
            string? bestRegion = null;
            double bestJ = 0, bestCovered = 0;
            foreach (TruthRegion region in truth.Regions)
            {
                int inter = region.Voxels.Count(b.Set.Contains);
                double j = (double)inter / (b.Set.Count + region.Voxels.Length - inter), covered = (double)inter / b.Set.Count;
                if (j > bestJ || (j == bestJ && bestRegion is null && inter > 0)) (bestRegion, bestJ) = (region.Name, j);
                bestCovered = Math.Max(bestCovered, covered);
            }
            return new BlockScore(b.Block.Id, b.Set.Count, b.Block.Pass, bestRegion, Math.Round(bestJ, 4), Math.Round(bestCovered, 4),
                bestJ < FalseJaccard && bestCovered < 0.5);
        }).ToArray();
        return new ScoreReport(truthSource, blocksSource, regionScores, blockScores);
    }

    private static string Named(string source) => source.Length == 0 ? "" : $" ('{source}')";

    /// <summary>Reads blocks.json (or its stage folder) and truth.json (or its simulation folder) and scores them.</summary>
    public static ScoreReport Score(string blocksPath, string truthPath) =>
        Score(BlockSet.Read(blocksPath), SimulationTruth.Read(truthPath), Path.GetFullPath(blocksPath), Path.GetFullPath(SimulationTruth.FileIn(truthPath)));
}
