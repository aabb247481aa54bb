using Siren.Core.Ensemble;
using Siren.Core.Mrc;

namespace Siren.Core.Thresholding;

/// <summary>
/// A folder of maps (or one map) made ready for the threshold model, a chunk at a time: raw maps of any box are
/// Fourier-cropped and normalized as they are read; a folder written by <c>siren preprocess</c>
/// (normalized box-64 maps beside map_stats_downsampled.csv) is read as it is.
/// </summary>
/// <remarks>
/// Chunks keep memory flat: the ensembles that need thresholds reach one map per particle (~100,000 maps,
/// 100 GB as normalized box-64 floats), and a raw map of box 320 alone is 130 MB. A chunk of raw maps is
/// sized so that their full-box values fit in half of <see cref="FullBoxBudget"/>: the chunk being read and
/// the one its consumer still holds are alive together when full-box values are kept, and the maps of a
/// chunk are prepared in parallel, each with its crop's work arrays, whether they are kept or not.
/// </remarks>
public sealed class PreparedMapReader
{
    public const int DefaultChunk = 64;
    public const long FullBoxBudget = 1L << 30;

    private readonly Dictionary<int, MapStats>? _stats;
    private readonly Dictionary<int, MapStats>? _rawStats;
    private readonly long _fullBoxBudget;
    private readonly long[] _voxels;
    private readonly bool _readPreprocessed;

    /// <param name="voldir">A folder of maps, or one .mrc file.</param>
    /// <param name="rawLevels">For a preprocessed folder: also read map_stats_raw.csv, so levels apply to the full-box maps.</param>
    /// <param name="include">Which map ids to read (default: all).</param>
    /// <param name="readPreprocessed">False: normalize every map, even in a folder siren preprocess wrote.</param>
    /// <param name="keepFullBox">Keep each cropped map's own values (<see cref="PreparedMap.FullBox"/>), which <see cref="LevelScale.FullBox"/> levels need.</param>
    /// <param name="fullBoxBudget">Bytes of full-box values two consecutive chunks may hold together (raw maps' chunks are sized by it).</param>
    public PreparedMapReader(string voldir, bool rawLevels = true, Func<int, bool>? include = null, bool readPreprocessed = true, bool keepFullBox = true,
        long fullBoxBudget = FullBoxBudget)
    {
        Folder = voldir;
        KeepFullBox = keepFullBox;
        _readPreprocessed = readPreprocessed;
        _fullBoxBudget = fullBoxBudget;
        Files = VolumeFolder.ListOrSingle(voldir).Where(f => include?.Invoke(f.MapId) ?? true).ToList();
        StatsPath = Path.Combine(voldir, Preprocess.StatsDownsampledFile);
        // Without its stats a preprocessed folder's normalized maps would pass for raw ones, and levels come out in normalized units.
        if (readPreprocessed && !File.Exists(StatsPath) && File.Exists(Path.Combine(voldir, Preprocess.StatsRawFile)))
            throw new SirenException($"'{voldir}' holds {Preprocess.StatsRawFile} but not {Preprocess.StatsDownsampledFile}, which siren preprocess writes beside it; " +
                "its maps are normalized, and levels need their range. Fix: rerun siren preprocess on the raw maps, or pass the raw maps' folder.");
        if (!readPreprocessed || !File.Exists(StatsPath))
            StatsPath = null;
        else
        {
            _stats = Preprocess.ReadStats(StatsPath);
            string rawPath = Path.Combine(voldir, Preprocess.StatsRawFile);
            if (rawLevels && File.Exists(rawPath))
            {
                _rawStats = Preprocess.ReadStats(rawPath);
                StatsPath = rawPath;
            }
        }
        _voxels = Files.Select(CheckedVoxels).ToArray();
    }

    /// <summary>
    /// Every map's header is checked before any is read, so a truncated, non-cubic or too small map at the
    /// end of a long folder stops the run before hours of work, not after; returns the map's voxel count.
    /// </summary>
    private long CheckedVoxels(VolumeFile file)
    {
        var (nx, ny, nz) = MrcReader.ReadCheckedHeader(file.Path).CanonicalDims;
        if (IsPreprocessed)
            RequireNormalizedBox(file, nx, ny, nz);
        else
            Preprocess.RequireModelShape(file.Path, nx, ny, nz);
        return (long)nx * ny * nz;
    }

    public string Folder { get; }
    public IReadOnlyList<VolumeFile> Files { get; }

    /// <summary>The stats CSV that levels will be denormalized with, when the folder is preprocessed; else null.</summary>
    public string? StatsPath { get; }

    public bool IsPreprocessed => _stats is not null;

    /// <summary>
    /// Says when the folder is one siren preprocess wrote, and warns when <paramref name="levels"/> are full-box
    /// levels that, without the full-box maps, can only follow the original's linear rule.
    /// </summary>
    public void LogSource(LevelScale levels, Action<string>? log)
    {
        if (StatsPath is null) return;
        log?.Invoke($"'{Folder}' is a preprocessed folder; levels use {Path.GetFileName(StatsPath)}.");
        if (levels == LevelScale.FullBox && Path.GetFileName(StatsPath) == Preprocess.StatsRawFile)
            log?.Invoke(FullBoxLevels.LinearFallbackWarning);
    }

    public bool KeepFullBox { get; }

    /// <summary>
    /// The maps in folder order, <paramref name="chunkSize"/> at a time, each chunk prepared in parallel.
    /// <paramref name="prepared"/> sees each raw map's result and, when it was cropped, its box-64 map.
    /// </summary>
    public IEnumerable<IReadOnlyList<PreparedMap>> Chunks(int chunkSize = DefaultChunk, Action<VolumeFile, PreparedMap, MrcVolume?>? prepared = null)
    {
        if (chunkSize < 1) throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "at least one map per chunk");
        for (int start = 0; start < Files.Count;)
        {
            int count = ChunkLength(start, chunkSize);
            var chunk = new PreparedMap[count];
            SirenException.Unwrapped(() => Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                VolumeFile file = Files[start + i];
                MrcVolume volume = MrcReader.Read(file.Path);
                if (IsPreprocessed)
                {
                    chunk[i] = Normalized(file, volume);
                    return;
                }
                // Normalizing a normalized map again would cut away its lower half and lose its map units.
                if (MapNormalization.LooksNormalized(volume.Data))
                    throw new SirenException(_readPreprocessed
                        ? $"'{file.Path}' is already normalized (siren preprocess output: maximum 1, smallest density at -1), but '{Folder}' has no {Preprocess.StatsDownsampledFile} to turn its levels back into map units. Fix: pass the raw maps, or keep the stats CSV siren preprocess wrote beside them."
                        // siren preprocess starts from raw maps whether or not the stats CSV is there, so its absence is not the fault.
                        : $"'{file.Path}' is already normalized (siren preprocess output: maximum 1, smallest density at -1), and preprocess starts from raw maps. Fix: pass the raw maps as --voldir; predict-thresholds and fine-tune read a folder siren preprocess wrote as it is.");
                chunk[i] = Preprocess.Prepare(volume, file.MapId, file.Path, out MrcVolume? downsampled, KeepFullBox);
                prepared?.Invoke(file, chunk[i], downsampled);
            }));
            start += count;
            yield return chunk;
        }
    }

    /// <summary>Up to <paramref name="chunkSize"/> maps from <paramref name="start"/>, fewer when their full-box values
    /// (and a cropped map's box-64 values, <see cref="PreparedMap.Box64"/>) would exceed half the budget.</summary>
    private int ChunkLength(int start, int chunkSize)
    {
        const long box64 = (long)Preprocess.ModelBox * Preprocess.ModelBox * Preprocess.ModelBox;
        int count = Math.Min(chunkSize, Files.Count - start);
        if (IsPreprocessed) return count;
        long bytes = 0;
        for (int i = 0; i < count; i++)
        {
            long voxels = _voxels[start + i];
            bytes += (voxels == box64 ? voxels : voxels + box64) * sizeof(float);
            if (bytes > _fullBoxBudget / 2) return Math.Max(1, i);
        }
        return count;
    }

    /// <summary>Every map at once: for the few labelled maps of fine-tuning, or small folders.</summary>
    public IReadOnlyList<PreparedMap> ReadAll() => Chunks().SelectMany(c => c).ToList();

    private static void RequireNormalizedBox(VolumeFile file, int nx, int ny, int nz)
    {
        if (nx != Preprocess.ModelBox || ny != nx || nz != nx)
            throw new SirenException($"'{file.Path}' is {nx}×{ny}×{nz} in a preprocessed folder; normalized maps are 64³. Fix: pass the raw maps instead and let predict-thresholds preprocess them.");
    }

    private PreparedMap Normalized(VolumeFile file, MrcVolume volume)
    {
        RequireNormalizedBox(file, volume.Nx, volume.Ny, volume.Nz);
        MapNormalization.RequireFinite(volume.Data, $"'{file.Path}'");
        // A stats CSV beside raw maps (copied along, or left by an earlier run) would send raw densities to the model.
        var (min, max) = MapNormalization.Extremes(volume.Data);
        if (Math.Abs(max - 1f) > 1e-5f || min < -3f)
            throw new SirenException($"'{file.Path}' spans [{min:G4}, {max:G4}], so it is not a normalized map, yet '{Folder}' holds {Preprocess.StatsDownsampledFile}. Fix: remove that stray stats CSV to have the maps preprocessed, or pass the folder siren preprocess wrote.");
        if (!_stats!.TryGetValue(file.MapId, out MapStats stats))
            throw new SirenException($"'{Path.Combine(Folder, Preprocess.StatsDownsampledFile)}' has no row for map {file.MapId}. Fix: rerun siren preprocess on the raw maps.");
        MapStats? raw = null;
        if (_rawStats is not null)
            raw = _rawStats.TryGetValue(file.MapId, out MapStats r) ? r
                : throw new SirenException($"'{StatsPath}' has no row for map {file.MapId}. Fix: rerun siren preprocess on the raw maps, or pass --levels downsampled.");
        return new PreparedMap(file.MapId, file.Path, volume.Data, stats, raw, volume.VoxelSize);
    }
}
