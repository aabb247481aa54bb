using System.Numerics;
using Siren.Core.Simulation;

namespace Siren.Core.Tests.Simulation;

public class AtomModelTests
{
    private const string Pdb =
        "HEADER    TEST\n" +
        "ATOM      1  N   ALA A   2      11.104  13.207   9.500  1.00 20.00           N  \n" +
        "ATOM      2  CA AALA A   2      12.000  14.000  10.000  0.50 20.00           C  \n" +
        "ATOM      3  CA BALA A   2      99.000  99.000  99.000  0.50 20.00           C  \n" +
        "ATOM      4  O   ALA A   3       1.000   2.000   3.000  1.00 20.00              \n" +
        "HETATM    5 MG    MG B 101      -5.500   0.250   7.125  1.00 20.00          MG  \n" +
        "ATOM      6  P     G C   7       0.000   0.000   0.000  1.00 20.00           P  \n" +
        "HETATM    7  O   HOH A 301       0.000   0.000   0.000  1.00 20.00           O  \n" +
        "ENDMDL\n" +
        "ATOM      8  N   ALA A   9       0.000   0.000   0.000  1.00 20.00           N  \n";

    [Fact]
    public void ReadPdb_ReadsFixedColumnsElementsAndFirstAltLoc()
    {
        string path = Path.Combine(TestPaths.NewTempDir(), "tiny.pdb");
        File.WriteAllText(path, Pdb);

        AtomModel model = AtomModel.Read(path);

        Assert.Equal(5, model.Count);
        Atom ca = model.Atoms[1];
        Assert.Equal(("tiny", "A", 2, "ALA", "CA", "C", 6), (ca.Model, ca.Chain, ca.Residue, ca.ResidueName, ca.Name, ca.Element, ca.AtomicNumber));
        Assert.Equal(new Vector3(12, 14, 10), ca.Position);
        Assert.Equal("O", model.Atoms[2].Element);
        Atom mg = model.Atoms[3];
        Assert.Equal(("Mg", 12, "B", 101), (mg.Element, mg.AtomicNumber, mg.Chain, mg.Residue));
        Assert.Equal(new Vector3(-5.5f, 0.25f, 7.125f), mg.Position);
        Assert.True(model.Atoms[4].IsNucleic);
        Assert.False(ca.IsNucleic);
        double expectedMass = 14.007 + 12.011 + 15.999 + 24.305 + 30.974;
        Assert.Equal(expectedMass, model.Mass, 2);
        double expectedVolume = (14.007 + 12.011 + 15.999 + 24.305) * AtomModel.ProteinVolumePerDalton + 30.974 * AtomModel.NucleicVolumePerDalton;
        Assert.Equal(expectedVolume, model.MolecularVolume, 2);
    }

    [Fact]
    public void ReadMmcif_ReadsAtomSiteLoopWithAuthorIds()
    {
        string path = Path.Combine(TestPaths.NewTempDir(), "tiny.cif");
        File.WriteAllText(path, """
            data_tiny
            #
            loop_
            _atom_site.group_PDB
            _atom_site.id
            _atom_site.type_symbol
            _atom_site.label_atom_id
            _atom_site.label_alt_id
            _atom_site.label_comp_id
            _atom_site.label_asym_id
            _atom_site.label_seq_id
            _atom_site.Cartn_x
            _atom_site.Cartn_y
            _atom_site.Cartn_z
            _atom_site.auth_seq_id
            _atom_site.auth_asym_id
            _atom_site.pdbx_PDB_model_num
            ATOM 1 N N . ALA AA 1 1.0 2.0 3.0 5 A 1
            ATOM 2 C "C1'" . G BA 2 4.0 5.0 6.0 7 R 1
            ATOM 3 C CA . ALA AA 1 0.0 0.0 0.0 5 A 2
            #
            """);

        AtomModel model = AtomModel.Read(path);

        Assert.Equal(2, model.Count);
        Assert.Equal(("A", 5, "N", 7), (model.Atoms[0].Chain, model.Atoms[0].Residue, model.Atoms[0].Element, model.Atoms[0].AtomicNumber));
        Assert.Equal(("R", 7, "C1'", true), (model.Atoms[1].Chain, model.Atoms[1].Residue, model.Atoms[1].Name, model.Atoms[1].IsNucleic));
        Assert.Equal(new Vector3(4, 5, 6), model.Atoms[1].Position);
    }

    [Fact]
    public void ReadPath_OneModelInTwoFormatsIsRefusedNotDoubled()
    {
        string dir = TestPaths.NewTempDir();
        File.WriteAllText(Path.Combine(dir, "tiny.pdb"), Pdb);
        Assert.Equal(AtomModel.Read(Path.Combine(dir, "tiny.pdb")).Atoms.Count, AtomModel.ReadPath(dir).Atoms.Count);
        File.WriteAllText(Path.Combine(dir, "tiny.cif"), "loop_\n_atom_site.type_symbol\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\nC 1.0 2.0 3.0\n");
        var e = Assert.Throws<SirenException>(() => AtomModel.ReadPath(dir));
        Assert.Contains("tiny.cif and tiny.pdb", e.Message);
        Assert.Contains("Fix:", e.Message);
    }

    [Fact]
    public void Read_UnknownElement_IsAUserError()
    {
        string path = Path.Combine(TestPaths.NewTempDir(), "bad.pdb");
        File.WriteAllText(path, "ATOM      1  X   ALA A   2      11.104  13.207   9.500  1.00 20.00           Xx \n");

        var e = Assert.Throws<SirenException>(() => AtomModel.Read(path));
        Assert.Contains("bad.pdb", e.Message);
        Assert.Contains("line 1", e.Message);
    }

    [Theory]
    [InlineData("bad.pdb", "ATOM      1  CA  ALA A   2         nan  13.207   9.500  1.00 20.00           C  \n", "line 1")]
    [InlineData("bad.pdb", "HEADER    TEST\nATOM      1  CA  ALA A   2      11.104    1e39   9.500  1.00 20.00           C  \n", "line 2")]
    [InlineData("bad.cif", "loop_\n_atom_site.type_symbol\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\nC 1.0 2.0 3.0\nC 1.0 Infinity 3.0\n", "line 7")]
    public void Read_NonFiniteCoordinate_IsAUserErrorNamingTheLine(string name, string text, string line)
    {
        string path = Path.Combine(TestPaths.NewTempDir(), name);
        File.WriteAllText(path, text);

        var e = Assert.Throws<SirenException>(() => AtomModel.Read(path));

        Assert.Contains(name, e.Message);
        Assert.Contains(line, e.Message);
        Assert.Contains("not finite", e.Message);
    }

    [SharedDataFact]
    public void ReadPath_Ecoli50S_HasAllSevenFilesAndUl2AsProts1ChainA()
    {
        AtomModel model = AtomModel.ReadPath(Path.Combine(TestPaths.SharedData!, "ecoli50s_model"));

        Assert.InRange(model.Count, 85_000, 95_000);
        Assert.Equal(["RNA1", "RNA2", "RNA3", "RNA4", "RNA_5S", "prots1", "prots2"], model.Atoms.Select(a => a.Model).Distinct().Order(StringComparer.Ordinal));
        int[] ul2Residues = model.Atoms.Where(a => a.Model == "prots1" && a.Chain == "A").Select(a => a.Residue).Distinct().Order().ToArray();
        Assert.Equal(271, ul2Residues.Length);
        Assert.Equal((2, 272), (ul2Residues[0], ul2Residues[^1]));
        // The model sits inside the 64 × 6.55 Å box at origin 0.
        Assert.All(model.Atoms, a => Assert.InRange(a.Position.X, 0f, 64 * 6.55f));
    }
}
