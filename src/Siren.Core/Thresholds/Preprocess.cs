using System.Globalization;
using System.Text;
using Siren.Core.Ensemble;
using Siren.Core.IO;
using Siren.Core.Mrc;

namespace Siren.Core.Thresholding;

/// <summary>What siren preprocess keeps of a map: the ranges that turn its normalized levels back into map units.</summary>
public sealed record MapRanges(int MapId, MapStats Stats, MapStats? RawStats);

/// <summary>One map made ready for the threshold model.</summary>
/// <param name="Normalized">The box-64 map on the model's scale (x fastest).</param>
/// <param name="Stats">Range of the box-64 (downsampled) map: denormalizes levels for that map.</param>
/// <param name="RawStats">Range of the map as given when it was not box 64 (the original's map_stats_raw.csv), else null.</param>
/// <param name="FullBox">The values of the map as given when it was cropped and they were asked for (<see cref="LevelScale.FullBox"/>), else null.</param>
public sealed record PreparedMap(int MapId, string SourcePath, float[] Normalized, MapStats Stats, MapStats? RawStats, Vec3 VoxelSize, float[]? FullBox = null);

/// <summary>
/// The original's <c>siren preprocess</c>: maps not at box 64 are Fourier-cropped to 64, every box-64
/// map is normalized (<see cref="MapNormalization"/>) and the ranges are written so predictions can be
/// turned back into map levels.
/// </summary>
/// <remarks>
/// Departures, on purpose: <c>vol_id</c> is the map id from the file name (vol_018.mrc → 18), the key every
/// other Siren.Native command uses, where the original wrote the row position; the normalized box-64 map
/// keeps the downsampled voxel size (the original stamped the full-box one); the labels file is
/// <c>normalized_labels.csv</c> (the original's <c>transformed_labels.csv</c>, same columns).
/// </remarks>
public static class Preprocess
{
    public const int ModelBox = 64;
    public const string NormalizedFolder = "normalized";
    public const string DownsampledFolder = "downsampled";
    public const string StatsDownsampledFile = "map_stats_downsampled.csv";
    public const string StatsRawFile = "map_stats_raw.csv";
    public const string LabelsFile = "normalized_labels.csv";

    /// <summary>Fourier-crops (when needed) and normalizes one map.</summary>
    /// <param name="keepFullBox">Keep a cropped map's own values (<see cref="PreparedMap.FullBox"/>), for levels that match its volume.</param>
    public static PreparedMap Prepare(MrcVolume volume, int mapId, string sourcePath, out MrcVolume? downsampled, bool keepFullBox = true)
    {
        if (!volume.IsCubic)
            throw new SirenException($"'{sourcePath}' is {volume.Nx}×{volume.Ny}×{volume.Nz}; the threshold model needs cubic maps. Fix: pad or resample it to a cube.");
        MapStats? raw = null;
        MrcVolume boxed = volume;
        downsampled = null;
        if (volume.Nx < ModelBox)
            throw new SirenException($"'{sourcePath}' is box {volume.Nx}; the threshold model reads box {ModelBox} and maps are only Fourier-cropped down, as in the original. Fix: resample the maps to box ≥ {ModelBox}, or give sketch a level yourself (--threshold).");
        if (volume.Nx != ModelBox)
        {
            downsampled = boxed = FourierCrop.Downsample(volume, ModelBox);
            raw = MapNormalization.Range(volume.Data, $"'{sourcePath}'");
        }
        var (normalized, stats) = MapNormalization.Normalize(boxed.Data, $"'{sourcePath}'");
        return new PreparedMap(mapId, sourcePath, normalized, stats, raw, boxed.VoxelSize, keepFullBox && raw is not null ? volume.Data : null);
    }

    /// <summary>
    /// Runs the command: writes OUT/normalized/*.mrc, OUT/normalized/downsampled/*.mrc (maps that were
    /// cropped), map_stats_downsampled.csv, map_stats_raw.csv (when any map was cropped) and, with
    /// labels, normalized_labels.csv. Maps are read and written a chunk at a time; returns their ranges.
    /// </summary>
    public static IReadOnlyList<MapRanges> Run(string voldir, string outdir, string? labelsCsv = null,
        Action<string>? log = null, IProgress<double>? progress = null)
    {
        string normDir = AtomicFile.EnsureDirectory(Path.Combine(outdir, NormalizedFolder));
        string downDir = Path.Combine(normDir, DownsampledFolder);
        var reader = new PreparedMapReader(voldir, readPreprocessed: false, keepFullBox: false);
        var labels = labelsCsv is null ? null : ReadLabels(labelsCsv, reader.Files);
        var maps = new List<MapRanges>(reader.Files.Count);
        foreach (var chunk in reader.Chunks(prepared: (file, prepared, downsampled) =>
        {
            string name = Path.GetFileName(file.Path);
            if (downsampled is not null)
            {
                MrcWriter.Write(Path.Combine(downDir, name), downsampled);
                log?.Invoke($"downsampled {name} to box {ModelBox} ({downsampled.VoxelSize.X:0.###} Å/px)");
            }
            MrcWriter.Write(Path.Combine(normDir, name), new MrcVolume(ModelBox, ModelBox, ModelBox, prepared.Normalized, prepared.VoxelSize, new Vec3(0, 0, 0)));
        }))
        {
            maps.AddRange(chunk.Select(m => new MapRanges(m.MapId, m.Stats, m.RawStats)));
            progress?.Report((double)maps.Count / reader.Files.Count);
        }

        WriteStats(Path.Combine(normDir, StatsDownsampledFile), maps.Select(m => (m.MapId, m.Stats)));
        if (maps.Any(m => m.RawStats is not null))
        {
            // The original writes the raw table only for cropped maps; a mixed folder gets each map's own range.
            WriteStats(Path.Combine(normDir, StatsRawFile), maps.Select(m => (m.MapId, m.RawStats ?? m.Stats)));
        }
        if (labels is not null) WriteNormalizedLabels(labels, maps, Path.Combine(normDir, LabelsFile));
        return maps;
    }

    public static void WriteStats(string path, IEnumerable<(int MapId, MapStats Stats)> rows)
    {
        var sb = new StringBuilder("vol_id,vol_min,vol_max\n");
        foreach (var (id, s) in rows)
            sb.Append(CultureInfo.InvariantCulture, $"{id},{s.Min:R},{s.Max:R}\n");
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>Reads a stats CSV (ours or the original's, which adds an unnamed index column) keyed by vol_id.</summary>
    public static Dictionary<int, MapStats> ReadStats(string path)
    {
        var table = CsvTable.Read(path);
        int id = table.Column("vol_id"), min = table.Column("vol_min"), max = table.Column("vol_max");
        var stats = new Dictionary<int, MapStats>();
        foreach (var row in table.Rows)
            stats[ParseId(row[id], path)] = new MapStats(ParseNumber(row[min], path), ParseNumber(row[max], path));
        return stats;
    }

    /// <summary>Reads a labels CSV with columns vol_id and contour_level (map units).</summary>
    public static Dictionary<int, double> ReadLabels(string path)
    {
        var table = CsvTable.Read(path);
        int id = table.Column("vol_id"), level = table.Column("contour_level");
        var labels = new Dictionary<int, double>();
        foreach (var row in table.Rows)
            labels[ParseId(row[id], path)] = ParseNumber(row[level], path);
        return labels;
    }

    /// <summary>Reads a labels CSV and checks that every labelled map is one of <paramref name="maps"/>.</summary>
    public static Dictionary<int, double> ReadLabels(string path, IReadOnlyList<VolumeFile> maps)
    {
        var labels = ReadLabels(path);
        var ids = maps.Select(m => m.MapId).ToHashSet();
        var absent = labels.Keys.Where(id => !ids.Contains(id)).Order().ToList();
        if (absent.Count > 0)
            throw new SirenException($"'{path}' labels {absent.Count} map(s) that are not in the map folder (first: map {absent[0]}). Fix: label only maps of --voldir (vol_id = number after the last '_').");
        return labels;
    }

    private static void WriteNormalizedLabels(Dictionary<int, double> labels, IReadOnlyList<MapRanges> maps, string path)
    {
        var byId = maps.ToDictionary(m => m.MapId);
        var sb = new StringBuilder("vol_id,contour_level,normalized_label,vol_min,vol_max\n");
        foreach (var (id, level) in labels.OrderBy(kv => kv.Key))
        {
            MapStats stats = byId[id].Stats;
            sb.Append(CultureInfo.InvariantCulture, $"{id},{level:R},{stats.Normalize(level):R},{stats.Min:R},{stats.Max:R}\n");
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    internal static int ParseId(string text, string path)
    {
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int id)) return id;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d == Math.Floor(d)) return (int)d;
        throw new SirenException($"'{path}': vol_id '{text}' is not an integer. Fix: vol_id is the map number (vol_007.mrc → 7).");
    }

    internal static double ParseNumber(string text, string path) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            ? v
            : throw new SirenException($"'{path}': '{text}' is not a finite number. Fix: correct that row.");
}
