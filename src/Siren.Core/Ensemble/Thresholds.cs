using System.Globalization;

namespace Siren.Core.Ensemble;

/// <summary>Binarization thresholds: one level for every map, or one per map id from a predictions CSV.</summary>
public sealed class Thresholds
{
    private readonly double? _constant;
    private readonly IReadOnlyDictionary<int, double>? _perMap;
    private readonly IReadOnlyDictionary<int, Thresholding.MapStats>? _recordedStats;

    private Thresholds(double? constant, IReadOnlyDictionary<int, double>? perMap, string source, IReadOnlyDictionary<int, Thresholding.MapStats>? recordedStats = null)
    {
        _constant = constant; _perMap = perMap; Source = source; _recordedStats = recordedStats;
    }

    /// <summary>"constant 0.05" or the CSV path, for manifests.</summary>
    public string Source { get; }

    public bool IsPerMap => _perMap is not null;

    public static Thresholds Constant(double level)
    {
        if (!double.IsFinite(level)) throw new SirenException($"threshold {level} is not a finite number. Fix: pass --threshold with a number.");
        return new Thresholds(level, null, $"constant {level.ToString("R", CultureInfo.InvariantCulture)}");
    }

    public static Thresholds PerMap(IReadOnlyDictionary<int, double> levels, string source) => new(null, levels, source);

    /// <summary>
    /// Reads a predictions CSV with the original's columns <c>vol_id</c> and <c>denormalized_predictions</c>
    /// (other columns, such as pandas' unnamed index, are ignored). Its <c>vol_min</c> and <c>vol_max</c>, when
    /// present, are kept to recognise the maps the levels were predicted for (<see cref="RequirePredictedFor"/>).
    /// </summary>
    public static Thresholds FromCsv(string path)
    {
        var table = CsvTable.Read(path);
        int idCol = table.Column("vol_id");
        int levelCol = table.Column("denormalized_predictions");
        int minCol = Array.IndexOf(table.Header, "vol_min"), maxCol = Array.IndexOf(table.Header, "vol_max");
        var stats = minCol >= 0 && maxCol >= 0 ? new Dictionary<int, Thresholding.MapStats>() : null;
        var levels = new Dictionary<int, double>();
        for (int r = 0; r < table.Rows.Count; r++)
        {
            string[] row = table.Rows[r];
            int line = r + 2;
            if (!int.TryParse(row[idCol], NumberStyles.Integer, CultureInfo.InvariantCulture, out int id) &&
                !(double.TryParse(row[idCol], NumberStyles.Float, CultureInfo.InvariantCulture, out double idD) && idD == Math.Floor(idD) && (id = (int)idD) == idD))
                throw new SirenException($"'{path}' line {line}: vol_id '{row[idCol]}' is not a map number (a whole number from 0 to {int.MaxValue}). Fix: vol_id must be the map number (vol_007.mrc → 7).");
            if (!double.TryParse(row[levelCol], NumberStyles.Float, CultureInfo.InvariantCulture, out double level) || !double.IsFinite(level))
                throw new SirenException($"'{path}' line {line}: threshold '{row[levelCol]}' for map {id} is not a finite number. Fix: correct or re-predict that row.");
            if (!levels.TryAdd(id, level))
                throw new SirenException($"'{path}' lists map {id} twice (line {line}). Fix: keep one row per vol_id.");
            if (stats is not null && double.TryParse(row[minCol], NumberStyles.Float, CultureInfo.InvariantCulture, out double min)
                    && double.TryParse(row[maxCol], NumberStyles.Float, CultureInfo.InvariantCulture, out double max) && double.IsFinite(min) && double.IsFinite(max))
                stats[id] = new Thresholding.MapStats(min, max);
        }
        return new Thresholds(null, levels, Path.GetFullPath(path), stats);
    }

    /// <summary>
    /// A predictions CSV records each map's range (vol_min, vol_max: the positive range after clipping). For a
    /// map at the model's box that range is the map's own, so a map whose range differs is not the map the
    /// level was predicted for: thresholds of another ensemble (or of these maps before they were rescaled)
    /// would binarize without complaint and give another union and other blocks. Maps of other boxes were
    /// cropped before their range was taken, and are not checked.
    /// </summary>
    /// <param name="data">The map's values, already checked finite by the caller.</param>
    public void RequirePredictedFor(int mapId, ReadOnlySpan<float> data, int box, string path)
    {
        if (_recordedStats is null || box != Thresholding.Preprocess.ModelBox || !_recordedStats.TryGetValue(mapId, out Thresholding.MapStats recorded)) return;
        Thresholding.MapStats? actual;
        // The callers have checked that the map is finite, so the one refusal left is a map without a positive
        // range: not the map a level was predicted for either.
        try { actual = Thresholding.MapNormalization.Range(data, $"'{path}'"); }
        catch (SirenException) { actual = null; }
        // The CSV holds the numbers as written (round-trip), so the same map gives them back exactly; the
        // tolerance admits other writers' rounding (the original's float32 percentiles, a few float32 steps of
        // the values themselves, which dominate for maps on a large offset), not other maps.
        double scale = Math.Max(Math.Abs(recorded.Min), Math.Abs(recorded.Max));
        double tolerance = Math.Max(1e-5 * Math.Abs(recorded.Max - recorded.Min), 4 * scale * MathF.Pow(2, -23));
        if (actual is { } a && Math.Abs(a.Min - recorded.Min) <= tolerance && Math.Abs(a.Max - recorded.Max) <= tolerance) return;
        string seen = actual is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b.Min:G6} to {b.Max:G6}") : "no positive range";
        string fix = Thresholding.MapNormalization.LooksNormalized(data)
            ? "Fix: this looks like a map siren preprocess normalized; pass the maps in map units (the folder preprocess read), which the levels are in."
            : $"Fix: predict thresholds for these maps (siren predict-thresholds --voldir \"{Path.GetDirectoryName(path)}\"), or pass the CSV made for them.";
        throw new SirenException(string.Create(CultureInfo.InvariantCulture,
            $"'{Source}' does not describe '{path}': its level for map {mapId} was predicted for a map of range {recorded.Min:G6} to {recorded.Max:G6} (vol_min, vol_max), and this map's is {seen}. {fix}"));
    }

    /// <summary>
    /// SHA-256 (hex) of the levels as read, by ascending map id: what a stamp compares. The file itself may be
    /// a pipe (--thresholds &lt;(…)) that cannot be read a second time, or may have changed since it was read.
    /// </summary>
    public string Digest()
    {
        var text = new System.Text.StringBuilder();
        if (_constant is { } c) text.Append(CultureInfo.InvariantCulture, $"constant {c:R}");
        else foreach (var (id, level) in _perMap!.OrderBy(kv => kv.Key)) text.Append(CultureInfo.InvariantCulture, $"{id} {level:R}\n");
        return IO.InputFile.Sha256OfText(text.ToString());
    }

    public double For(int mapId) => _constant ?? _perMap![mapId];

    public bool Has(int mapId) => _constant is not null || _perMap!.ContainsKey(mapId);

    /// <summary>Checks that every map has a level; the error lists the maps without one.</summary>
    public void RequireAll(IEnumerable<VolumeFile> files)
    {
        if (_perMap is null) return;
        var missing = files.Where(f => !_perMap.ContainsKey(f.MapId)).ToList();
        if (missing.Count == 0) return;
        string list = string.Join(", ", missing.Take(10).Select(f => $"{Path.GetFileName(f.Path)} (id {f.MapId})"));
        if (missing.Count > 10) list += $", … ({missing.Count} in all)";
        throw new SirenException($"'{Source}' has no threshold for {list}. Fix: predict thresholds for every map in --voldir, or remove those maps.");
    }
}
