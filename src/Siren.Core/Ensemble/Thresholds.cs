using System.Globalization;

namespace Siren.Core.Ensemble;

/// <summary>Binarization thresholds: one level for every map, or one per map id from a predictions CSV.</summary>
public sealed class Thresholds
{
    private readonly double? _constant;
    private readonly IReadOnlyDictionary<int, double>? _perMap;

    private Thresholds(double? constant, IReadOnlyDictionary<int, double>? perMap, string source)
    {
        _constant = constant; _perMap = perMap; Source = source;
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
    /// (other columns, such as pandas' unnamed index, are ignored).
    /// </summary>
    public static Thresholds FromCsv(string path)
    {
        var table = CsvTable.Read(path);
        int idCol = table.Column("vol_id");
        int levelCol = table.Column("denormalized_predictions");
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
        }
        return new Thresholds(null, levels, Path.GetFullPath(path));
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
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())));
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
