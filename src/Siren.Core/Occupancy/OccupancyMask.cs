using Siren.Core.Blocks;
using Siren.Core.Mrc;

namespace Siren.Core.Occupancy;

/// <summary>
/// A mask kept sparse: the flat indices (z·B² + y·B + x) of its nonzero voxels and their weights. MAVEn
/// multiplies the whole map by the mask; only nonzero voxels contribute, so summing over them gives the
/// same Σ(mask × map) at a fraction of the reads for the small blocks SIREn finds.
/// </summary>
public sealed class OccupancyMask
{
    public OccupancyMask(string name, int[] voxels, float[] weights, int box, float? voxelSize = null)
    {
        if (voxels.Length != weights.Length) throw new ArgumentException("voxels and weights differ in length", nameof(weights));
        Name = name; Voxels = voxels; Weights = weights; Box = box; VoxelSize = voxelSize;
        double size = 0;
        foreach (float w in weights) size += w;
        Size = size;
    }

    /// <summary>Column name in occupancies.csv: the mask file's stem (Mask_prots1_chaina, block_3).</summary>
    public string Name { get; }
    public int[] Voxels { get; }
    public float[] Weights { get; }
    public int Box { get; }

    /// <summary>
    /// Å per voxel from a mask file's header, to check against the maps'; for blocks that of their block MRCs
    /// (the maps' header size), not blocks.json's, which may be sketch's --apix (cryoDRGN writes 1 Å unless told otherwise).
    /// </summary>
    public float? VoxelSize { get; }

    /// <summary>Σ mask: the voxel count of a binary mask, the divisor of --per-voxel.</summary>
    public double Size { get; }

    /// <summary>The name a reference map for this mask has in MAVEn's layout: Mask_prots1_chainA ↔ prots1_chainA.</summary>
    public string ReferenceName => Name.StartsWith("Mask_", StringComparison.Ordinal) ? Name["Mask_".Length..] : Name;

    public static OccupancyMask FromVolume(string name, MrcVolume volume)
    {
        if (!volume.IsCubic)
            throw new SirenException($"mask '{name}' is {volume.Nx}×{volume.Ny}×{volume.Nz}, not a cube. Fix: resample masks onto the maps' cubic grid.");
        var voxels = new List<int>();
        var weights = new List<float>();
        float[] d = volume.Data;
        for (int i = 0; i < d.Length; i++)
        {
            if (d[i] == 0f) continue;
            voxels.Add(i);
            weights.Add(d[i]);
        }
        return new OccupancyMask(name, voxels.ToArray(), weights.ToArray(), volume.Nx,
            VoxelSizes.IsSize(volume.VoxelSize) ? volume.VoxelSize.X : null);
    }

    public static OccupancyMask FromBlock(Block block, int box, float? voxelSize = null) =>
        new($"block_{block.Id}", block.Voxels, Ones(block.Voxels.Length), box, voxelSize);

    /// <summary>Every .mrc or .map in <paramref name="maskdir"/>, in natural order, named by file stem.</summary>
    public static IReadOnlyList<OccupancyMask> ReadFolder(string maskdir)
    {
        if (File.Exists(maskdir))
            throw new SirenException($"--maskdir '{maskdir}' is a file. Fix: pass the folder holding the mask .mrc files.");
        if (!Directory.Exists(maskdir))
            throw new SirenException($"mask folder '{maskdir}' does not exist. Fix: pass --maskdir with the folder of mask .mrc files (e.g. MAVEn's Mask_prots1_chainA.mrc).");
        List<string> files = Ensemble.VolumeFolder.MapFiles(maskdir);
        if (files.Count == 0)
            throw new SirenException($"mask folder '{maskdir}' holds no .mrc files. Fix: point --maskdir at the folder of masks.");
        files.Sort(Ensemble.NaturalComparer.Instance);
        RefuseUnwritableNames(maskdir, files);
        return files.Select(f => FromVolume(Path.GetFileNameWithoutExtension(f), MrcReader.Read(f))).ToList();
    }

    /// <summary>
    /// The stems of <paramref name="files"/> become occupancies.csv's header as they are: a stem that repeats
    /// (a.mrc beside a.map), is vol_id, or holds a comma, quote, control character or edge space would
    /// write a table that classify and select refuse or read with other columns. Refused before any mask is read.
    /// </summary>
    private static void RefuseUnwritableNames(string maskdir, IReadOnlyList<string> files)
    {
        const string fix = "Fix: rename the mask files (their names without extension become the occupancies.csv column names).";
        // A line break in a file name would split the one error line.
        static string Shown(string file) => string.Concat(Path.GetFileName(file).Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        if (files.GroupBy(f => Path.GetFileNameWithoutExtension(f), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } repeated)
            throw new SirenException($"masks {string.Join(" and ", repeated.Select(f => $"'{Shown(f)}'"))} in '{maskdir}' would both be the column '{Shown(repeated.Key)}'. {fix}");
        foreach (string file in files)
        {
            string name = Path.GetFileNameWithoutExtension(file);
            string? why = name == "vol_id" ? "would be the column vol_id, the map ids' own"
                : name.IndexOfAny([',', '"']) >= 0 ? "holds a comma or quote, which would split or quote its CSV column name"
                : name.Any(char.IsControl) ? "holds a control character, which would break its CSV column name"
                : name != name.Trim() ? "starts or ends with a space, which CSV readers drop from its column name"
                : null;
            if (why is not null) throw new SirenException($"mask '{Shown(file)}' in '{maskdir}' {why}. {fix}");
        }
    }

    /// <summary>
    /// The blocks of a stage folder (OUT/02_expand) or blocks.json, one mask per block. The stage's block
    /// MRCs carry the header voxel size of the maps they were found in (blocks.json records the --apix used,
    /// which may differ), so beside them the masks get that size and blocks of another ensemble are refused.
    /// </summary>
    public static IReadOnlyList<OccupancyMask> FromBlocks(string blocksFolderOrFile)
    {
        BlockSet set = BlockSet.Read(blocksFolderOrFile);
        if (set.Blocks.Count == 0)
            throw new SirenException($"'{blocksFolderOrFile}' holds no blocks. Fix: rerun expand with looser p-values, or check the ensemble.");
        string folder = Directory.Exists(blocksFolderOrFile) ? blocksFolderOrFile : Path.GetDirectoryName(Path.GetFullPath(blocksFolderOrFile))!;
        string first = Path.Combine(folder, $"block_{set.Blocks[0].Id}.mrc");
        float? voxelSize = null;
        if (File.Exists(first) && MrcReader.ReadHeader(first).VoxelSize is { } size && VoxelSizes.IsSize(size)) voxelSize = size.X;
        return set.Blocks.Select(b => FromBlock(b, set.Box, voxelSize)).ToList();
    }

    private static float[] Ones(int count)
    {
        var ones = new float[count];
        Array.Fill(ones, 1f);
        return ones;
    }
}
