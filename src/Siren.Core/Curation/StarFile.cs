using System.Text;
using Siren.Core.IO;

namespace Siren.Core.Curation;

/// <summary>
/// A RELION STAR file kept as its lines, so filtering the particles changes nothing but the particle
/// rows: the optics table of RELION 3.1+ (data_optics), comments, other blocks and column order stay
/// byte for byte. The particles are the loop of data_particles (3.1+) or, in 3.0 files without optics,
/// the first loop that has _rlnImageName.
/// </summary>
public sealed class StarFile
{
    private readonly string[] _lines;
    private readonly int[] _particleRows;

    private StarFile(string path, string[] lines, string block, int[] particleRows, bool hasOptics)
    {
        Path = path; _lines = lines; ParticlesBlock = block; _particleRows = particleRows; HasOptics = hasOptics;
    }

    public string Path { get; }

    /// <summary>Name of the block holding the particles ("particles", or "" for a 3.0 "data_" block).</summary>
    public string ParticlesBlock { get; }

    public bool HasOptics { get; }

    public int ParticleCount => _particleRows.Length;

    public static StarFile Read(string path)
    {
        return Parse(path, InputFile.ReadAllLines(path, "a STAR file", "pass the particles .star file itself with --star"));
    }

    public static StarFile Parse(string path, string[] lines)
    {
        var loops = new List<(string Block, List<string> Labels, List<int> Rows)>();
        string block = "";
        bool hasOptics = false;
        (string Block, List<string> Labels, List<int> Rows)? loop = null;
        bool inLabels = false;
        for (int i = 0; i < lines.Length; i++)
        {
            string t = lines[i].Trim();
            if (t.StartsWith("data_", StringComparison.Ordinal))
            {
                block = t["data_".Length..];
                hasOptics |= block == "optics";
                loop = null;
                continue;
            }
            if (t == "loop_")
            {
                loop = (block, new List<string>(), new List<int>());
                loops.Add(loop.Value);
                inLabels = true;
                continue;
            }
            if (t.Length == 0 || t.StartsWith('#')) continue;
            if (loop is null) continue;
            if (t.StartsWith('_'))
            {
                if (inLabels) { loop.Value.Labels.Add(t.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0]); continue; }
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
        return new StarFile(path, lines, particles.Block, particles.Rows.ToArray(), hasOptics);
    }

    /// <summary>The file with only the particle rows at the given 0-based indices (in file order); everything else unchanged.</summary>
    public string Filter(IEnumerable<long> indices)
    {
        var keep = new HashSet<int>();
        foreach (long index in indices)
        {
            if (index < 0 || index >= _particleRows.Length)
                throw new SirenException($"particle index {index} is outside '{Path}', which has {_particleRows.Length} particles. Fix: pass the STAR file the labels were computed on.");
            keep.Add(_particleRows[(int)index]);
        }
        var drop = new HashSet<int>(_particleRows);
        drop.ExceptWith(keep);
        var sb = new StringBuilder();
        for (int i = 0; i < _lines.Length; i++)
        {
            if (drop.Contains(i)) continue;
            sb.Append(_lines[i]).Append('\n');
        }
        return sb.ToString();
    }

    public void WriteFiltered(string path, IEnumerable<long> indices) => AtomicFile.WriteAllText(path, Filter(indices));
}
