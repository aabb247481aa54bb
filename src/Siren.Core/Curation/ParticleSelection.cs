using System.Globalization;
using Siren.Core.Ensemble;
using Siren.Core.Occupancy;

namespace Siren.Core.Curation;

/// <summary>The maps a rule or class kept, among every map of the table (<paramref name="Source"/>) they were chosen from.</summary>
public sealed record MapSelection(int[] Kept, int[] All, string Source);

/// <summary>From kept maps to particles: which maps a rule or class keeps, and which particles those maps stand for.</summary>
public static class ParticleSelection
{
    /// <summary>Map ids whose occupancy row satisfies <paramref name="rule"/>, in table order.</summary>
    public static MapSelection MapsByRule(OccupancyTable table, SelectionRule rule, string source)
    {
        // A rule of numbers alone (1 > 0) keeps every map or none whatever the table holds: no selection.
        if (rule.Columns.Length == 0)
            throw new SirenException($"rule {SelectionRule.Excerpt(rule.Text)} reads no column, so it keeps every map or none. Fix: compare block columns with thresholds, e.g. \"block_5>0.7\".");
        // The table's columns are listed as a rule writes them, so one such as Mask_5S-h1 shows the backticks it needs.
        if (rule.Columns.FirstOrDefault(c => !table.Columns.Contains(c)) is { } unknown)
            throw new SirenException($"rule {SelectionRule.Excerpt(rule.Text)} reads the column '{unknown}', which '{source}' does not have (columns: {string.Join(", ", table.Columns.Select(SelectionRule.Quote))}). " +
                $"Fix: use a column of that table{(table.Columns.Any(c => SelectionRule.Quote(c) != c) ? ", with the backticks shown" : "")}.");
        var columnOf = rule.Columns.ToDictionary(c => c, c => table.ColumnIndex(c, source));
        var kept = new List<int>();
        for (int r = 0; r < table.Rows; r++)
        {
            double[] row = table.Values[r];
            if (rule.Matches(name => row[columnOf[name]])) kept.Add(table.MapIds[r]);
        }
        // As an empty class is refused, so is a rule that keeps nothing: empty maps and particle lists would
        // pass for a selection. The ranges the rule's columns span show where a threshold would keep maps.
        if (kept.Count == 0)
        {
            string seen = "values seen: " + string.Join(", ", rule.Columns.Select(c =>
            {
                double[] values = table.Column(columnOf[c]);
                return string.Create(CultureInfo.InvariantCulture, $"{SelectionRule.Quote(c)} {values.Min():G4}–{values.Max():G4}");
            }));
            throw new SirenException($"rule {SelectionRule.Excerpt(rule.Text)} keeps none of the {table.Rows} maps in '{source}' ({seen}). Fix: compare block columns with thresholds inside the values seen.");
        }
        return new MapSelection(kept.ToArray(), table.MapIds, source);
    }

    /// <summary>Map ids of class <paramref name="classId"/> in a classes.csv (columns vol_id, class).</summary>
    public static MapSelection MapsByClass(string classesCsv, int classId)
    {
        CsvTable table = CsvTable.Read(classesCsv);
        int idCol = table.Column("vol_id"), classCol = table.Column("class");
        var kept = new List<int>();
        var all = new List<int>();
        var listed = new HashSet<int>();
        var seen = new SortedSet<int>();
        foreach (string[] row in table.Rows)
        {
            if (!int.TryParse(row[classCol], NumberStyles.Integer, CultureInfo.InvariantCulture, out int c) ||
                !int.TryParse(row[idCol], NumberStyles.Integer, CultureInfo.InvariantCulture, out int id))
                throw new SirenException($"'{classesCsv}' has a non-integer vol_id or class ('{row[idCol]}', '{row[classCol]}'). Fix: pass the classes.csv written by siren classify.");
            if (!listed.Add(id))
                throw new SirenException($"'{classesCsv}' lists map {id} twice. Fix: pass the classes.csv written by siren classify.");
            all.Add(id);
            seen.Add(c);
            if (c == classId) kept.Add(id);
        }
        if (kept.Count == 0)
            throw new SirenException($"'{classesCsv}' has no maps in class {classId} (classes: {string.Join(", ", seen)}). Fix: choose one of those with --class.");
        return new MapSelection(kept.ToArray(), all.ToArray(), classesCsv);
    }

    /// <summary>
    /// Particles whose k-means class (cryoDRGN labels.pkl) is one of the kept maps: the map sampled at a
    /// k-means centre stands for every particle of that class. Map id − <paramref name="firstMapId"/> is
    /// the class (cryoDRGN ≥ 3.5 numbers volumes from 1: pass 1). Returns ascending 0-based indices;
    /// <paramref name="unlisted"/> counts the particles whose map the table does not list (see <see cref="RequireSameNumbering"/>).
    /// </summary>
    public static long[] ParticlesOfMaps(IReadOnlyList<long> labels, MapSelection maps, int? firstMapId, string labelsSource, out long unlisted)
    {
        unlisted = RequireSameNumbering(labels, maps.All, maps.Source, firstMapId, labelsSource);
        var keptClasses = maps.Kept.Select(id => (long)id - (firstMapId ?? 0)).ToHashSet();
        var indices = new List<long>();
        for (int i = 0; i < labels.Count; i++)
            if (keptClasses.Contains(labels[i])) indices.Add(i);
        return indices.ToArray();
    }

    /// <summary>
    /// How many particles each map of <paramref name="mapIds"/> stands for (the size of its k-means class), in
    /// that order: what weighs a map's low/high label when the paper counts particles (Figure 3D).
    /// </summary>
    public static long[] ParticlesPerMap(IReadOnlyList<long> labels, int[] mapIds, string mapsSource, int? firstMapId, string labelsSource, out long unlisted)
    {
        unlisted = RequireSameNumbering(labels, mapIds, mapsSource, firstMapId, labelsSource);
        var perClass = new long[labels.Max() + 1];
        foreach (long k in labels) perClass[k]++;
        return mapIds.Select(id => perClass[id - (firstMapId ?? 0)]).ToArray();
    }

    /// <summary><see cref="ParticlesPerMap(IReadOnlyList{long}, int[], string, int?, string, out long)"/>, telling <paramref name="log"/> of particles left uncounted.</summary>
    public static long[] ParticlesPerMap(IReadOnlyList<long> labels, int[] mapIds, string mapsSource, int? firstMapId, string labelsSource, Action<string>? log)
    {
        long[] perMap = ParticlesPerMap(labels, mapIds, mapsSource, firstMapId, labelsSource, out long unlisted);
        if (UnlistedWarning(unlisted, labels.Count, mapsSource) is { } warning) log?.Invoke(warning);
        return perMap;
    }

    /// <summary>The warning for particles whose maps a table does not list, or null when there are none.</summary>
    public static string? UnlistedWarning(long unlisted, long total, string mapsSource) => unlisted == 0 ? null
        : $"warning: {unlisted} of {total} particles belong to k-means classes with no map in '{mapsSource}' (maps --filter or the empty-map check left out, maps missing from the folder, or labels of another k-means run with more classes): they are not counted.";

    /// <summary>Checked by the commands before they read anything, and again wherever labels meet maps.</summary>
    public static void RequireFirstMapId(int? firstMapId)
    {
        if (firstMapId < 0)
            throw new SirenException($"--first-map-id {firstMapId} is negative. Fix: pass 0 for vol_000 numbering or 1 for cryoDRGN ≥ 3.5 (vol_001 is class 0).");
    }

    /// <summary>
    /// Labels and table must describe the same k-means run: every map of the table a class of the labels (an
    /// off-by-one numbering puts the first or the last map outside them). Maps may be missing from the table —
    /// --filter or the empty-map check left them out — and their particles are returned as the count not
    /// listed; when that is most of the particles the two files are of different runs. A
    /// <paramref name="firstMapIdGiven"/> of null is 0, not given: maps numbered from 1 with no map for class 0 are
    /// then refused, since cryoDRGN ≥ 3.5's vol_001… with one map left out (the last, by --filter) would pass
    /// every other check, each map taking the next class's particles.
    /// </summary>
    private static long RequireSameNumbering(IReadOnlyList<long> labels, int[] mapIds, string mapsSource, int? firstMapIdGiven, string labelsSource)
    {
        int firstMapId = firstMapIdGiven ?? 0;
        const string fix = "Fix: set --first-map-id (1 for cryoDRGN ≥ 3.5 volume numbering, else 0) or pass the labels.pkl that made these maps.";
        RequireFirstMapId(firstMapId);
        if (labels.Count == 0)
            throw new SirenException($"'{labelsSource}' labels no particles. Fix: pass cryoDRGN's k-means labels.pkl.");
        for (int i = 0; i < labels.Count; i++)
            if (labels[i] < 0)
                throw new SirenException($"'{labelsSource}' puts particle {i} in k-means class {labels[i]}, but classes count from 0. Fix: pass cryoDRGN's k-means labels.pkl.");
            // A class is a map id less the first one, and map ids are ints (the count of classes, one more, too).
            else if (labels[i] >= int.MaxValue)
                throw new SirenException($"'{labelsSource}' puts particle {i} in k-means class {labels[i]}, beyond any map's number. Fix: pass cryoDRGN's k-means labels.pkl.");
        long classes = labels.Max() + 1;
        foreach (int id in mapIds)
        {
            long k = (long)id - firstMapId;
            if (k < 0 || k >= classes)
                throw new SirenException($"'{mapsSource}' has map {id}, k-means class {k} with --first-map-id {firstMapId}, but '{labelsSource}' has classes 0–{classes - 1}. {fix}");
        }
        var listed = mapIds.Select(id => (long)id - firstMapId).ToHashSet();
        if (firstMapIdGiven is null && mapIds.Length > 0 && !listed.Contains(0))
            throw new SirenException($"'{mapsSource}' numbers its maps from {mapIds.Min()} and none is k-means class 0 of '{labelsSource}': with cryoDRGN ≥ 3.5 numbering (vol_001 is class 0) each map would take the next class's particles. " +
                "Fix: pass --first-map-id 1 for that numbering, or --first-map-id 0 if map 0 was left out (siren run --filter).");
        long unlisted = labels.LongCount(k => !listed.Contains(k));
        long classesWithoutMap = classes - listed.Count;
        if (unlisted * 2 > labels.Count || classesWithoutMap * 2 > classes)
        {
            int example = Enumerable.Range(0, labels.Count).First(i => !listed.Contains(labels[i]));
            throw new SirenException($"{unlisted} of {labels.Count} particles in '{labelsSource}' belong to k-means classes with no map in '{mapsSource}' (particle {example} is in class {labels[example]}; {classes} classes, {mapIds.Length} maps): more than leaving out a few outlier maps (siren run --filter) would. {fix}");
        }
        return unlisted;
    }
}
