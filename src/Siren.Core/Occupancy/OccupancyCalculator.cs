using System.Globalization;
using System.Text;
using Siren.Core.Ensemble;
using Siren.Core.IO;
using Siren.Core.Mrc;

namespace Siren.Core.Occupancy;

/// <summary>How a raw Σ(mask × map) is scaled.</summary>
public enum OccupancyNormalization
{
    /// <summary>The sum itself (MAVEn without --refdir).</summary>
    None,

    /// <summary>Divided by Σ of the mask's reference map (MAVEn's --refdir): ~1 where the subunit is fully present.</summary>
    Reference,

    /// <summary>Divided by Σ mask (its voxel count when binary): 0–1 on binarized maps, as the paper normalizes blocks.</summary>
    PerVoxel,
}

public sealed record OccupancyOptions
{
    /// <summary>Binarize each map at its level first (occupied: value ≥ level, as MAVEn); null sums raw densities.</summary>
    public Thresholds? Thresholds { get; init; }

    /// <summary>Occupied: value &gt; level, as sketch and expand binarize (siren run measures its blocks so), not MAVEn's ≥.</summary>
    public bool StrictlyAbove { get; init; }

    public OccupancyNormalization Normalization { get; init; } = OccupancyNormalization.None;

    /// <summary>Folder of reference maps named as the masks without "Mask_" (prots1_chainA.mrc); needed for <see cref="OccupancyNormalization.Reference"/>.</summary>
    public string? RefDir { get; init; }

    /// <summary>Maps read and reduced at once; 0 uses every core.</summary>
    public int Parallelism { get; init; }

    /// <summary>Most maps read at once: reading is bound by the disk, so beyond this only memory grows (a box-64 map is 1 MB per reader).</summary>
    public const int MaxParallelism = 256;

    /// <summary>Refuses a --jobs out of 0 (one per core) … <see cref="MaxParallelism"/>.</summary>
    public static void RequireParallelism(int jobs)
    {
        if (jobs is < 0 or > MaxParallelism)
            throw new SirenException($"--jobs {jobs}: give 0 (one per core) up to {MaxParallelism} maps read at once. Fix: omit it.");
    }
}

/// <summary>
/// MAVEn's occupancy (calc_occupancy): for every map and mask Σ(mask × map), optionally on the
/// binarized map and normalized. Maps stream through in fixed-size batches read in parallel and emitted
/// in input order, so memory depends on the batch and the masks, never on the number of maps.
/// </summary>
public static class OccupancyCalculator
{
    /// <summary>Per-mask divisors for the chosen normalization (all 1 for none).</summary>
    public static double[] Divisors(IReadOnlyList<OccupancyMask> masks, OccupancyOptions options)
    {
        var divisors = new double[masks.Count];
        for (int k = 0; k < masks.Count; k++)
        {
            divisors[k] = options.Normalization switch
            {
                OccupancyNormalization.None => 1.0,
                OccupancyNormalization.PerVoxel => masks[k].Size > 0 ? masks[k].Size
                    : throw new SirenException($"mask '{masks[k].Name}' is empty, so --per-voxel cannot divide by its size. Fix: remove that mask."),
                OccupancyNormalization.Reference => ReferenceSum(masks[k], options.RefDir),
                _ => throw new ArgumentOutOfRangeException(nameof(options)),
            };
        }
        return divisors;
    }

    private static double ReferenceSum(OccupancyMask mask, string? refdir)
    {
        if (refdir is null) throw new SirenException("reference normalization needs --refdir. Fix: pass the folder of reference maps.");
        if (!Directory.Exists(refdir))
            throw new SirenException($"--refdir '{refdir}' is {(File.Exists(refdir) ? "a file" : "not a folder that exists")}. Fix: pass the folder of reference maps (MAVEn's prots1_chainA.mrc, …).");
        string path = Path.Combine(refdir, mask.ReferenceName + ".mrc");
        if (!File.Exists(path))
            throw new SirenException($"no reference map '{path}' for mask '{mask.Name}'. Fix: name references as the masks without 'Mask_' (Mask_prots1_chainA.mrc ↔ prots1_chainA.mrc).");
        MrcVolume reference = MrcReader.Read(path);
        double sum = 0;
        foreach (float v in reference.Data) sum += v;
        if (sum == 0 || !double.IsFinite(sum))
            throw new SirenException($"reference map '{path}' sums to {sum}; cannot normalize by it. Fix: regenerate the reference density.");
        return sum;
    }

    /// <summary>Σ(mask × map) for every mask, on the binarized map when <paramref name="level"/> is given, divided by <paramref name="divisors"/>.</summary>
    public static void Measure(ReadOnlySpan<float> map, IReadOnlyList<OccupancyMask> masks, double? level, double[] divisors, Span<double> result,
        bool strictlyAbove = false)
    {
        for (int k = 0; k < masks.Count; k++)
        {
            int[] voxels = masks[k].Voxels;
            float[] weights = masks[k].Weights;
            double sum = 0;
            if (level is double t)
            {
                // Whether a voxel is occupied is close to a coin flip at block edges, so the select is written
                // branch-free (the JIT emits a conditional move) and compared in float against the least float
                // ≥ t (or > t), which decides exactly as (double)x ≥ t (or > t) would.
                float tf = strictlyAbove ? FloatLevel.LeastAbove(t) : FloatLevel.LeastAtLeast(t);
                double s0 = 0, s1 = 0;
                int i = 0;
                for (; i + 1 < voxels.Length; i += 2)
                {
                    s0 += map[voxels[i]] >= tf ? weights[i] : 0f;
                    s1 += map[voxels[i + 1]] >= tf ? weights[i + 1] : 0f;
                }
                if (i < voxels.Length) s0 += map[voxels[i]] >= tf ? weights[i] : 0f;
                sum = s0 + s1;
            }
            else
            {
                for (int i = 0; i < voxels.Length; i++) sum += (double)weights[i] * map[voxels[i]];
            }
            result[k] = sum / divisors[k];
        }
    }

    /// <summary>
    /// Maps on different grids (one ensemble's maps with another's), or masks of the same box but another
    /// voxel size (MAVEn's references at 6.55 Å against maps at 4 Å), would be measured over the wrong
    /// density without any error.
    /// </summary>
    private static void RequireMasksOnTheMapsGrid(IReadOnlyList<VolumeFile> maps, IReadOnlyList<OccupancyMask> masks)
    {
        if (maps.Count == 0) return;
        Vec3 map = VolumeFolder.RequireOneGrid(maps).VoxelSize;
        if (masks.All(m => m.VoxelSize is null)) return;
        if (!VoxelSizes.IsSize(map)) return;
        foreach (OccupancyMask m in masks)
            if (m.VoxelSize is float size && !VoxelSizes.Same(size, map.X))
                throw new SirenException($"mask '{m.Name}' has voxels of {size:G4} Å but the map '{Path.GetFileName(maps[0].Path)}' of {map.X:G4} Å. Fix: use masks or blocks made on these maps' grid (same box and voxel size), resample them, or correct the header whose voxel size is wrong (cryoDRGN writes 1 Å unless told).");
    }

    /// <summary>
    /// Streams every map through every mask and hands each map's row to <paramref name="onRow"/> in
    /// the order of <paramref name="maps"/>. Returns the number of maps measured.
    /// </summary>
    public static int Compute(IReadOnlyList<VolumeFile> maps, IReadOnlyList<OccupancyMask> masks, OccupancyOptions options,
        Action<VolumeFile, double[]> onRow, IProgress<double>? progress = null, CancellationToken cancel = default)
    {
        if (masks.Count == 0) throw new SirenException("no masks to measure. Fix: pass --blocks or --maskdir with at least one mask.");
        int box = masks[0].Box;
        foreach (OccupancyMask m in masks)
            if (m.Box != box)
                throw new SirenException($"mask '{m.Name}' has box {m.Box} but '{masks[0].Name}' has {box}. Fix: put all masks on the maps' grid.");
        RequireMasksOnTheMapsGrid(maps, masks);
        options.Thresholds?.RequireAll(maps);
        double[] divisors = Divisors(masks, options);

        int workers = options.Parallelism > 0 ? options.Parallelism : Environment.ProcessorCount;
        // A batch of a few maps per worker keeps every core busy while bounding memory to batch × map size.
        int batchSize = Math.Max(8, 4 * workers);
        var rows = new double[batchSize][];
        // One file buffer per worker in flight, reused across batches: no per-map allocation.
        var buffers = new System.Collections.Concurrent.ConcurrentBag<byte[]>();
        int done = 0;
        for (int start = 0; start < maps.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, maps.Count - start);
            MeasureBatch(maps, start, count, box, masks, options, divisors, workers, buffers, rows, cancel);
            for (int i = 0; i < count; i++) onRow(maps[start + i], rows[i]);
            done += count;
            progress?.Report((double)done / maps.Count);
        }
        return done;
    }

    /// <summary>Occupancy checks a thresholds CSV's recorded ranges on every so many maps (<see cref="Thresholds.RequirePredictedFor"/>).</summary>
    public const int PredictedForEvery = 64;

    private static void MeasureBatch(IReadOnlyList<VolumeFile> maps, int start, int count, int box, IReadOnlyList<OccupancyMask> masks,
        OccupancyOptions options, double[] divisors, int workers, System.Collections.Concurrent.ConcurrentBag<byte[]> buffers, double[][] rows,
        CancellationToken cancel)
    {
        SirenException.Unwrapped(() => Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancel }, i =>
        {
            VolumeFile file = maps[start + i];
            if (!buffers.TryTake(out byte[]? buffer)) buffer = [];
            ReadOnlySpan<float> map = MapStreamReader.Read(file.Path, box, ref buffer);
            // A NaN voxel binarizes as empty and turns a raw-density sum into NaN: neither may pass as an occupancy.
            Thresholding.MapNormalization.RequireFinite(map, $"'{file.Path}'");
            // One map in 64 is enough to catch levels predicted for another ensemble, and keeps the range
            // (about as costly as reading and measuring a map) out of the stream's cost.
            if ((start + i) % PredictedForEvery == 0) options.Thresholds?.RequirePredictedFor(file.MapId, map, box, file.Path);
            var row = new double[masks.Count];
            Measure(map, masks, options.Thresholds?.For(file.MapId), divisors, row, options.StrictlyAbove);
            rows[i] = row;
            buffers.Add(buffer);
        }));
    }

    /// <summary>Computes and writes occupancies.csv (vol_id, one column per mask), atomically; returns the map count.</summary>
    public static int WriteCsv(string path, IReadOnlyList<VolumeFile> maps, IReadOnlyList<OccupancyMask> masks, OccupancyOptions options,
        IProgress<double>? progress = null)
    {
        int count = 0;
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
            writer.Write("vol_id");
            foreach (OccupancyMask m in masks) writer.Write("," + m.Name);
            writer.Write('\n');
            count = Compute(maps, masks, options, (file, row) =>
            {
                writer.Write(file.MapId.ToString(CultureInfo.InvariantCulture));
                foreach (double v in row)
                {
                    writer.Write(',');
                    writer.Write(v.ToString("R", CultureInfo.InvariantCulture));
                }
                writer.Write('\n');
            }, progress);
        });
        return count;
    }
}
