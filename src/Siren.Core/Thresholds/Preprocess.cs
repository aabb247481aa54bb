using System.Globalization;
using System.Text;
using Siren.Core.Blocks;
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
/// <param name="Box64">The box-64 map in map units (the map itself, or its Fourier crop) when it was read from a raw map;
/// null in a folder siren preprocess wrote, which holds only the normalized maps. Normalization merges every voxel
/// ≤ 0 into one floor value, so only these values tell how much a level at or below the floor encloses.</param>
public sealed record PreparedMap(int MapId, string SourcePath, float[] Normalized, MapStats Stats, MapStats? RawStats, Vec3 VoxelSize,
    float[]? FullBox = null, float[]? Box64 = null);

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
    /// <summary>The command its manifest names: the mark of an OUT/normalized folder it may replace.</summary>
    public const string CommandName = "preprocess";
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
        RequireModelShape(sourcePath, volume.Nx, volume.Ny, volume.Nz);
        MapStats? raw = null;
        MrcVolume boxed = volume;
        downsampled = null;
        if (volume.Nx != ModelBox)
        {
            downsampled = boxed = FourierCrop.Downsample(volume, ModelBox);
            raw = MapNormalization.Range(volume.Data, $"'{sourcePath}'");
        }
        var (normalized, stats) = MapNormalization.Normalize(boxed.Data, $"'{sourcePath}'");
        return new PreparedMap(mapId, sourcePath, normalized, stats, raw, boxed.VoxelSize, keepFullBox && raw is not null ? volume.Data : null, boxed.Data);
    }

    /// <summary>The maps the model can read: cubic, box ≥ 64 (maps are only Fourier-cropped down, as in the original).</summary>
    public static void RequireModelShape(string path, int nx, int ny, int nz)
    {
        if (ny != nx || nz != nx)
            throw new SirenException($"'{path}' is {nx}×{ny}×{nz}; the threshold model needs cubic maps. Fix: pad or resample it to a cube.");
        if (nx < ModelBox)
            throw new SirenException($"'{path}' is box {nx}; the threshold model reads box {ModelBox} and maps are only Fourier-cropped down, as in the original. Fix: resample the maps to box ≥ {ModelBox}, or give sketch a level yourself (--threshold).");
    }

    /// <summary>
    /// Runs the command: writes OUT/normalized/*.mrc, OUT/normalized/downsampled/*.mrc (maps that were
    /// cropped), map_stats_downsampled.csv, map_stats_raw.csv (when any map was cropped) and, with
    /// labels, normalized_labels.csv. Maps are read and written a chunk at a time; returns their ranges.
    /// The folder is filled beside OUT/normalized and replaces it only when every map is done, so a bad
    /// map half-way leaves no normalized maps without their stats, and a rerun never mixes two runs' maps.
    /// Its manifest.json goes in before the folder takes its place, so the two always match.
    /// </summary>
    public static IReadOnlyList<MapRanges> Run(string voldir, string outdir, string? labelsCsv = null,
        Action<string>? log = null, IProgress<double>? progress = null)
    {
        string normalized = Path.GetFullPath(Path.Combine(outdir, NormalizedFolder));
        RequireReplaceable(voldir, normalized);
        var manifest = new RunManifest(CommandName)
            .Parameter("voldir", Path.GetFullPath(voldir))
            .Parameter("labels", labelsCsv is null ? null : Path.GetFullPath(labelsCsv));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var reader = new PreparedMapReader(voldir, readPreprocessed: false, keepFullBox: false);
        var labels = labelsCsv is null ? null : ReadLabels(labelsCsv, reader.Files);
        var maps = new List<MapRanges>(reader.Files.Count);
        var written = new List<string>();
        AtomicFile.WriteDirectory(normalized, normDir =>
        {
            string downDir = Path.Combine(normDir, DownsampledFolder);
            foreach (var chunk in reader.Chunks(prepared: (file, prepared, downsampled) =>
            {
                string name = Path.GetFileName(file.Path);
                // Labels are levels of the box-64 maps, as the original normalizes them with the downsampled range.
                if (labels is not null && labels.TryGetValue(file.MapId, out double level)) RequireEnclosing(labelsCsv!, file.MapId, file.Path, level, prepared.Box64!);
                if (downsampled is not null)
                {
                    MrcWriter.Write(Path.Combine(downDir, name), downsampled);
                    log?.Invoke($"downsampled {name} to box {ModelBox} ({downsampled.VoxelSize.X:0.###} Å/px)");
                }
                // Placed where its box-64 map is (the crop's origin, or the map's own), so the two overlay in ChimeraX.
                Vec3 origin = downsampled?.Origin ?? MrcReader.ReadHeader(file.Path).Origin;
                MrcWriter.Write(Path.Combine(normDir, name), new MrcVolume(ModelBox, ModelBox, ModelBox, prepared.Normalized, prepared.VoxelSize, origin));
                lock (written) written.Add(name);
            }))
            {
                maps.AddRange(chunk.Select(m => new MapRanges(m.MapId, m.Stats, m.RawStats)));
                progress?.Report((double)maps.Count / reader.Files.Count);
            }

            WriteStats(Path.Combine(normDir, StatsDownsampledFile), maps.Select(m => (m.MapId, m.Stats)));
            written.Add(StatsDownsampledFile);
            if (maps.Any(m => m.RawStats is not null))
            {
                // The original writes the raw table only for cropped maps; a mixed folder gets each map's own range.
                WriteStats(Path.Combine(normDir, StatsRawFile), maps.Select(m => (m.MapId, m.RawStats ?? m.Stats)));
                written.Add(StatsRawFile);
            }
            if (labels is not null)
            {
                WriteNormalizedLabels(labels, maps, Path.Combine(normDir, LabelsFile));
                written.Add(LabelsFile);
            }
            // The downsampled maps bear their normalized maps' names, which the list holds.
            if (Directory.Exists(downDir)) written.Add(DownsampledFolder);
            manifest.Outputs(written.Order(StringComparer.Ordinal)).Seconds("preprocess", clock.Elapsed)
                .Result("maps", maps.Count).Result("downsampled", maps.Count(m => m.RawStats is not null))
                .Write(normDir);
        });
        return maps;
    }

    /// <summary>
    /// OUT/normalized is replaced whole, so preprocess refuses a folder whose files nothing would bring back:
    /// its own input (the maps would be overwritten by their normalized copies, anything beside them deleted)
    /// and a folder it did not write. Its mark is its manifest.json, not map_stats_downsampled.csv: the
    /// original SIREn's preprocess writes that CSV too, and a folder of the user's may hold one; the manifest
    /// goes in last, so a folder with it is preprocess output, made again from the raw maps.
    /// </summary>
    private static void RequireReplaceable(string voldir, string normalized)
    {
        string relative = Path.GetRelativePath(normalized, Path.GetFullPath(voldir));
        bool outside = relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative);
        if (!outside)
            throw new SirenException($"--voldir '{voldir}' is in '{normalized}', the folder preprocess replaces with its output. Fix: pass the raw maps from another folder (predict-thresholds and fine-tune read a folder siren preprocess wrote as it is), or choose another --outdir.");
        if (!Directory.Exists(normalized) || !Directory.EnumerateFileSystemEntries(normalized).Any()) return;
        if (RunManifest.CommandIn(normalized) != CommandName)
            throw new SirenException($"'{normalized}' holds files siren preprocess did not write (it has no manifest.json of preprocess), and preprocess replaces that folder whole. Fix: move it away, or choose another --outdir.");
        // Its own folder may since have gained files (predict-thresholds --outdir pointed into it, notes): those go with it only if listed.
        string[] listed = RunManifest.EarlierOutputs(normalized, CommandName);
        if (listed.Length == 0)
            throw new SirenException($"'{normalized}' was written by an earlier Siren.Native preprocess that did not list its files, and preprocess replaces that folder whole. Fix: delete that folder if it holds nothing of yours, or choose another --outdir.");
        var own = listed.Append(Path.Combine(normalized, RunManifest.FileName)).ToHashSet();
        string downsampled = Path.Combine(normalized, DownsampledFolder);
        var foreign = Directory.EnumerateFileSystemEntries(normalized).Where(e => !own.Contains(e));
        if (own.Contains(downsampled) && Directory.Exists(downsampled))
            foreign = foreign.Concat(Directory.EnumerateFileSystemEntries(downsampled).Where(e => !own.Contains(Path.Combine(normalized, Path.GetFileName(e)))));
        if (foreign.Order(StringComparer.Ordinal).FirstOrDefault() is { } first)
            throw new SirenException($"'{normalized}' holds {Path.GetRelativePath(normalized, first)}, which siren preprocess did not write, and preprocess replaces that folder whole. Fix: move it out of that folder, or choose another --outdir.");
    }

    /// <summary>
    /// A label must be a level inside the map: one above every voxel encloses nothing and one below every
    /// voxel encloses the whole box, and neither is a contour a model can learn or be scored against.
    /// </summary>
    /// <param name="level">The label, in the units of <paramref name="values"/>.</param>
    /// <param name="values">The map the label is for, in map units; or its normalized box-64 map, when that is
    /// all there is (<paramref name="normalized"/>).</param>
    /// <param name="normalized">Normalization merged every voxel ≤ 0 into its floor, so a level at or below
    /// the floor may still leave some out: a level enclosing no voxel is refused, and one below the lowest
    /// level a model may give (<see cref="ThresholdPredictor.LowestLevel"/>, 5 % of the positive range below
    /// zero), which encloses the whole box, noise and all.</param>
    public static void RequireEnclosing(string labelsCsv, int mapId, string mapPath, double level, ReadOnlySpan<float> values, bool normalized = false)
    {
        long enclosed = 0;
        foreach (float v in values) if (v > level) enclosed++;
        if (enclosed == 0 || (enclosed == values.Length && (!normalized || level < ThresholdPredictor.LowestLevel)))
            throw new SirenException($"'{labelsCsv}': the level for map {mapId} ({Path.GetFileName(mapPath)}) encloses {(enclosed == 0 ? "no voxel" : "every voxel")} of it. Fix: give a contour_level in that map's units, between its background and its maximum.");
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
        for (int r = 0; r < table.Rows.Count; r++)
        {
            string[] row = table.Rows[r];
            string at = $"'{path}' line {r + 2}";
            var range = new MapStats(ParseNumber(row[min], at, "vol_min"), ParseNumber(row[max], at, "vol_max"));
            if (!(range.Max > range.Min))
                throw new SirenException($"{at}: map {row[id]} has vol_min {row[min]} and vol_max {row[max]}, an empty range. Fix: rerun siren preprocess on the raw maps.");
            AddOnce(stats, ParseId(row[id], at), range, path);
        }
        return stats;
    }

    /// <summary>Reads a labels CSV with columns vol_id and contour_level (map units).</summary>
    public static Dictionary<int, double> ReadLabels(string path)
    {
        var table = CsvTable.Read(path);
        int id = table.Column("vol_id"), level = table.Column("contour_level");
        var labels = new Dictionary<int, double>();
        for (int r = 0; r < table.Rows.Count; r++)
        {
            string at = $"'{path}' line {r + 2}";
            AddOnce(labels, ParseId(table.Rows[r][id], at), ParseNumber(table.Rows[r][level], at, "contour_level"), path);
        }
        if (labels.Count == 0)
            throw new SirenException($"'{path}' has no rows. Fix: give vol_id, contour_level for some maps of --voldir.");
        return labels;
    }

    /// <summary>A map named twice is a copy-paste slip, and which row should win is a guess.</summary>
    private static void AddOnce<T>(Dictionary<int, T> rows, int id, T value, string path)
    {
        if (!rows.TryAdd(id, value))
            throw new SirenException($"'{path}' has two rows for vol_id {id}. Fix: keep one row per map.");
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

    /// <param name="at">The file and line, as errors name them.</param>
    private static int ParseId(string text, string at)
    {
        // pandas may write ids as 7.0; 1e20 is whole too, but no int (and no map number).
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int id) && id >= 0) return id;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d == Math.Floor(d) && d >= 0 && d <= int.MaxValue) return (int)d;
        throw new SirenException($"{at}: vol_id '{text}' is not a map number (a whole number from 0 to {int.MaxValue}). Fix: vol_id is the map number (vol_007.mrc → 7).");
    }

    private static double ParseNumber(string text, string at, string column) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            ? v
            : throw new SirenException($"{at}: {column} '{text}' is not a finite number. Fix: correct that row.");
}
