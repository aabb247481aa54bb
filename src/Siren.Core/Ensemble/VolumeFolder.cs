using System.Text.RegularExpressions;
using Siren.Core.Mrc;

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

    /// <summary>
    /// The map files (<see cref="IsMapFile"/>, not hidden) in <paramref name="folder"/>, unordered. A folder under
    /// a map's name (a copy gone wrong, an unpacked archive) is refused: it is a map the set lacks, not nothing.
    /// </summary>
    public static List<string> MapFiles(string folder)
    {
        static bool Listed(string path) => IsMapFile(path) && !System.IO.Path.GetFileName(path).StartsWith('.');
        if (Directory.EnumerateDirectories(folder).FirstOrDefault(Listed) is { } named)
            throw new SirenException($"'{named}' is a folder, not a map. Fix: put the map itself there, or move that folder out of '{folder}'.");
        return Directory.EnumerateFiles(folder).Where(Listed).ToList();
    }

    /// <summary>Every map file (<see cref="IsMapFile"/>) in <paramref name="voldir"/>, in natural order, with map ids.</summary>
    public static IReadOnlyList<VolumeFile> List(string voldir)
    {
        if (File.Exists(voldir))
            throw new SirenException($"'{voldir}' is a file; this command reads an ensemble. Fix: pass --voldir with the folder holding vol_000.mrc, vol_001.mrc, ….");
        if (!Directory.Exists(voldir))
            throw new SirenException($"map folder '{voldir}' does not exist. Fix: pass --voldir with the folder holding vol_000.mrc, vol_001.mrc, ….");
        List<string> files = MapFiles(voldir);
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

    /// <summary>
    /// Checks from the headers that every map is cubic and on the first map's grid (box, voxel size, origin);
    /// returns the first map's header. Blocks are voxel indices, so a map of another box, voxel size or
    /// placement would be binarized or measured on the wrong density without any error.
    /// </summary>
    public static MrcHeader RequireOneGrid(IReadOnlyList<VolumeFile> maps)
    {
        MrcHeader first = MrcReader.ReadHeader(maps[0].Path);
        var (box, ny0, nz0) = first.CanonicalDims;
        string firstName = System.IO.Path.GetFileName(maps[0].Path);
        if (box != ny0 || box != nz0)
            throw new SirenException($"'{maps[0].Path}' is {box}×{ny0}×{nz0}; SIREn needs cubic maps. Fix: pad or crop the maps to a cubic box.");
        foreach (VolumeFile f in maps.Skip(1))
        {
            MrcHeader header = MrcReader.ReadHeader(f.Path);
            var (nx, ny, nz) = header.CanonicalDims;
            if (nx != box || ny != box || nz != box)
                throw new SirenException($"'{f.Path}' is {nx}×{ny}×{nz} but '{firstName}' is {box}³; all maps must share one box. Fix: resample the odd map to the ensemble's box (Fourier-crop it, e.g. cryodrgn downsample -D {box}), or remove it.");
            // Distances in Å (the locality factor) come from the first map's voxel size; a map on another grid is from another ensemble.
            // A header without a voxel size (cell 0 or NaN) is left to the callers: detection's --apix check, occupancy's masks check.
            if (VoxelSizes.IsSize(header.VoxelSize) && VoxelSizes.IsSize(first.VoxelSize) && !VoxelSizes.Same(header.VoxelSize, first.VoxelSize))
                throw new SirenException($"'{f.Path}' has voxels of {header.VoxelSize.X:G4} Å but '{firstName}' of {first.VoxelSize.X:G4} Å; the maps of one ensemble share one grid. Fix: correct the odd map's header, or remove it.");
            if (!SameOrigin(header.Origin, first.Origin))
                throw new SirenException($"'{f.Path}' has its origin at ({header.Origin.X:G6}, {header.Origin.Y:G6}, {header.Origin.Z:G6}) Å but '{firstName}' at ({first.Origin.X:G6}, {first.Origin.Y:G6}, {first.Origin.Z:G6}) Å; the maps of one ensemble are aligned on one grid. Fix: resample the odd map onto the others' grid, or correct its header if only the origin was written differently.");
        }
        return first;
    }

    /// <summary>Origins within a thousandth of an Å: headers written by one program in float32.</summary>
    internal static bool SameOrigin(Vec3 a, Vec3 b) => !(Math.Abs(a.X - b.X) > 1e-3 || Math.Abs(a.Y - b.Y) > 1e-3 || Math.Abs(a.Z - b.Z) > 1e-3);

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
