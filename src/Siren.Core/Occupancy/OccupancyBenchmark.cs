using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using Siren.Core.Blocks;
using Siren.Core.Ensemble;
using Siren.Core.Mrc;
using Siren.Core.Simulation;

namespace Siren.Core.Occupancy;

public sealed record OccupancyBenchmarkResult(
    int DistinctMaps, int Maps, int Box, int Blocks, int Workers,
    double RawReadSeconds, double OccupancySeconds, long BytesPerMap)
{
    public double RawMapsPerSecond => Maps / RawReadSeconds;
    public double MapsPerSecond => Maps / OccupancySeconds;
    public double RawGigabytesPerSecond => Maps * (double)BytesPerMap / RawReadSeconds / 1e9;
    public double GigabytesPerSecond => Maps * (double)BytesPerMap / OccupancySeconds / 1e9;
}

/// <summary>
/// Occupancy throughput against the read rate of the same files. A 100k-map ensemble of 64³ float32
/// maps is 100 GB, more than a work disk holds, so the benchmark writes <c>distinct</c> maps once and
/// streams a list of <c>maps</c> paths that cycles through them: every map is a real file read, and the
/// raw-read baseline reads exactly the same list with the same parallelism into a buffer and does
/// nothing else. When the distinct set fits in RAM both run from the page cache, so the ratio measures
/// the occupancy overhead over a pure read; a cold disk is slower than both (measure it with
/// <c>dd iflag=direct</c>).
/// </summary>
public static class OccupancyBenchmark
{
    /// <summary>The smallest box: blocks are spheres of radius box/12, which below 8 voxels hold at most one voxel.</summary>
    public const int MinBox = 8;

    /// <summary>Ten million maps of 1 MB already stream for hours, and the list of them is held in memory.</summary>
    public const int MaxMaps = 10_000_000;

    /// <summary>SIREn finds tens of blocks; each one costs a scan of the box to build, so thousands measure nothing new.</summary>
    public const int MaxBlocks = 1000;

    public static OccupancyBenchmarkResult Run(string dir, int distinct, int maps, int box, int blocks, int workers, ulong seed,
        Action<string>? log = null)
    {
        if (distinct < 1) throw new SirenException($"--distinct {distinct}: the benchmark reads at least one map file. Fix: pass --distinct 1 or more (4000 by default).");
        if (maps is < 1 or > MaxMaps) throw new SirenException($"--maps {maps} is out of range. Fix: stream 1 to {MaxMaps} maps (100000 by default).");
        if (box is < MinBox or > GridSpec.MaxBox) throw new SirenException($"--box {box} is out of range. Fix: give a box from {MinBox} to {GridSpec.MaxBox} (64 by default).");
        if (blocks is < 1 or > MaxBlocks) throw new SirenException($"--blocks {blocks} is out of range. Fix: measure 1 to {MaxBlocks} blocks (20 by default).");
        OccupancyOptions.RequireParallelism(workers);
        workers = workers > 0 ? workers : Environment.ProcessorCount;
        // Each reader holds a whole map file in its buffer.
        IO.ResourceBudget.RequireMemory((double)workers * IO.ResourceBudget.MapFileBytes(box), $"bench-occupancy: {workers} readers' buffers of {box}³ maps", "lower --jobs or --box");
        var files = Generate(dir, distinct, box, seed, log);
        var list = Enumerable.Range(0, maps).Select(i => new VolumeFile(files[i % distinct], i)).ToList();
        var masks = SphereBlocks(box, blocks, seed);
        long bytesPerMap = new FileInfo(files[0]).Length;

        // Warm pass: both timed passes then see the same page-cache state.
        RawRead(files.Select((f, i) => new VolumeFile(f, i)).ToList(), box, workers);
        log?.Invoke($"bench-occupancy: {maps} maps cycling over {distinct} files of {bytesPerMap / 1e6:F2} MB, {blocks} blocks, {workers} workers");
        var sw = Stopwatch.StartNew();
        RawRead(list, box, workers);
        double raw = sw.Elapsed.TotalSeconds;

        var options = new OccupancyOptions { Thresholds = Thresholds.Constant(0.5), Normalization = OccupancyNormalization.PerVoxel, Parallelism = workers };
        double checksum = 0;
        sw.Restart();
        OccupancyCalculator.Compute(list, masks, options, (_, row) => checksum += row[0]);
        double occ = sw.Elapsed.TotalSeconds;
        if (!double.IsFinite(checksum)) throw new InvalidOperationException("occupancy checksum is not finite");
        return new OccupancyBenchmarkResult(distinct, maps, box, blocks, workers, raw, occ, bytesPerMap);
    }

    /// <summary>Reads every file of the list into a reused buffer with the occupancy pass's parallelism and batching.</summary>
    public static void RawRead(IReadOnlyList<VolumeFile> list, int box, int workers)
    {
        int batch = Math.Max(8, 4 * workers);
        var buffers = new System.Collections.Concurrent.ConcurrentBag<byte[]>();
        for (int start = 0; start < list.Count; start += batch)
        {
            int count = Math.Min(batch, list.Count - start);
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = workers }, i =>
            {
                if (!buffers.TryTake(out byte[]? buffer)) buffer = new byte[MrcHeader.Size + (long)box * box * box * sizeof(float)];
                using SafeFileHandle h = File.OpenHandle(list[start + i].Path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
                long offset = 0;
                int n;
                while ((n = RandomAccess.Read(h, buffer.AsSpan((int)offset), offset)) > 0 && offset + n < buffer.Length) offset += n;
                buffers.Add(buffer);
            });
        }
    }

    /// <summary>Writes the distinct maps once (smooth random density), reusing them when a previous run left them.</summary>
    private static List<string> Generate(string dir, int distinct, int box, ulong seed, Action<string>? log)
    {
        IO.AtomicFile.EnsureDirectory(dir, "--dir");
        var files = Enumerable.Range(0, distinct).Select(i => Path.Combine(dir, $"vol_{i:D6}.mrc")).ToList();
        int missing = files.Count(f => !File.Exists(f) || MrcReader.ReadHeader(f).Columns != box);
        if (missing == 0) return files;
        IO.ResourceBudget.RequireDisk(dir, (double)missing * IO.ResourceBudget.MapFileBytes(box), $"bench-occupancy: {missing} maps of {box}³", "lower --distinct or --box, or point --dir at a larger disk");
        log?.Invoke($"bench-occupancy: writing {missing} maps of {box}³ to {dir}");
        SirenException.Unwrapped(() => Parallel.For(0, distinct, i =>
        {
            if (File.Exists(files[i]) && MrcReader.ReadHeader(files[i]).Columns == box) return;
            var rng = new Random(unchecked((int)seed) * 7919 + i);
            var v = MrcVolume.Zeros(box, Vec3.All(6.55f), Vec3.All(0f));
            for (int k = 0; k < v.Data.Length; k++) v.Data[k] = (float)rng.NextDouble();
            MrcWriter.Write(files[i], v);
        }));
        return files;
    }

    /// <summary>Spherical blocks of radius box/12 at seeded random centres: roughly the size of SIREn's protein blocks.</summary>
    public static IReadOnlyList<OccupancyMask> SphereBlocks(int box, int blocks, ulong seed)
    {
        var rng = new Random(unchecked((int)seed) + 17);
        double radius = box / 12.0;
        var result = new List<OccupancyMask>();
        for (int b = 0; b < blocks; b++)
        {
            double cx = rng.Next((int)radius, box - (int)radius), cy = rng.Next((int)radius, box - (int)radius), cz = rng.Next((int)radius, box - (int)radius);
            var voxels = new List<int>();
            for (int z = 0; z < box; z++)
                for (int y = 0; y < box; y++)
                    for (int x = 0; x < box; x++)
                        if ((x - cx) * (x - cx) + (y - cy) * (y - cy) + (z - cz) * (z - cz) <= radius * radius)
                            voxels.Add(z * box * box + y * box + x);
            result.Add(OccupancyMask.FromBlock(new Block(b, voxels.ToArray()), box));
        }
        return result;
    }
}
