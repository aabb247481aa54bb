using System.Globalization;
using System.Text;
using Siren.Core.Blocks;
using Siren.Core.Ensemble;

namespace Siren.Core.ChimeraX;

/// <summary>
/// A ChimeraX command script (.cxc) that shows one map as a transparent grey surface at its threshold and
/// every block mask as an opaque-ish coloured surface, one colour per block, each model renamed block_&lt;id&gt;
/// so the Models panel reads like the block table. Paths are absolute: ChimeraX resolves relative paths
/// against its own working directory, not the script's.
/// </summary>
public static class ChimeraXScript
{
    /// <summary>Tableau 20: distinct colours in a fixed order, so block k has the same colour in every script.</summary>
    private static readonly string[] Palette =
    [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
        "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
    ];

    public static string ColorOf(int index) => Palette[index % Palette.Length];

    /// <summary>
    /// The block_&lt;id&gt;.mrc masks of the blocks a stage's blocks.json lists (of the folder, or of the folder
    /// of the blocks.json given), by id: the blocks occupancy measures, so the script draws those. Each mask
    /// must mark exactly its block's voxels: a stray or stale file, or a density map under a block's name,
    /// would otherwise be drawn as a block.
    /// </summary>
    public static IReadOnlyList<(int Id, string Path)> BlockMasks(string folder)
    {
        if (File.Exists(folder) && Path.GetFileName(folder) == BlockSet.FileName) folder = Path.GetDirectoryName(Path.GetFullPath(folder))!;
        if (File.Exists(folder))
            throw new SirenException($"--blocks '{folder}' is a file; the script draws every block of a stage. Fix: pass the folder that holds it, --blocks {Path.GetDirectoryName(Path.GetFullPath(folder))}.");
        if (!Directory.Exists(folder))
            throw new SirenException($"block folder '{folder}' does not exist. Fix: pass the stage folder that holds block_<id>.mrc (OUT/02_expand).");
        BlockSet set = BlockSet.Read(folder);
        if (set.Blocks.Count == 0)
            throw new SirenException($"'{folder}' holds no blocks (its {BlockSet.FileName} lists none). Fix: rerun expand with looser p-values, or check the ensemble.");
        var masks = new List<(int Id, string Path)>();
        foreach (Block block in set.Blocks.OrderBy(b => b.Id))
        {
            string path = Path.GetFullPath(Path.Combine(folder, $"block_{block.Id}.mrc"));
            if (!File.Exists(path))
                throw new SirenException($"'{folder}' lists block {block.Id} in {BlockSet.FileName} but has no block_{block.Id}.mrc. Fix: rerun siren expand (or sketch) into that folder.");
            RequireMaskOf(block, set.Box, path);
            masks.Add((block.Id, path));
        }
        return masks;
    }

    private static void RequireMaskOf(Block block, int box, string path)
    {
        Mrc.MrcVolume mask = Mrc.MrcReader.Read(path);
        if ((mask.Nx, mask.Ny, mask.Nz) != (box, box, box))
            throw new SirenException($"'{path}' is {mask.Nx}×{mask.Ny}×{mask.Nz} but {BlockSet.FileName} beside it is of box {box}. Fix: rerun siren expand (or sketch) into that folder.");
        var marked = new List<int>();
        for (int v = 0; v < mask.Data.Length; v++)
        {
            if (mask.Data[v] == 1f) marked.Add(v);
            else if (mask.Data[v] != 0f)
                throw new SirenException($"'{path}' holds the value {mask.Data[v]} at voxel {v}: a block mask is 0 or 1, so this is no mask siren wrote. Fix: rerun siren expand (or sketch) into that folder.");
        }
        if (!marked.SequenceEqual(block.Voxels.Order()))
            throw new SirenException($"'{path}' marks {marked.Count} voxels that are not the {block.Voxels.Length} of block {block.Id} in {BlockSet.FileName}. Fix: rerun siren expand (or sketch) into that folder.");
    }

    public static string Build(string mapPath, double level, IReadOnlyList<(int Id, string Path)> blocks, double mapTransparency = 0.7, double blockTransparency = 0.3)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("# Siren.Native: map at its threshold with the structural blocks as coloured surfaces.\n");
        sb.Append("# Run in ChimeraX with: open <this script>.cxc\n");
        sb.Append("close session\n");
        sb.Append(inv, $"open {Quote(Path.GetFullPath(mapPath))}\n");
        sb.Append(inv, $"volume #1 level {level:R} style surface color #b0b0b0 transparency {mapTransparency:R}\n");
        sb.Append("rename #1 ").Append(Quote(Path.GetFileNameWithoutExtension(mapPath))).Append('\n');
        for (int i = 0; i < blocks.Count; i++)
        {
            int model = i + 2;
            // Block masks are 0/1, so level 0.5 draws exactly the block's voxels.
            sb.Append(inv, $"open {Quote(blocks[i].Path)}\n");
            sb.Append(inv, $"volume #{model} level 0.5 style surface color {ColorOf(i)} transparency {blockTransparency:R}\n");
            sb.Append(inv, $"rename #{model} block_{blocks[i].Id}\n");
        }
        sb.Append("view\n");
        return sb.ToString();
    }

    /// <summary>The level to show a map at: a constant, or the map's own entry in a thresholds table.</summary>
    public static double LevelFor(string mapPath, Thresholds thresholds)
    {
        // One level for all needs no map id: a consensus map (consensus.mrc) may show the blocks.
        if (!thresholds.IsPerMap) return thresholds.For(0);
        int id = VolumeFolder.MapIdOf(mapPath);
        return thresholds.Has(id) ? thresholds.For(id)
            : throw new SirenException($"'{thresholds.Source}' has no level for map {id} ('{Path.GetFileName(mapPath)}'). Fix: pass --threshold, or the thresholds CSV of this map's ensemble.");
    }

    /// <summary>
    /// ChimeraX would open a broken map or masks of another box without complaint and draw nonsense over the
    /// wrong voxels, so the map is read in full (size, mode, finite values) and every mask must share its grid.
    /// The map is returned for <see cref="LevelWarning"/>.
    /// </summary>
    public static Mrc.MrcVolume ReadMapOnBlocksGrid(string mapPath, IReadOnlyList<(int Id, string Path)> blocks)
    {
        var map = Mrc.MrcReader.Read(mapPath);
        Thresholding.MapNormalization.RequireFinite(map.Data, $"'{mapPath}'");
        foreach (var (id, path) in blocks)
        {
            Mrc.MrcHeader header = Mrc.MrcReader.ReadCheckedHeader(path);
            var (nx, ny, nz) = header.CanonicalDims;
            if ((nx, ny, nz) != (map.Nx, map.Ny, map.Nz))
                throw new SirenException($"block_{id} ('{path}') is {nx}×{ny}×{nz} but the map '{mapPath}' is {map.Nx}×{map.Ny}×{map.Nz}. Fix: pass a map of the ensemble the blocks were found in.");
            // Block masks carry the maps' header voxel size (sketch writes it), so another size is another ensemble.
            Mrc.Vec3 size = header.VoxelSize;
            if (Mrc.VoxelSizes.IsSize(size) && Mrc.VoxelSizes.IsSize(map.VoxelSize) && !Mrc.VoxelSizes.Same(size.X, map.VoxelSize.X))
                throw new SirenException($"block_{id} ('{path}') has voxels of {size.X:G4} Å but the map '{mapPath}' of {map.VoxelSize.X:G4} Å. Fix: pass a map of the ensemble the blocks were found in.");
            // ChimeraX places each file by its own origin: blocks from maps placed elsewhere would be drawn shifted.
            if (!VolumeFolder.SameOrigin(header.Origin, map.Origin))
                throw new SirenException(string.Create(CultureInfo.InvariantCulture,
                    $"block_{id} ('{path}') has its origin at ({header.Origin.X:G6}, {header.Origin.Y:G6}, {header.Origin.Z:G6}) Å but the map '{mapPath}' at ({map.Origin.X:G6}, {map.Origin.Y:G6}, {map.Origin.Z:G6}) Å, so ChimeraX would draw the blocks shifted. Fix: pass a map of the ensemble the blocks were found in."));
        }
        return map;
    }

    /// <summary>
    /// A level at or above the map's maximum draws no surface (or below its minimum, a filled box): the
    /// script would open without complaint and show nothing useful. Null when the level cuts the map.
    /// </summary>
    public static string? LevelWarning(Mrc.MrcVolume map, double level, string mapPath)
    {
        var (min, max) = Thresholding.MapNormalization.Extremes(map.Data);
        if (level >= max)
            return $"warning: level {level:G4} is at or above the largest value of '{mapPath}' ({max:G4}), so ChimeraX draws no surface for it. Fix: check --threshold/--thresholds against the map's values.";
        if (level < min)
            return $"warning: level {level:G4} is below the smallest value of '{mapPath}' ({min:G4}), so ChimeraX draws the whole box. Fix: check --threshold/--thresholds against the map's values.";
        return null;
    }

    /// <summary>
    /// A path or name as one ChimeraX argument: quoted when it holds anything but plain path characters (a
    /// space would split it: `rename #1 my map` names the model "my"). A double quote, a semicolon (which
    /// ends a command) or a line break cannot be quoted in a .cxc line, so such a name is refused.
    /// </summary>
    private static string Quote(string text) => TryQuote(text)
        ?? throw new SirenException($"'{text}' holds a character a ChimeraX script cannot quote (\", ; or a line break). Fix: rename the file or folder.");

    /// <summary><see cref="Quote"/>, or null for a text that cannot be quoted.</summary>
    internal static string? TryQuote(string text) =>
        text.IndexOfAny(['"', ';', '\n', '\r']) >= 0 ? null
        : text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/' or '+' or ':') ? text : $"\"{text}\"";
}
