using System.Globalization;
using System.Text;
using Siren.Core.Ensemble;
using Siren.Core.IO;

namespace Siren.Core.Occupancy;

/// <summary>occupancies.csv in memory: one row per map id, one column per mask or block.</summary>
public sealed class OccupancyTable
{
    public OccupancyTable(int[] mapIds, string[] columns, double[][] values)
    {
        if (values.Length != mapIds.Length) throw new ArgumentException("one row of values per map id", nameof(values));
        if (values.Any(r => r.Length != columns.Length)) throw new ArgumentException("every row needs one value per column", nameof(values));
        MapIds = mapIds; Columns = columns; Values = values;
    }

    public int[] MapIds { get; }
    public string[] Columns { get; }

    /// <summary>Values[row][column].</summary>
    public double[][] Values { get; }

    public int Rows => MapIds.Length;

    public double[] Column(int c) => Values.Select(r => r[c]).ToArray();

    public int ColumnIndex(string name, string source)
    {
        int i = Array.IndexOf(Columns, name);
        if (i < 0) throw new SirenException($"'{source}' has no column '{name}' (columns: {string.Join(", ", Columns)}). Fix: use a column of that table.");
        return i;
    }

    /// <summary>The largest occupancy value read: distances between maps square it, and Ward's updates square those.</summary>
    private const double MaxMagnitude = 1e100;

    /// <summary>
    /// Reads a CSV with a vol_id column (or, without one, pandas' unnamed index first) and block columns
    /// of finite numbers, one per block, one row per map. Beside vol_id an unnamed index column is not a block.
    /// </summary>
    public static OccupancyTable Read(string path)
    {
        CsvTable table = CsvTable.Read(path);
        static bool Unnamed(string name) => name.Length == 0 || name.StartsWith("Unnamed: ", StringComparison.Ordinal);
        int idCol = Array.IndexOf(table.Header, "vol_id");
        if (idCol < 0 && Unnamed(table.Header[0])) idCol = 0;
        // Any other first column taken for map ids would turn a block's values, or a misnamed id, into map numbers.
        if (idCol < 0)
            throw new SirenException($"'{path}' has no column 'vol_id' (its columns: {string.Join(", ", table.Header.Take(6))}{(table.Header.Length > 6 ? ", …" : "")}). Fix: pass the occupancies.csv written by siren occupancy, or name the map-number column vol_id.");
        bool[] isBlock = table.Header.Select((name, i) => i != idCol && !Unnamed(name)).ToArray();
        var columns = table.Header.Where((_, i) => isBlock[i]).ToArray();
        if (columns.Length == 0)
            throw new SirenException($"'{path}' has only the map id column '{table.Header[idCol]}', no block columns. Fix: pass the occupancies.csv written by siren occupancy.");
        if (table.Rows.Count == 0)
            throw new SirenException($"'{path}' has a header but no maps. Fix: pass the occupancies.csv written by siren occupancy.");
        // A repeated column or map would make a rule or a class ambiguous about which value it read.
        if (columns.GroupBy(c => c).FirstOrDefault(g => g.Count() > 1) is { } repeated)
            throw new SirenException($"'{path}' has the column '{repeated.Key}' {repeated.Count()} times. Fix: give every block column its own name.");
        var lineOfMap = new Dictionary<int, int>();
        var ids = new int[table.Rows.Count];
        var values = new double[table.Rows.Count][];
        for (int r = 0; r < table.Rows.Count; r++)
        {
            string[] row = table.Rows[r];
            int line = r + 2;
            if (!int.TryParse(row[idCol], NumberStyles.Integer, CultureInfo.InvariantCulture, out ids[r]) || ids[r] < 0)
                throw new SirenException($"'{path}' line {line}: map id '{row[idCol]}' is not a map number (a whole number from 0). Fix: vol_id holds the map number (vol_007.mrc → 7).");
            if (!lineOfMap.TryAdd(ids[r], line))
                throw new SirenException($"'{path}' lists map {ids[r]} twice (lines {lineOfMap[ids[r]]} and {line}). Fix: keep one row per map.");
            var v = new double[columns.Length];
            for (int c = 0, k = 0; c < row.Length; c++)
            {
                if (!isBlock[c]) continue;
                // Parsing accepts "NaN" and "Infinity", which no mixture fit, distance or rule can use.
                if (!double.TryParse(row[c], NumberStyles.Float, CultureInfo.InvariantCulture, out v[k]) || !double.IsFinite(v[k]))
                    throw new SirenException($"'{path}' line {line} (map {ids[r]}), column '{table.Header[c]}': '{row[c]}' is not a finite number. Fix: measure that map again or drop its row.");
                if (Math.Abs(v[k]) > MaxMagnitude)
                    throw new SirenException($"'{path}' line {line} (map {ids[r]}), column '{table.Header[c]}': {row[c]} is beyond ±1e100, which distances between maps cannot square. Fix: occupancies are fractions (siren occupancy); rescale the column or measure that map again.");
                k++;
            }
            values[r] = v;
        }
        return new OccupancyTable(ids, columns, values);
    }

    public void Write(string path)
    {
        var sb = new StringBuilder("vol_id");
        foreach (string c in Columns) sb.Append(',').Append(c);
        sb.Append('\n');
        for (int r = 0; r < Rows; r++)
        {
            sb.Append(MapIds[r].ToString(CultureInfo.InvariantCulture));
            foreach (double v in Values[r]) sb.Append(',').Append(v.ToString("R", CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }
}
