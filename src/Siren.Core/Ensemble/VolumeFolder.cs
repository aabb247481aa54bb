using System.Text.RegularExpressions;

namespace Siren.Core.Ensemble;

/// <summary>One map of an ensemble: its file and its id, the integer after the last '_' of the name (vol_007.mrc → 7).</summary>
public sealed record VolumeFile(string Path, int MapId);

public static partial class VolumeFolder
{
    /// <summary>
    /// Map files by extension, in any letter case: .mrc (cryoDRGN, RELION) and .map (EMDB's CCP4/MRC), one
    /// format; a folder listed on a case-sensitive file system must not skip VOL_001.MRC without a word.
    /// </summary>
    public static bool IsMapFile(string path) =>
        System.IO.Path.GetExtension(path) is { } ext && (ext.Equals(".mrc", StringComparison.OrdinalIgnoreCase) || ext.Equals(".map", StringComparison.OrdinalIgnoreCase));

    /// <summary>Every map file (<see cref="IsMapFile"/>) in <paramref name="voldir"/>, in natural order, with map ids.</summary>
    public static IReadOnlyList<VolumeFile> List(string voldir)
    {
        if (File.Exists(voldir))
            throw new SirenException($"'{voldir}' is a file; this command reads an ensemble. Fix: pass --voldir with the folder holding vol_000.mrc, vol_001.mrc, ….");
        if (!Directory.Exists(voldir))
            throw new SirenException($"map folder '{voldir}' does not exist. Fix: pass --voldir with the folder holding vol_000.mrc, vol_001.mrc, ….");
        var files = Directory.EnumerateFiles(voldir)
            .Where(f => IsMapFile(f) && !System.IO.Path.GetFileName(f).StartsWith('.'))
            .ToList();
        if (files.Count == 0)
            throw new SirenException($"map folder '{voldir}' holds no .mrc or .map files. Fix: point --voldir at the folder of maps (vol_000.mrc, …).");
        files.Sort(NaturalComparer.Instance);

        var result = new List<VolumeFile>(files.Count);
        var seen = new Dictionary<int, string>();
        foreach (string f in files)
        {
            int id = MapIdOf(f);
            if (seen.TryGetValue(id, out string? other))
                throw new SirenException($"'{f}' and '{other}' both have map id {id}. Fix: keep one map per id (the number after the last '_').");
            seen[id] = f;
            result.Add(new VolumeFile(f, id));
        }
        return result;
    }

    /// <summary>
    /// A folder as <see cref="List"/> reads it, or one map file (as the original's preprocess and eval_model
    /// accept), whose id is the number ending its name or 0 when it has none (emd_1234.mrc → 1234, map.mrc → 0).
    /// </summary>
    public static IReadOnlyList<VolumeFile> ListOrSingle(string path)
    {
        if (!File.Exists(path)) return List(path);
        if (!IsMapFile(path))
            throw new SirenException($"'{path}' is not an .mrc or .map file. Fix: pass a map (.mrc) or the folder of maps.");
        return [new VolumeFile(path, TrailingNumber().IsMatch(System.IO.Path.GetFileNameWithoutExtension(path)) ? MapIdOf(path) : 0)];
    }

    public static int MapIdOf(string path)
    {
        string stem = System.IO.Path.GetFileNameWithoutExtension(path);
        Match m = TrailingNumber().Match(stem);
        if (!m.Success)
            throw new SirenException($"cannot take a map id from '{path}': the name must end in _<number>.mrc (e.g. vol_000.mrc). Fix: rename the maps.");
        if (!int.TryParse(m.Groups[1].Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id))
            throw new SirenException($"the map id {m.Groups[1].Value} of '{path}' is larger than {int.MaxValue}. Fix: renumber the maps (vol_000.mrc, …).");
        return id;
    }

    [GeneratedRegex(@"_([0-9]+)$")]
    private static partial Regex TrailingNumber();
}

/// <summary>Orders names with embedded numbers by value (vol_2 before vol_10), as natsort does.</summary>
public sealed class NaturalComparer : IComparer<string>
{
    public static readonly NaturalComparer Instance = new();

    public int Compare(string? a, string? b)
    {
        if (a is null || b is null) return string.CompareOrdinal(a, b);
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (char.IsAsciiDigit(a[i]) && char.IsAsciiDigit(b[j]))
            {
                int si = i, sj = j;
                while (i < a.Length && char.IsAsciiDigit(a[i])) i++;
                while (j < b.Length && char.IsAsciiDigit(b[j])) j++;
                var da = a.AsSpan(si, i - si).TrimStart('0');
                var db = b.AsSpan(sj, j - sj).TrimStart('0');
                if (da.Length != db.Length) return da.Length.CompareTo(db.Length);
                int c = da.SequenceCompareTo(db);
                if (c != 0) return c;
                if (i - si != j - sj) return (i - si).CompareTo(j - sj);
            }
            else
            {
                int c = a[i].CompareTo(b[j]);
                if (c != 0) return c;
                i++; j++;
            }
        }
        return (a.Length - i).CompareTo(b.Length - j);
    }
}
