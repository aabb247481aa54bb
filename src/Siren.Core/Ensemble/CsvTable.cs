using Siren.Core.IO;

namespace Siren.Core.Ensemble;

/// <summary>
/// A small comma-separated table with a header row; enough for the threshold and label files of the
/// original (pandas to_csv output, possibly with an unnamed index column). Quoted fields are unquoted.
/// </summary>
public sealed class CsvTable
{
    private CsvTable(string path, string[] header, List<string[]> rows)
    {
        Path = path; Header = header; Rows = rows;
    }

    public string Path { get; }
    public string[] Header { get; }
    public List<string[]> Rows { get; }

    public static CsvTable Read(string path)
    {
        string[] lines = InputFile.ReadAllLines(path, "a CSV file", "pass the CSV file itself");
        var nonEmpty = lines.Where(l => l.Trim().Length > 0).ToList();
        if (nonEmpty.Count == 0) throw new SirenException($"'{path}' is empty. Fix: pass a CSV with a header row.");
        // A binary file's bytes would reach the error line (and the terminal) as control characters.
        if (nonEmpty.Any(l => l.Any(c => char.IsControl(c) && c is not '\t' and not '\r')))
        {
            // A map given where a table belongs (--thresholds vol_000.mrc) is named as one: its header's NULs would read as UTF-16.
            byte[] head = Head(path, 212);
            if (VolumeFolder.IsMapFile(path) || head.Length == 212 && head.AsSpan(208).SequenceEqual("MAP "u8))
                throw new SirenException($"'{path}' is an MRC map, not a CSV. Fix: pass the CSV file this option takes (vol_id, … columns), not a map.");
            // A pickle (cryoDRGN's labels.pkl) opens with its protocol byte 0x80.
            if (head is [0x80, ..])
                throw new SirenException($"'{path}' is a Python pickle, not a CSV. Fix: pass the CSV file this option takes (vol_id, … columns); a labels.pkl goes to --labels.");
            // Text saved as UTF-16 without a byte-order mark reads as every other character NUL.
            if (nonEmpty[0].Count(c => c == '\0') * 3 > nonEmpty[0].Length)
                throw new SirenException($"'{path}' looks like UTF-16 text without a byte-order mark. Fix: save it as UTF-8 (or UTF-16 with a BOM).");
            throw new SirenException($"'{path}' is not a text CSV (it holds binary bytes). Fix: pass the CSV file (vol_id, ... columns).");
        }
        string[] header = Split(nonEmpty[0]).Select(h => h.Trim()).ToArray();
        // A spreadsheet saved with ';' (a decimal-comma locale) or tabs reads as one column named by the whole header.
        if (header.Length == 1 && header[0].IndexOfAny([';', '\t']) is int at and >= 0)
            throw new SirenException($"'{path}' separates its fields with {(header[0][at] == ';' ? "';'" : "tabs")}, not commas (header '{header[0].Replace('\t', ' ')}'). Fix: save it as comma-separated values, with '.' as the decimal point.");
        var rows = new List<string[]>();
        for (int i = 1; i < nonEmpty.Count; i++)
        {
            string[] row = Split(nonEmpty[i]);
            if (row.Length != header.Length)
                throw new SirenException($"'{path}' line {i + 1} has {row.Length} fields where the header has {header.Length}. Fix: repair the CSV.");
            rows.Add(row.Select(f => f.Trim()).ToArray());
        }
        return new CsvTable(path, header, rows);
    }

    /// <summary>The file's first <paramref name="count"/> bytes (fewer when it is shorter): enough to tell what a binary file is.</summary>
    private static byte[] Head(string path, int count)
    {
        using FileStream stream = File.OpenRead(path);
        var head = new byte[count];
        return head[..stream.ReadAtLeast(head, count, throwOnEndOfStream: false)];
    }

    public int Column(string name)
    {
        int i = Array.IndexOf(Header, name);
        if (i < 0) throw new SirenException($"'{Path}' has no column '{name}' (columns: {string.Join(", ", Header)}). Fix: use the original's column names.");
        // Which of two columns of one name holds the values is a guess; a joined or re-exported table can have both.
        if (Array.LastIndexOf(Header, name) != i)
            throw new SirenException($"'{Path}' has the column '{name}' twice (columns {i + 1} and {Array.LastIndexOf(Header, name) + 1}). Fix: keep one of them.");
        return i;
    }

    private static string[] Split(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else current.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(current.ToString()); current.Clear(); }
            else current.Append(c);
        }
        fields.Add(current.ToString().TrimEnd('\r'));
        return fields.ToArray();
    }
}
