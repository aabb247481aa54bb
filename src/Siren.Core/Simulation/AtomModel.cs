using System.Globalization;
using System.Numerics;

namespace Siren.Core.Simulation;

/// <summary>
/// One atom of a model. <see cref="Model"/> names the file (or built-in complex) it came from, because a
/// segmented model such as the 50S reuses chain ids across files (prots1 chain A is uL2, RNA1 chain A a
/// 23S segment). <see cref="Position"/> is in Å, model coordinates.
/// </summary>
public readonly record struct Atom(
    string Model, string Chain, int Residue, string ResidueName, string Name,
    string Element, int AtomicNumber, float Mass, Vector3 Position)
{
    /// <summary>True for nucleotides (RNA/DNA residue names), whose density per dalton is higher than protein's.</summary>
    public bool IsNucleic => AtomModel.IsNucleotide(ResidueName);
}

/// <summary>
/// An atomic model: a flat list of atoms read from PDB (fixed columns) or mmCIF (atom_site loop), or
/// built by <see cref="PseudoComplex"/>. Hydrogens are kept when present; waters (HOH, WAT, DOD) are
/// dropped, since maps at these resolutions do not show them and they would shift residue counts and
/// molecular volumes; alternate locations other than the first are dropped; only the first MODEL is read.
/// </summary>
public sealed class AtomModel
{
    /// <summary>Å³ per Da of protein (partial specific volume 0.73 cm³/g, the usual cryo-EM rule).</summary>
    public const double ProteinVolumePerDalton = 1.21;

    /// <summary>Å³ per Da of RNA/DNA (partial specific volume ≈ 0.55 cm³/g: nucleic acid is denser than protein).</summary>
    public const double NucleicVolumePerDalton = 0.91;

    private static readonly HashSet<string> Nucleotides = new(StringComparer.OrdinalIgnoreCase)
    {
        "A", "C", "G", "U", "T", "I", "N", "DA", "DC", "DG", "DT", "DU", "DI", "ADE", "CYT", "GUA", "URA", "THY", "RA", "RC", "RG", "RU",
        "PSU", "5MU", "5MC", "1MG", "2MG", "7MG", "M2G", "OMC", "OMG", "OMU", "H2U", "4SU", "6MZ", "2MA", "3TD", "UR3", "MA6", "G7M",
    };

    public AtomModel(IReadOnlyList<Atom> atoms) => Atoms = atoms;

    public IReadOnlyList<Atom> Atoms { get; }

    public int Count => Atoms.Count;

    /// <summary>Σ atomic masses (Da).</summary>
    public double Mass => Atoms.Sum(a => (double)a.Mass);

    /// <summary>
    /// Molecular volume in Å³: Σ mass × 1.21 Å³/Da for protein atoms and × 0.91 Å³/Da for nucleotide atoms.
    /// The simulator's true threshold is the level of the noiseless map that encloses this volume.
    /// </summary>
    public double MolecularVolume => Atoms.Sum(a => a.Mass * (a.IsNucleic ? NucleicVolumePerDalton : ProteinVolumePerDalton));

    public static bool IsNucleotide(string residueName) => Nucleotides.Contains(residueName);

    public AtomModel Where(Func<Atom, bool> predicate) => new(Atoms.Where(predicate).ToArray());

    public static AtomModel Concat(IEnumerable<AtomModel> models) => new(models.SelectMany(m => m.Atoms).ToArray());

    /// <summary>
    /// Reads one model file (.pdb/.ent by fixed columns, .cif/.mmcif by the atom_site loop); atoms are
    /// tagged with <paramref name="modelName"/> (default: the file name without extension).
    /// </summary>
    public static AtomModel Read(string path, string? modelName = null)
    {
        if (!File.Exists(path))
            throw new SirenException($"atomic model '{path}' does not exist. Fix: pass a PDB or mmCIF file (or a folder of them) with --model.");
        string name = modelName ?? Path.GetFileNameWithoutExtension(path);
        string ext = Path.GetExtension(path).ToLowerInvariant();
        return ext is ".cif" or ".mmcif" ? ReadMmcif(path, name) : ReadPdb(path, name);
    }

    /// <summary>
    /// Reads a model given as one file or as a folder of .pdb/.cif files (a segmented model such as
    /// ../shared/data/ecoli50s_model); each file's atoms carry its name as <see cref="Atom.Model"/>.
    /// </summary>
    /// <param name="option">The option that named the model, for errors (make-training-set's is --ribosome).</param>
    public static AtomModel ReadPath(string fileOrFolder, string option = "--model")
    {
        if (File.Exists(fileOrFolder)) return Read(fileOrFolder);
        if (!Directory.Exists(fileOrFolder))
            throw new SirenException($"atomic model '{fileOrFolder}' does not exist. Fix: pass a PDB/mmCIF file or a folder of them with {option}.");
        string[] files = Directory.EnumerateFiles(fileOrFolder)
            .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".pdb" or ".ent" or ".cif" or ".mmcif")
            .Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
            throw new SirenException($"folder '{fileOrFolder}' holds no .pdb or .cif file. Fix: point {option} at the model's files.");
        // Selections name a file by its stem (model "prots1"): two files of one stem (a download's 1abc.pdb and
        // 1abc.cif) are one structure twice, which would double its density and its regions.
        if (files.GroupBy(f => Path.GetFileNameWithoutExtension(f), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new SirenException($"folder '{fileOrFolder}' holds {string.Join(" and ", twice.Select(Path.GetFileName))}, one model in two files. Fix: keep one of them in the folder given to {option}.");
        return Concat(files.Select(f => Read(f)));
    }

    /// <summary>Reads ATOM/HETATM records by their fixed PDB columns (element in columns 77–78).</summary>
    public static AtomModel ReadPdb(string path, string? modelName = null)
    {
        string name = modelName ?? Path.GetFileNameWithoutExtension(path);
        var atoms = new List<Atom>();
        var interned = new Dictionary<string, string>(StringComparer.Ordinal);
        int lineNo = 0;
        foreach (string line in IO.InputFile.ReadAllLines(path, "an atomic model", "pass a PDB or mmCIF file, or the folder of them, with --model"))
        {
            lineNo++;
            if (line.StartsWith("ENDMDL", StringComparison.Ordinal)) break;
            bool atom = line.StartsWith("ATOM  ", StringComparison.Ordinal);
            if (!atom && !line.StartsWith("HETATM", StringComparison.Ordinal)) continue;
            if (line.Length < 54)
                throw new SirenException($"'{path}' line {lineNo}: ATOM record shorter than 54 columns. Fix: the file must be fixed-column PDB.");
            char altLoc = line[16];
            if (altLoc != ' ' && altLoc != 'A' && altLoc != '1') continue;
            if (IsWater(Column(line, 17, 3))) continue;
            string atomName = Column(line, 12, 4);
            string element = line.Length >= 78 ? Column(line, 76, 2) : "";
            if (element.Length == 0) element = ElementFromAtomName(line.Substring(12, 4));
            if (!float.TryParse(Column(line, 30, 8), NumberStyles.Float, CultureInfo.InvariantCulture, out float x) ||
                !float.TryParse(Column(line, 38, 8), NumberStyles.Float, CultureInfo.InvariantCulture, out float y) ||
                !float.TryParse(Column(line, 46, 8), NumberStyles.Float, CultureInfo.InvariantCulture, out float z))
                throw new SirenException($"'{path}' line {lineNo}: coordinates in columns 31–54 are not numbers. Fix: the file must be fixed-column PDB.");
            int.TryParse(Column(line, 22, 4), NumberStyles.Integer, CultureInfo.InvariantCulture, out int residue);
            atoms.Add(MakeAtom(path, lineNo, name, Intern(interned, Column(line, 21, 1)), residue, Intern(interned, Column(line, 17, 3)),
                Intern(interned, atomName), element, new Vector3(x, y, z)));
        }
        if (atoms.Count == 0)
            throw new SirenException($"'{path}' has no ATOM or HETATM records. Fix: pass a PDB file with coordinates.");
        return new AtomModel(atoms);
    }

    /// <summary>
    /// Reads the _atom_site loop of an mmCIF file (author chain and residue numbers when given, as PDB
    /// files use them). Quoted values with spaces are handled; multi-line text fields do not occur in atom_site.
    /// </summary>
    public static AtomModel ReadMmcif(string path, string? modelName = null)
    {
        string name = modelName ?? Path.GetFileNameWithoutExtension(path);
        var columns = new List<string>();
        var atoms = new List<Atom>();
        var interned = new Dictionary<string, string>(StringComparer.Ordinal);
        bool inLoop = false, inAtomSite = false;
        int lineNo = 0;
        int firstModel = int.MinValue;
        foreach (string raw in IO.InputFile.ReadAllLines(path, "an atomic model", "pass a PDB or mmCIF file, or the folder of them, with --model"))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') { if (inAtomSite && atoms.Count > 0) break; inLoop = false; continue; }
            if (line == "loop_") { if (inAtomSite && atoms.Count > 0) break; inLoop = true; columns.Clear(); inAtomSite = false; continue; }
            if (inLoop && line.StartsWith("_atom_site.", StringComparison.Ordinal)) { columns.Add(line["_atom_site.".Length..]); inAtomSite = true; continue; }
            if (!inAtomSite || line[0] == '_') { if (inAtomSite && atoms.Count > 0) break; continue; }
            string[] f = SplitCif(line);
            if (f.Length < columns.Count) continue;
            string Get(params string[] keys)
            {
                foreach (string k in keys)
                {
                    int i = columns.IndexOf(k);
                    if (i >= 0 && f[i] is not "?" and not ".") return f[i];
                }
                return "";
            }
            if (int.TryParse(Get("pdbx_PDB_model_num"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int modelNum))
            {
                if (firstModel == int.MinValue) firstModel = modelNum;
                if (modelNum != firstModel) break;
            }
            string alt = Get("label_alt_id");
            if (alt.Length > 0 && alt != "A" && alt != "1") continue;
            if (IsWater(Get("auth_comp_id", "label_comp_id"))) continue;
            if (!float.TryParse(Get("Cartn_x"), NumberStyles.Float, CultureInfo.InvariantCulture, out float x) ||
                !float.TryParse(Get("Cartn_y"), NumberStyles.Float, CultureInfo.InvariantCulture, out float y) ||
                !float.TryParse(Get("Cartn_z"), NumberStyles.Float, CultureInfo.InvariantCulture, out float z))
                throw new SirenException($"'{path}' line {lineNo}: atom_site coordinates are not numbers. Fix: check the mmCIF file.");
            int.TryParse(Get("auth_seq_id", "label_seq_id"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int residue);
            string atomName = Get("auth_atom_id", "label_atom_id").Trim('"');
            string element = Get("type_symbol");
            if (element.Length == 0 && atomName.Length > 0) element = atomName[..1];
            atoms.Add(MakeAtom(path, lineNo, name, Intern(interned, Get("auth_asym_id", "label_asym_id")), residue,
                Intern(interned, Get("auth_comp_id", "label_comp_id")), Intern(interned, atomName), element, new Vector3(x, y, z)));
        }
        if (atoms.Count == 0)
            throw new SirenException($"'{path}' has no _atom_site records. Fix: pass an mmCIF file with coordinates.");
        return new AtomModel(atoms);
    }

    private static bool IsWater(string residueName) => residueName is "HOH" or "WAT" or "DOD" or "H2O";

    private static Atom MakeAtom(string path, int lineNo, string model, string chain, int residue, string residueName, string atomName, string element, Vector3 position)
    {
        // float.Parse takes "nan" and "inf" and turns an overflowing number into infinity; such an atom would
        // put NaN or nothing into the maps while still counting toward the molecular volume.
        if (!float.IsFinite(position.X) || !float.IsFinite(position.Y) || !float.IsFinite(position.Z))
            throw new SirenException(FormattableString.Invariant(
                $"'{path}' line {lineNo}: coordinates ({position.X}, {position.Y}, {position.Z}) are not finite numbers. Fix: give the atom real x, y, z in Å, or delete the record."));
        string symbol = Elements.Normalize(element);
        if (!Elements.TryGet(symbol, out int z, out double mass))
            throw new SirenException($"'{path}' line {lineNo}: unknown element '{element}'. Fix: put the element symbol in columns 77–78 (PDB) or type_symbol (mmCIF).");
        return new Atom(model, chain, residue, residueName, atomName, string.Intern(symbol), z, (float)mass, position);
    }

    private static string Column(string line, int start, int length) =>
        start >= line.Length ? "" : line.Substring(start, Math.Min(length, line.Length - start)).Trim();

    private static string Intern(Dictionary<string, string> pool, string s)
    {
        if (pool.TryGetValue(s, out string? existing)) return existing;
        pool[s] = s;
        return s;
    }

    /// <summary>
    /// Old PDB files leave columns 77–78 blank: the element is then right-justified in columns 13–14 of
    /// the atom name (" CA " is carbon alpha, "CA  " calcium), so a name starting with a space or a digit
    /// has a one-letter element.
    /// </summary>
    private static string ElementFromAtomName(string rawName)
    {
        if (rawName.Length == 0) return "";
        if (rawName[0] == ' ' || char.IsDigit(rawName[0]))
            return rawName.Length > 1 && char.IsLetter(rawName[1]) ? rawName[1..2] : "";
        return rawName.Length > 1 && char.IsLetter(rawName[1]) && Elements.TryGet(rawName[..2], out _, out _) ? rawName[..2] : rawName[..1];
    }

    private static string[] SplitCif(string line)
    {
        var parts = new List<string>();
        int i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            if (i >= line.Length) break;
            char q = line[i];
            if (q is '\'' or '"')
            {
                int end = i + 1;
                while (end < line.Length && !(line[end] == q && (end + 1 == line.Length || char.IsWhiteSpace(line[end + 1])))) end++;
                parts.Add(line[(i + 1)..Math.Min(end, line.Length)]);
                i = end + 1;
            }
            else
            {
                int end = i;
                while (end < line.Length && !char.IsWhiteSpace(line[end])) end++;
                parts.Add(line[i..end]);
                i = end;
            }
        }
        return parts.ToArray();
    }
}
