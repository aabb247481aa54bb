using Siren.Core.Blocks;
using Siren.Core.Ensemble;
using Siren.Core.Kernels;
using Siren.Core.Mrc;

namespace Siren.Core.Tests.Blocks;

public class BlockDetectionTests
{
    private const int Box = 20;

    private static string WritePlanted(ulong seed, out int[] planted, double presence = 0.35)
    {
        string dir = TestPaths.NewTempDir();
        int[] core = Synthetic.Cube(Box, 6, 6, 6, 6);
        planted = Synthetic.Cube(Box, 12, 6, 6, 4);
        Synthetic.WriteEnsemble(dir, Box, 200, core, [new Synthetic.Region(planted, presence)], seed);
        return dir;
    }

    private static DetectionOptions Options(string voldir, ulong seed = 7) => new()
    {
        VolDir = voldir,
        Thresholds = Thresholds.Constant(0.5),
        Seed = seed,
    };

    [Fact]
    public void EmptyMapsAreDroppedNamingTheFirstFewAndCountingTheRest()
    {
        string dir = TestPaths.NewTempDir();
        Synthetic.WriteEnsemble(dir, 8, 20, Synthetic.Cube(8, 2, 2, 2, 3), [], seed: 1);
        for (int m = 0; m < 8; m++) // eight maps with nothing above 0.5
            MrcWriter.Write(Path.Combine(dir, $"vol_{m:D3}.mrc"), MrcVolume.Zeros(8, Vec3.All(6.55f), Vec3.All(0)));
        var log = new List<string>();
        BinarizedEnsemble ensemble = BinarizedEnsemble.Load(dir, Thresholds.Constant(0.5), filter: false, log.Add);

        Assert.Equal(12, ensemble.Kept.Count);
        Assert.Equal(Enumerable.Range(0, 8).Select(m => $"vol_{m:D3}.mrc"), ensemble.Dropped.Select(d => Path.GetFileName(d.Map.Path)));
        Assert.Equal(["vol_000.mrc", "vol_001.mrc", "vol_002.mrc", "vol_003.mrc", "vol_004.mrc"],
            log.Where(l => l.StartsWith("warning: dropping '")).Select(l => l.Split('\'')[1]));
        Assert.Single(log, l => l.StartsWith("warning: dropping 3 more maps") && l.Contains("all 8"));
    }

    [Fact]
    public void PlantedBlockIsRecovered()
    {
        string maps = WritePlanted(11, out int[] planted);
        string outdir = TestPaths.NewTempDir();
        using var backend = new CpuCooccurrenceBackend();
        DetectionResult result = BlockDetection.Run(Options(maps), outdir, backend);

        Assert.NotEmpty(result.Sketch.Blocks.Blocks);
        Block best = result.Expand.Blocks.Blocks.MaxBy(b => Synthetic.Jaccard(b.Voxels, planted))!;
        Assert.True(Synthetic.Jaccard(best.Voxels, planted) >= 0.9, $"Jaccard {Synthetic.Jaccard(best.Voxels, planted):F3}");
        Assert.All(result.Expand.Blocks.Blocks, b => Assert.True(Synthetic.Jaccard(b.Voxels, planted) > 0.5, $"block {b.Id} is not the planted one"));
        Assert.True(File.Exists(Path.Combine(outdir, "02_expand", "block_0.mrc")));
        Assert.True(File.Exists(Path.Combine(outdir, "00_sketch", "manifest.json")));
    }

    [Fact]
    public void HomogeneousControlGivesNoBlock()
    {
        string dir = TestPaths.NewTempDir();
        Synthetic.WriteEnsemble(dir, Box, 200, Synthetic.Cube(Box, 6, 6, 6, 8), [], 5, noise: 0.3f);
        using var backend = new CpuCooccurrenceBackend();
        DetectionResult result = BlockDetection.Run(Options(dir), TestPaths.NewTempDir(), backend);
        Assert.True(result.Ensemble.Occupancy.Rows > 100, "the control must have variable voxels to test");
        Assert.Empty(result.Sketch.Blocks.Blocks);
        Assert.Empty(result.Expand.Blocks.Blocks);
    }

    [Fact]
    public void SameSeedGivesByteIdenticalBlocks()
    {
        string maps = WritePlanted(3, out _);
        string a = TestPaths.NewTempDir(), b = TestPaths.NewTempDir();
        using var backend = new CpuCooccurrenceBackend();
        BlockDetection.Run(Options(maps, 42), a, backend);
        BlockDetection.Run(Options(maps, 42), b, backend);
        foreach (string stage in new[] { "00_sketch", "02_expand" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, stage, "blocks.json")), File.ReadAllBytes(Path.Combine(b, stage, "blocks.json")));
    }

    [Fact]
    public void ExpandInBatchesOfBlocksEqualsAllAtOnce()
    {
        string dir = TestPaths.NewTempDir();
        Synthetic.WriteEnsemble(dir, Box, 200, Synthetic.Cube(Box, 6, 6, 6, 6),
            [new Synthetic.Region(Synthetic.Cube(Box, 12, 6, 6, 4), 0.35), new Synthetic.Region(Synthetic.Cube(Box, 6, 13, 6, 4), 0.5)], seed: 4);
        DetectionOptions options = Options(dir) with { Passes = PassSelection.Both };
        BinarizedEnsemble ensemble = BinarizedEnsemble.Load(dir, options.Thresholds, filter: false);
        using var backend = new CpuCooccurrenceBackend();
        BlockSet seeds = BlockDetection.Sketch(ensemble, options, backend).Blocks;
        Assert.True(seeds.Blocks.Count >= 3, $"{seeds.Blocks.Count} seed blocks: too few to batch");

        string Expanded(int cellsPerCall) => string.Join(";", BlockDetection.Expand(ensemble, seeds, options, backend, null, null, cellsPerCall)
            .Blocks.Blocks.Select(b => $"{b.Id}:{b.Pass}:{string.Join(",", b.Voxels)}"));
        string all = Expanded(ICooccurrenceBackend.MaxExpandCells);
        Assert.Equal(all, Expanded(ensemble.Occupancy.Rows)); // one block per call
        Assert.Equal(all, Expanded(2 * ensemble.Occupancy.Rows)); // two per call, the last batch shorter when odd

        // One bar for the whole expand: each pass, and in it each batch (here one block), reports within its share,
        // so the bar never goes back past the start of the batch it has reached. (Within a batch, parallel workers'
        // reports may arrive out of order; batches run one after another.)
        var reported = new System.Collections.Concurrent.ConcurrentQueue<double>();
        BlockDetection.Expand(ensemble, seeds, options, backend, null, new Recorder(reported), ensemble.Occupancy.Rows);
        double[] values = [.. reported];
        int[] perPass = seeds.Blocks.GroupBy(b => b.Pass).Select(g => g.Count()).ToArray();
        Assert.Equal(2, perPass.Length);
        double[] batchStarts = [.. perPass.SelectMany((n, p) => Enumerable.Range(0, n).Select(k => (p + (double)k / n) / perPass.Length))];
        Assert.Equal(1.0, values.Max(), 9);
        double reached = 0;
        foreach (double v in values)
        {
            double batchStart = batchStarts.Where(start => start < reached).DefaultIfEmpty(0).Max();
            Assert.True(v >= batchStart - 1e-12, $"progress {v} after {reached}: back past its batch's start {batchStart}");
            reached = Math.Max(reached, v);
        }
    }

    private sealed class Recorder(System.Collections.Concurrent.ConcurrentQueue<double> values) : IProgress<double>
    {
        public void Report(double value) => values.Enqueue(value);
    }

    [Fact]
    public void SeparateStagesEqualTheCombinedRun()
    {
        string maps = WritePlanted(5, out _);
        string combined = TestPaths.NewTempDir(), staged = TestPaths.NewTempDir();
        using var backend = new CpuCooccurrenceBackend();
        BlockDetection.Run(Options(maps), combined, backend);
        BlockDetection.RunSketch(Options(maps), staged, backend);
        BlockDetection.RunExpand(staged, o => o, backend);
        Assert.Equal(File.ReadAllBytes(Path.Combine(combined, "02_expand", "blocks.json")), File.ReadAllBytes(Path.Combine(staged, "02_expand", "blocks.json")));
    }
}
