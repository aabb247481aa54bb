using System.Text.Json;
using Siren.Core.IO;
using Siren.Core.Mrc;

namespace Siren.Core.Blocks;

/// <summary>A structural block: flat voxel indices (z·B² + y·B + x), ascending, and the pass that found it.</summary>
public sealed record Block(int Id, int[] Voxels, string Pass = BlockSet.PositivePass);

/// <summary>
/// The blocks of one stage as written to blocks.json:
/// <c>{"box": B, "apix": A, "blocks": [{"id": k, "pass": "positive", "voxels": [...]}]}</c>, plus one
/// block_&lt;id&gt;.mrc mask each (float32 0/1 on the maps' grid).
/// </summary>
public sealed record BlockSet(int Box, double Apix, IReadOnlyList<Block> Blocks)
{
    public const string FileName = "blocks.json";
    public const string PositivePass = "positive";
    public const string ComplementPass = "complement";

    /// <summary>A block that a positive and a complement block both found (`--pass both`).</summary>
    public const string BothPasses = "both";

    /// <summary>Reads blocks.json from a stage folder (OUT/02_expand) or from the file itself.</summary>
    public static BlockSet Read(string folderOrFile)
    {
        string path = Directory.Exists(folderOrFile) ? Path.Combine(folderOrFile, FileName) : folderOrFile;
        if (!File.Exists(path))
        {
            // The run's or sketch's OUT given for its stage folder: name the stage folder that has the blocks.
            string? stage = Directory.Exists(folderOrFile)
                ? new[] { BlockDetection.ExpandFolder, BlockDetection.SketchFolder }.Select(f => Path.Combine(folderOrFile, f)).FirstOrDefault(f => File.Exists(Path.Combine(f, FileName)))
                : null;
            throw new SirenException(stage is not null
                ? $"no blocks at '{path}', but '{stage}' holds them. Fix: pass that stage folder, --blocks {stage}."
                : $"no blocks at '{path}'. Fix: run siren sketch/expand first, or pass the stage folder that holds {FileName}.");
        }
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = doc.RootElement;
            int box = WholeNumber(Field(root, "box"), "box");
            double apix = Field(root, "apix").GetDouble();
            // Voxels index a box³ array and ids name occupancy columns: a hand-edited file must fail here, not as an index error or a repeated column later.
            if (box is < 1 or > 1290) throw new FormatException($"box {box} is not a map's box (1 to 1290, whose voxels an int still indexes)");
            if (!(apix > 0 && double.IsFinite(apix))) throw new FormatException($"apix {apix} is not a voxel size in Å");
            long voxelCount = (long)box * box * box;
            var blocks = new List<Block>();
            var ids = new HashSet<int>();
            foreach (JsonElement b in Field(root, "blocks").EnumerateArray())
            {
                int id = WholeNumber(Field(b, "id"), "a block's id");
                int[] voxels = Field(b, "voxels").EnumerateArray().Select(v => WholeNumber(v, $"a voxel of block {id}")).ToArray();
                int outside = Array.FindIndex(voxels, v => v < 0 || v >= voxelCount);
                if (outside >= 0) throw new FormatException($"block {id} has voxel {voxels[outside]}, outside the {box}³ box");
                // An empty block has no median voxel or fraction, and a repeated voxel would count twice.
                if (voxels.Length == 0) throw new FormatException($"block {id} has no voxels");
                if (voxels.Distinct().Count() != voxels.Length) throw new FormatException($"block {id} lists a voxel twice");
                if (!ids.Add(id)) throw new FormatException($"block id {id} appears twice");
                // The size is written for people and other tools reading the file; one that disagrees says the file was edited.
                if (b.TryGetProperty("size", out JsonElement size) && WholeNumber(size, $"the size of block {id}") != voxels.Length)
                    throw new FormatException($"block {id} gives size {size.GetInt32()} but lists {voxels.Length} voxels");
                string pass = b.TryGetProperty("pass", out JsonElement p) ? p.GetString() ?? PositivePass : PositivePass;
                blocks.Add(new Block(id, voxels, pass));
            }
            return new BlockSet(box, apix, blocks);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new SirenException($"'{path}' is not a valid blocks file: {e.Message.TrimEnd('.')}. Fix: regenerate it with siren sketch/expand.", e);
        }
    }

    /// <summary>An int field, or a message that names it (.NET's own names neither the field nor the value).</summary>
    private static int WholeNumber(JsonElement element, string what) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out int value) ? value
            : throw new FormatException($"{what} is {(element.ValueKind == JsonValueKind.Number ? element.GetRawText() : element.ValueKind.ToString().ToLowerInvariant())}, not a whole number");

    /// <summary>A field the file must have; .NET's KeyNotFoundException would not say which.</summary>
    private static JsonElement Field(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) ? value
            : throw new FormatException(element.ValueKind == JsonValueKind.Object ? $"no \"{name}\" field" : $"{element.ValueKind.ToString().ToLowerInvariant()} where an object with \"{name}\" belongs");

    /// <summary>Writes blocks.json and one block_&lt;id&gt;.mrc per block into <paramref name="folder"/>, replacing stale block files.</summary>
    public void Write(string folder, Vec3 voxelSize, Vec3 origin)
    {
        AtomicFile.EnsureDirectory(folder);
        foreach (string stale in Directory.EnumerateFiles(folder, "block_*.mrc"))
            File.Delete(stale);
        foreach (Block block in Blocks)
        {
            var mask = MrcVolume.Zeros(Box, voxelSize, origin);
            foreach (int v in block.Voxels) mask.Data[v] = 1f;
            MrcWriter.Write(Path.Combine(folder, $"block_{block.Id}.mrc"), mask, label: $"Siren.Native {block.Pass} block {block.Id}");
        }
        AtomicFile.Write(Path.Combine(folder, FileName), stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
            w.WriteStartObject();
            w.WriteNumber("box", Box);
            w.WriteNumber("apix", Apix);
            w.WriteStartArray("blocks");
            foreach (Block block in Blocks)
            {
                w.WriteStartObject();
                w.WriteNumber("id", block.Id);
                w.WriteString("pass", block.Pass);
                w.WriteNumber("size", block.Voxels.Length);
                w.WriteStartArray("voxels");
                foreach (int v in block.Voxels) w.WriteNumberValue(v);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}
