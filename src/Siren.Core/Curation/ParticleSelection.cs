using System.Globalization;
using Siren.Core.Ensemble;
using Siren.Core.Occupancy;

namespace Siren.Core.Curation;

/// <summary>From kept maps to particles: which maps a rule or class keeps, and which particles those maps stand for.</summary>
public static class ParticleSelection
{
    /// <summary>Map ids whose occupancy row satisfies <paramref name="rule"/>, in table order.</summary>
    public static int[] MapsByRule(OccupancyTable table, SelectionRule rule, string source)
    {
        var columnOf = rule.Columns.ToDictionary(c => c, c => table.ColumnIndex(c, source));
        var kept = new List<int>();
        for (int r = 0; r < table.Rows; r++)
        {
            double[] row = table.Values[r];
            if (rule.Matches(name => row[columnOf[name]])) kept.Add(table.MapIds[r]);
        }
        return kept.ToArray();
    }

    /// <summary>Map ids of class <paramref name="classId"/> in a classes.csv (columns vol_id, class).</summary>
    public static int[] MapsByClass(string classesCsv, int classId)
    {
        CsvTable table = CsvTable.Read(classesCsv);
        int idCol = table.Column("vol_id"), classCol = table.Column("class");
        var kept = new List<int>();
        var seen = new SortedSet<int>();
        foreach (string[] row in table.Rows)
        {
            if (!int.TryParse(row[classCol], NumberStyles.Integer, CultureInfo.InvariantCulture, out int c) ||
                !int.TryParse(row[idCol], NumberStyles.Integer, CultureInfo.InvariantCulture, out int id))
                throw new SirenException($"'{classesCsv}' has a non-integer vol_id or class ('{row[idCol]}', '{row[classCol]}'). Fix: pass the classes.csv written by siren classify.");
            seen.Add(c);
            if (c == classId) kept.Add(id);
        }
        if (kept.Count == 0)
            throw new SirenException($"'{classesCsv}' has no maps in class {classId} (classes: {string.Join(", ", seen)}). Fix: choose one of those with --class.");
        return kept.ToArray();
    }

    /// <summary>
    /// Particles whose k-means class (cryoDRGN labels.pkl) is one of the kept maps: the map sampled at a
    /// k-means centre stands for every particle of that class. Map id − <paramref name="firstMapId"/> is
    /// the class (cryoDRGN ≥ 3.5 numbers volumes from 1: pass 1). Returns ascending 0-based indices.
    /// </summary>
    public static long[] ParticlesOfMaps(IReadOnlyList<long> labels, IEnumerable<int> mapIds, int firstMapId, string labelsSource)
    {
        long classes = labels.Count == 0 ? 0 : labels.Max() + 1;
        var keptClasses = new HashSet<long>();
        foreach (int id in mapIds)
        {
            long k = (long)id - firstMapId;
            if (k < 0 || k >= classes)
                throw new SirenException($"map {id} is k-means class {k}, but '{labelsSource}' has classes 0–{classes - 1}. Fix: set --first-map-id (1 for cryoDRGN ≥ 3.5 volume numbering, else 0) or pass the labels.pkl that made these maps.");
            keptClasses.Add(k);
        }
        var indices = new List<long>();
        for (int i = 0; i < labels.Count; i++)
            if (keptClasses.Contains(labels[i])) indices.Add(i);
        return indices.ToArray();
    }
}
