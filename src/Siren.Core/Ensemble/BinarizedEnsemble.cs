using System.Globalization;
using System.Numerics;
using Siren.Core.Mrc;

namespace Siren.Core.Ensemble;

/// <summary>A map left out of the analysis and why (threshold outlier, nothing occupied).</summary>
public sealed record DroppedMap(VolumeFile Map, string Reason);

/// <summary>
/// The ensemble after binarization: kept maps, the union voxels (occupied in more than V/100 of the V
/// kept maps, the original's solvent cut) and their bit-packed occupancy.
/// </summary>
public sealed class BinarizedEnsemble
{
    internal BinarizedEnsemble(IReadOnlyList<VolumeFile> all, IReadOnlyList<VolumeFile> kept, IReadOnlyList<DroppedMap> dropped,
        int box, Vec3 voxelSize, Vec3 origin, OccupancyMatrix occupancy)
    {
        AllMaps = all; Kept = kept; Dropped = dropped; Box = box; VoxelSize = voxelSize; Origin = origin; Occupancy = occupancy;
    }

    public IReadOnlyList<VolumeFile> AllMaps { get; }
    public IReadOnlyList<VolumeFile> Kept { get; }
    public IReadOnlyList<DroppedMap> Dropped { get; }
    public int Box { get; }
    public Vec3 VoxelSize { get; }
    public Vec3 Origin { get; }
    public OccupancyMatrix Occupancy { get; }

    /// <summary>Maps with no voxel above their threshold named one per line; the rest are counted in one line.</summary>
    private const int EmptyMapsNamed = 5;

    /// <summary>
    /// Reads, checks and binarizes every map (occupied: value &gt; threshold), in parallel, holding
    /// one bit per voxel per map rather than the float maps.
    /// </summary>
    /// <param name="filter">Drop maps whose threshold lies outside mean ± 2σ (population σ), as the original's --filter.</param>
    /// <param name="log">Receives one line per warning or dropped map.</param>
    public static BinarizedEnsemble Load(string voldir, Thresholds thresholds, bool filter, Action<string>? log = null, IProgress<double>? progress = null)
    {
        IReadOnlyList<VolumeFile> all = VolumeFolder.List(voldir);
        thresholds.RequireAll(all);
        var dropped = new List<DroppedMap>();
        List<VolumeFile> candidates = filter ? FilterOutliers(all, thresholds, dropped, log) : all.ToList();

        MrcHeader first = VolumeFolder.RequireOneGrid(candidates);
        var (box, _, _) = first.CanonicalDims;

        long voxelCount = (long)box * box * box;
        int mapWords = (int)((voxelCount + 63) / 64);
        var mapBits = new ulong[candidates.Count][];
        var occupied = new long[candidates.Count];
        Vec3 voxelSize = first.VoxelSize, origin = first.Origin;
        int done = 0;
        SirenException.Unwrapped(() => Parallel.For(0, candidates.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, m =>
        {
            VolumeFile f = candidates[m];
            MrcVolume vol = MrcReader.Read(f.Path);
            // The original compares the float32 map with its float64 threshold; so does this, in float.
            float level = FloatLevel.GreatestAtMost(thresholds.For(f.MapId));
            var bits = new ulong[mapWords];
            long count = 0;
            float[] data = vol.Data;
            for (int i = 0; i < data.Length; i++)
            {
                float x = data[i];
                // An infinite voxel would be occupied in every map at any level and join every block.
                if (!float.IsFinite(x)) Thresholding.MapNormalization.RequireFinite(data, $"'{f.Path}'");
                if (x > level) { bits[i >> 6] |= 1UL << (i & 63); count++; }
            }
            thresholds.RequirePredictedFor(f.MapId, data, vol.Nx, f.Path); // after the loop above found every voxel finite
            mapBits[m] = bits;
            occupied[m] = count;
            progress?.Report((double)Interlocked.Increment(ref done) / candidates.Count);
        }));

        var kept = new List<VolumeFile>();
        var keptBits = new List<ulong[]>();
        int empty = 0;
        for (int m = 0; m < candidates.Count; m++)
        {
            if (occupied[m] == 0)
            {
                string reason = $"no voxel above its threshold {thresholds.For(candidates[m].MapId).ToString("G6", CultureInfo.InvariantCulture)}";
                dropped.Add(new DroppedMap(candidates[m], reason));
                if (++empty <= EmptyMapsNamed) log?.Invoke($"warning: dropping '{Path.GetFileName(candidates[m].Path)}': {reason}");
                continue;
            }
            kept.Add(candidates[m]);
            keptBits.Add(mapBits[m]);
        }
        if (empty > EmptyMapsNamed)
            log?.Invoke($"warning: dropping {empty - EmptyMapsNamed} more maps with no voxel above their thresholds" +
                        (kept.Count > 0 ? $" (all {empty} are listed under dropped_maps in the manifest)" : ""));
        // A molecule at its contour fills a fraction of its box; a level below the solvent occupies most of it,
        // which puts the solvent in the union (and the pair counts grow with its square): almost always a
        // threshold in other units than the map's, or another map's.
        string[] filled = Enumerable.Range(0, candidates.Count).Where(m => occupied[m] * 2 > voxelCount)
            .Select(m => string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(candidates[m].Path)}: {100.0 * occupied[m] / voxelCount:F0} %")).ToArray();
        if (filled.Length > 0)
            log?.Invoke($"warning: more than half the voxels of {filled.Length} map(s) are above their threshold ({string.Join(", ", filled.Take(EmptyMapsNamed))}{(filled.Length > EmptyMapsNamed ? ", …" : "")}): unless the molecule fills its box, the level is below the solvent, which then joins the union. Fix: check those maps' thresholds, or drop outliers with --filter.");
        if (kept.Count == 0)
            throw new SirenException($"no map in '{voldir}' has any voxel above its threshold. Fix: check the thresholds (--threshold/--thresholds) against the maps' values.");
        if (kept.Count == 1)
            throw new SirenException($"only one map ('{Path.GetFileName(kept[0].Path)}') is left to analyse in '{voldir}': co-occupancy needs an ensemble (SIREn's are hundreds of maps). Fix: pass a folder of the ensemble's maps{(dropped.Count > 0 ? $"; {dropped.Count} other(s) were dropped, see the warnings" : "")}.");

        OccupancyMatrix occupancy = Transpose(keptBits, box, mapWords);
        return new BinarizedEnsemble(all, kept, dropped, box, voxelSize, origin, occupancy);
    }

    private static List<VolumeFile> FilterOutliers(IReadOnlyList<VolumeFile> all, Thresholds thresholds, List<DroppedMap> dropped, Action<string>? log)
    {
        if (!thresholds.IsPerMap)
        {
            log?.Invoke("warning: --filter has no effect with a single --threshold; pass per-map --thresholds to filter outliers.");
            return all.ToList();
        }
        double[] levels = all.Select(f => thresholds.For(f.MapId)).ToArray();
        double mean = levels.Average();
        double sd = Math.Sqrt(levels.Select(l => (l - mean) * (l - mean)).Average());
        var kept = new List<VolumeFile>();
        for (int i = 0; i < all.Count; i++)
        {
            if (Math.Abs(levels[i] - mean) <= 2 * sd) { kept.Add(all[i]); continue; }
            string reason = $"threshold {levels[i].ToString("G6", CultureInfo.InvariantCulture)} outside mean ± 2σ ({(mean - 2 * sd).ToString("G6", CultureInfo.InvariantCulture)} … {(mean + 2 * sd).ToString("G6", CultureInfo.InvariantCulture)})";
            dropped.Add(new DroppedMap(all[i], reason));
            log?.Invoke($"filter: dropping '{Path.GetFileName(all[i].Path)}': {reason}");
        }
        if (kept.Count == 0) throw new SirenException("--filter dropped every map. Fix: check the thresholds CSV.");
        return kept;
    }

    /// <summary>
    /// Counts occupancy per voxel, keeps voxels occupied in more than V/100 maps and packs them voxel-major.
    /// Work is split by voxel ranges so that threads never write the same row.
    /// </summary>
    private static OccupancyMatrix Transpose(List<ulong[]> maps, int box, int mapWords)
    {
        int v = maps.Count;
        long voxelCount = (long)box * box * box;
        var counts = new int[voxelCount];
        Parallel.For(0, mapWords, w =>
        {
            foreach (ulong[] bits in maps)
            {
                ulong word = bits[w];
                while (word != 0)
                {
                    counts[w * 64 + BitOperations.TrailingZeroCount(word)]++;
                    word &= word - 1;
                }
            }
        });

        var union = new List<int>();
        for (int i = 0; i < voxelCount; i++)
            if (counts[i] * 100L > v) union.Add(i);
        int[] voxels = union.ToArray();
        int words = OccupancyMatrix.PaddedWords(v);
        var rows = new ulong[(long)voxels.Length * words];
        Parallel.For(0, (voxels.Length + 255) / 256, chunk =>
        {
            int start = chunk * 256, end = Math.Min(voxels.Length, start + 256);
            for (int m = 0; m < v; m++)
            {
                ulong[] bits = maps[m];
                ulong mapBit = 1UL << (m & 63);
                int mapWord = m >> 6;
                for (int r = start; r < end; r++)
                {
                    int vox = voxels[r];
                    if ((bits[vox >> 6] >> (vox & 63) & 1) != 0) rows[(long)r * words + mapWord] |= mapBit;
                }
            }
        });
        return new OccupancyMatrix(v, box, voxels, rows);
    }
}
