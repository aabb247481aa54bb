using System.Text;
using Siren.Core.IO;

namespace Siren.Core.Curation;

/// <summary>
/// A RELION STAR file kept as its bytes, so filtering the particles changes nothing but the particle
/// rows: the optics table of RELION 3.1+ (data_optics), comments, other blocks, column order, line endings,
/// a byte-order mark and names in any encoding stay byte for byte. The particles are the loop of
/// data_particles (3.1+) or, in 3.0 files without optics, the first loop that has _rlnImageName.
/// </summary>
public sealed class StarFile
{
    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    private readonly byte[] _bytes;
    private readonly int[] _lineStarts;
    private readonly int[] _particleRows;

    private StarFile(string path, byte[] bytes, int[] lineStarts, string block, int[] particleRows, bool hasOptics)
    {
        Path = path; _bytes = bytes; _lineStarts = lineStarts; ParticlesBlock = block; _particleRows = particleRows; HasOptics = hasOptics;
    }

    public string Path { get; }

    /// <summary>Name of the block holding the particles ("particles", or "" for a 3.0 "data_" block).</summary>
    public string ParticlesBlock { get; }

    public bool HasOptics { get; }

    public int ParticleCount => _particleRows.Length;

    public static StarFile Read(string path)
    {
        return Parse(path, InputFile.ReadAllBytes(path, "a STAR file", "pass the particles .star file itself with --star"));
    }

    public static StarFile Parse(string path, byte[] bytes)
    {
        int[] lineStarts = LineStarts(bytes);
        var loops = new List<(string Block, List<string> Labels, List<int> Rows)>();
        string block = "";
        bool hasOptics = false;
        (string Block, List<string> Labels, List<int> Rows)? loop = null;
        bool inLabels = false;
        for (int i = 0; i < lineStarts.Length - 1; i++)
        {
            // Only the structure is read, and it is ASCII: names in rows need not be UTF-8.
            ReadOnlySpan<byte> t = bytes.AsSpan(lineStarts[i], lineStarts[i + 1] - lineStarts[i]);
            if (i == 0 && t.StartsWith(ByteOrderMark)) t = t[ByteOrderMark.Length..];
            t = t.Trim(" \t\r\n\v\f"u8);
            // A block header is one word, perhaps with a comment after it; a loop row whose first value starts
            // with data_ (a micrograph data_0.mrc) has more values, and stays a row.
            int space = t.IndexOfAny(" \t\v\f"u8);
            ReadOnlySpan<byte> afterWord = space < 0 ? [] : t[space..].TrimStart(" \t\v\f"u8);
            if (t.StartsWith("data_"u8) && (afterWord.IsEmpty || afterWord[0] == (byte)'#'))
            {
                block = Encoding.UTF8.GetString(t["data_".Length..(space < 0 ? t.Length : space)]);
                hasOptics |= block == "optics";
                loop = null;
                continue;
            }
            // loop_ may carry a comment after it (loop_ # particles).
            if (t.StartsWith("loop_"u8) && (t.Length == 5 || t[5] is (byte)' ' or (byte)'\t' or (byte)'#'))
            {
                loop = (block, new List<string>(), new List<int>());
                loops.Add(loop.Value);
                inLabels = true;
                continue;
            }
            if (t.IsEmpty || t[0] == (byte)'#') continue;
            if (loop is null) continue;
            if (t[0] == (byte)'_')
            {
                if (inLabels)
                {
                    int end = t.IndexOfAny(" \t\v\f"u8);
                    loop.Value.Labels.Add(Encoding.UTF8.GetString(end < 0 ? t : t[..end]));
                    continue;
                }
                loop = null; // a key-value pair after a loop ends it
                continue;
            }
            inLabels = false;
            loop.Value.Rows.Add(i);
        }
        var particles = loops.FirstOrDefault(l => l.Block == "particles" && l.Labels.Contains("_rlnImageName"));
        if (particles.Labels is null) particles = loops.FirstOrDefault(l => l.Labels.Contains("_rlnImageName"));
        if (particles.Labels is null)
            throw new SirenException($"'{path}' has no particle loop (a loop with _rlnImageName). Fix: pass the particles STAR file used to train cryoDRGN.");
        // A row cut short (an interrupted copy, a hand edit) would be copied into the selection as it is and
        // fail in RELION, far from here.
        foreach (int row in particles.Rows)
        {
            int fields = CountFields(bytes.AsSpan(lineStarts[row], lineStarts[row + 1] - lineStarts[row]));
            if (fields != particles.Labels.Count)
                throw new SirenException($"'{path}' line {row + 1} has {fields} fields but the particle loop has {particles.Labels.Count} columns. Fix: repair or re-export the STAR file.");
        }
        return new StarFile(path, bytes, lineStarts, particles.Block, particles.Rows.ToArray(), hasOptics);
    }

    /// <summary>Whitespace-separated values of a data row; a value in 'single' or "double" quotes (STAR) is one field.</summary>
    private static int CountFields(ReadOnlySpan<byte> line)
    {
        int fields = 0, i = 0;
        static bool Space(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'\v' or (byte)'\f';
        while (i < line.Length)
        {
            if (Space(line[i])) { i++; continue; }
            fields++;
            if (line[i] is (byte)'\'' or (byte)'"')
            {
                // The value ends at the same quote followed by whitespace or the end of the line.
                byte quote = line[i++];
                while (i < line.Length && !(line[i] == quote && (i + 1 == line.Length || Space(line[i + 1])))) i++;
                i++;
            }
            else
            {
                while (i < line.Length && !Space(line[i])) i++;
            }
        }
        return fields;
    }

    /// <summary>
    /// Where each line begins, its line ending (\n, \r\n or a lone \r, as text readers split) included in it,
    /// and the file's length last, so line i is bytes [starts[i], starts[i + 1]).
    /// </summary>
    private static int[] LineStarts(byte[] bytes)
    {
        var starts = new List<int> { 0 };
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\r' && i + 1 < bytes.Length && bytes[i + 1] == (byte)'\n') i++;
            if (bytes[i] is (byte)'\n' or (byte)'\r') starts.Add(i + 1);
        }
        if (starts[^1] != bytes.Length) starts.Add(bytes.Length);
        return starts.ToArray();
    }

    /// <summary>
    /// The file with only the particle rows at the given 0-based indices (in file order); every other byte,
    /// line endings included, is copied unchanged.
    /// </summary>
    public byte[] Filter(IEnumerable<long> indices)
    {
        var keep = new bool[_particleRows.Length];
        foreach (long index in indices)
        {
            if (index < 0 || index >= _particleRows.Length)
                throw new SirenException($"particle index {index} is outside '{Path}', which has {_particleRows.Length} particles. Fix: pass the STAR file the labels were computed on.");
            keep[index] = true;
        }
        var drop = new bool[_lineStarts.Length - 1];
        for (int p = 0; p < _particleRows.Length; p++) drop[_particleRows[p]] = !keep[p];
        long length = 0;
        for (int i = 0; i < drop.Length; i++)
            if (!drop[i]) length += _lineStarts[i + 1] - _lineStarts[i];
        var filtered = new byte[length];
        int at = 0;
        for (int i = 0; i < drop.Length; i++)
        {
            if (drop[i]) continue;
            ReadOnlySpan<byte> line = _bytes.AsSpan(_lineStarts[i], _lineStarts[i + 1] - _lineStarts[i]);
            line.CopyTo(filtered.AsSpan(at));
            at += line.Length;
        }
        return filtered;
    }
}
