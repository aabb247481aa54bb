using System.Diagnostics;
using Siren.Core.Blocks;
using Siren.Core.Ensemble;
using Siren.Core.IO;
using Siren.Core.Kernels;
using Siren.Core.Simulation;

namespace Siren.Core.Benchmarking;

/// <summary>One measured sketch+expand run.</summary>
public sealed record ScalingRow(
    int Box, int Maps, int UnionVoxels, int Sampled, int SeedBlocks, int Blocks,
    long SketchPairs, long ExpandPairs, int WordsPerRow,
    double ReadSeconds, double SketchSeconds, double ExpandSeconds, double TotalSeconds,
    double SketchKernelSeconds, double ExpandKernelSeconds, string Backend, long PopcountedPairs)
{
    /// <summary>Pairs the method tests: C(n, 2) in sketch plus N·Σ|seed| in expand.</summary>
    public long Pairs => SketchPairs + ExpandPairs;
    public double KernelSeconds => SketchKernelSeconds + ExpandKernelSeconds;

    /// <summary>Tested pairs decided per second, pruned ones included: the method's throughput.</summary>
    public double PairsPerSecond => Pairs / Math.Max(1e-9, KernelSeconds);

    /// <summary>64-bit word popcounts executed per second (padded words included, as the kernel processes them).</summary>
    public double PopcountsPerSecond => (double)PopcountedPairs * WordsPerRow / Math.Max(1e-9, KernelSeconds);

    /// <summary>Share of tested pairs that needed a popcount (the rest lie outside the partner hull).</summary>
    public double PopcountedShare => (double)PopcountedPairs / Math.Max(1, Pairs);
}

/// <summary>
/// `siren bench`: end-to-end sketch+expand (reading and binarizing the maps included) on
/// <see cref="BenchmarkEnsemble"/> at several boxes, the best of a few repeats per size.
/// </summary>
public static class ScalingBenchmark
{
    /// <summary>The smallest box: the workload's subunits are 0.08·box in radius, so below 16 they cover a voxel or none.</summary>
    public const int MinBox = 16;

    /// <summary>
    /// Checks a whole run before any of it: box sizes, maps and repeats in range, and the maps still to be
    /// written fitting the disk of <paramref name="workdir"/> (created here), and the largest box's maps being written fitting memory.
    /// </summary>
    public static void Validate(string workdir, IReadOnlyList<int> boxes, int maps, int repeats, ulong seed)
    {
        if (boxes.Count == 0) throw new SirenException("--boxes names no box size. Fix: pass comma-separated box sizes, e.g. --boxes 64,96,128.");
        foreach (int box in boxes)
            if (box is < MinBox or > GridSpec.MaxBox)
                throw new SirenException($"--boxes {box}: box sizes must lie between {MinBox} and {GridSpec.MaxBox}. Fix: e.g. --boxes 64,96,128.");
        if (maps < 2) throw new SirenException($"--maps {maps}: co-occupancy needs at least two maps. Fix: pass --maps 2 or more (500 by default).");
        if (repeats < 1) throw new SirenException($"--repeats {repeats}: each box needs at least one run. Fix: pass --repeats 1 or more (the fastest run is reported).");
        string dir = AtomicFile.EnsureDirectory(workdir, "--workdir");
        double bytes = boxes.Distinct().Where(b => !HasMaps(MapsFolder(dir, b, maps, seed), maps)).Sum(b => (double)maps * ResourceBudget.MapFileBytes(b));
        ResourceBudget.RequireDisk(dir, bytes, $"bench: {maps} maps per box size", "lower --boxes or --maps, or point --workdir at a larger disk");
        // Every core writes a map of its own, and detection holds the binarized ensemble besides.
        int largest = boxes.Max();
        ResourceBudget.RequireMemory((Environment.ProcessorCount + 1.0) * largest * largest * largest * sizeof(float),
            $"bench: {Environment.ProcessorCount + 1} maps of {largest}³", "lower --boxes");
    }

    public static ScalingRow Measure(string workdir, int box, int maps, ICooccurrenceBackend backend, int repeats, ulong seed, Action<string>? log = null)
    {
        Validate(workdir, [box], maps, repeats, seed);
        string voldir = MapsFolder(workdir, box, maps, seed);
        bool reused = HasMaps(voldir, maps);
        if (!reused)
        {
            log?.Invoke($"bench: writing {maps} maps of {box}³ to {voldir}");
            BenchmarkEnsemble.Write(voldir, box, maps, seed);
        }
        var options = new DetectionOptions { VolDir = voldir, Thresholds = Thresholds.Constant(BenchmarkEnsemble.Threshold), Seed = seed };
        ScalingRow? best = null;
        for (int r = 0; r < repeats; r++)
        {
            string outdir = Path.Combine(workdir, $"out_{box}_{maps}");
            long before = backend is CpuCooccurrenceBackend cpuBefore ? cpuBefore.PopcountedPairs : 0;
            var sw = Stopwatch.StartNew();
            DetectionResult result;
            try
            {
                result = BlockDetection.Run(options, outdir, backend);
            }
            catch (SirenException e) when (reused)
            {
                // The map's own advice (re-export it) does not fit a map bench generated: it can write it again.
                string problem = e.Message.Split(" Fix:")[0];
                throw new SirenException($"bench's ensemble from an earlier run is damaged: {problem} Fix: delete '{voldir}'; bench writes it anew.", e);
            }
            double total = sw.Elapsed.TotalSeconds;
            var occ = result.Ensemble.Occupancy;
            int sampled = (int)result.Sketch.Results["sampled_voxels"]!;
            double Sum(StageResult s) => s.Seconds.Where(kv => kv.Key != "read_and_binarize").Sum(kv => (double)kv.Value!);
            double Kernel(StageResult s) => s.Seconds.Where(kv => kv.Key.EndsWith("pair_counts", StringComparison.Ordinal)).Sum(kv => (double)kv.Value!);
            var row = new ScalingRow(box, occ.Maps, occ.Rows, sampled, result.Sketch.Blocks.Blocks.Count, result.Expand.Blocks.Blocks.Count,
                (long)sampled * (sampled - 1) / 2, (long)occ.Rows * result.Sketch.Blocks.Blocks.Sum(b => (long)b.Voxels.Length), occ.WordsPerRow,
                (double)result.Sketch.Seconds["read_and_binarize"]!, Sum(result.Sketch), Sum(result.Expand), total,
                Kernel(result.Sketch), Kernel(result.Expand), result.Backend, 0);
            row = row with { PopcountedPairs = backend is CpuCooccurrenceBackend cpu ? cpu.PopcountedPairs - before : row.Pairs };
            log?.Invoke($"bench: {box}³ × {maps}: run {r + 1}/{repeats} {total:F2} s");
            if (best is null || row.TotalSeconds < best.TotalSeconds) best = row;
        }
        return best!;
    }

    /// <summary>Named by everything the maps depend on, so another --seed never reuses this one's maps.</summary>
    private static string MapsFolder(string workdir, int box, int maps, ulong seed) => Path.Combine(workdir, $"maps_{box}_{maps}_seed{seed}");

    /// <summary>Maps a previous run left are reused when the folder holds exactly the ensemble.</summary>
    private static bool HasMaps(string voldir, int maps) => Directory.Exists(voldir) && Directory.GetFiles(voldir, "*.mrc").Length == maps;
}
