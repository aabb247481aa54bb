using System.Numerics;

namespace Siren.Core.Simulation;

/// <summary>One subunit of the built-in complex: its chain id, role and bead count (residues).</summary>
public sealed record PseudoSubunit(string Chain, PseudoSubunitRole Role, int Residues);

public enum PseudoSubunitRole
{
    /// <summary>Always present: the body every map shares.</summary>
    Core,

    /// <summary>Docked on the core; the demo removes it in some classes (compositional heterogeneity).</summary>
    Docked,

    /// <summary>A rod hinged on the core; the demo swings it about <see cref="PseudoComplex.ArmAxis"/> (conformational heterogeneity).</summary>
    Arm,
}

/// <summary>
/// A procedurally generated pseudo-complex, so the demo and tests need no file from outside the
/// repository: three core subunits (chains A–C), two docked subunits (D, E) and a flexible arm (F).
/// Each subunit is an ellipsoid filled by a bead chain — one bead per residue on a serpentine path at
/// 5.1 Å spacing (133 Å³ per residue, protein's packing), each bead a cluster of 8 atoms (5 C, 1 N, 2 O,
/// 106 Da) — so its molmap has protein-like density and residue ranges are compact regions.
/// Coordinates are in Å on <see cref="Grid"/> (default box 64, 4 Å/px, origin 0, so the complex spans
/// about 190 Å of the 256 Å box). The seed only jitters beads and atoms; the layout is fixed.
/// </summary>
public sealed class PseudoComplex
{
    public const string ModelName = "builtin";
    private const float BeadSpacing = 5.1f;

    private PseudoComplex(AtomModel model, GridSpec grid, IReadOnlyList<PseudoSubunit> subunits, Vector3 armPivot, Vector3 armAxis)
    {
        Model = model; Grid = grid; Subunits = subunits; ArmPivot = armPivot; ArmAxis = armAxis;
    }

    public AtomModel Model { get; }

    /// <summary>The grid the complex was laid out for (box 64, 4 Å/px by default).</summary>
    public GridSpec Grid { get; }

    public IReadOnlyList<PseudoSubunit> Subunits { get; }

    /// <summary>Chain id of the flexible arm.</summary>
    public string ArmChain => "F";

    /// <summary>Å position of the arm's hinge, on the core's surface.</summary>
    public Vector3 ArmPivot { get; }

    /// <summary>Unit axis of the arm's hinge (perpendicular to the arm).</summary>
    public Vector3 ArmAxis { get; }

    /// <summary>Builds the complex on the default grid (box 64, 4 Å/px, origin 0).</summary>
    public static PseudoComplex Build(ulong seed = 0) => Build(seed, new GridSpec(64, 4.0, Vector3.Zero));

    /// <summary>Builds the complex centred in <paramref name="grid"/>; the grid must be at least 220 Å wide.</summary>
    public static PseudoComplex Build(ulong seed, GridSpec grid)
    {
        grid.Validate();
        if (grid.Box * grid.Apix < 220)
            throw new SirenException($"the built-in complex needs a box at least 220 Å wide; {grid.Box} × {grid.Apix} Å is {grid.Box * grid.Apix:F0} Å. Fix: raise --box or --apix.");
        var rng = new Random(unchecked((int)(seed ^ (seed >> 32))) ^ 0x5EED);
        Vector3 c = grid.Centre;
        var atoms = new List<Atom>();
        var subunits = new List<PseudoSubunit>();
        void Add(string chain, PseudoSubunitRole role, Vector3 centre, Vector3 semiAxes, Quaternion orientation)
        {
            int residues = FillEllipsoid(atoms, chain, centre, semiAxes, orientation, rng);
            subunits.Add(new PseudoSubunit(chain, role, residues));
        }

        // Core: three overlapping globules forming one body.
        Add("A", PseudoSubunitRole.Core, c + new Vector3(-22, -12, 0), new Vector3(26, 22, 20), Quaternion.Identity);
        Add("B", PseudoSubunitRole.Core, c + new Vector3(22, -12, 0), new Vector3(26, 22, 20), Quaternion.Identity);
        Add("C", PseudoSubunitRole.Core, c + new Vector3(0, 22, 2), new Vector3(24, 20, 22), Quaternion.Identity);
        // Docked subunits, on opposite faces so their regions do not touch.
        Add("D", PseudoSubunitRole.Docked, c + new Vector3(-12, 0, 30), new Vector3(20, 17, 13), Quaternion.Identity);
        Add("E", PseudoSubunitRole.Docked, c + new Vector3(16, 6, -30), new Vector3(20, 15, 13), Quaternion.Identity);
        // Arm: a rod along +x from a hinge on chain B's far side, swung about z by the demo.
        var pivot = c + new Vector3(44, -12, 0);
        Add("F", PseudoSubunitRole.Arm, pivot + new Vector3(30, 0, 0), new Vector3(32, 10, 10), Quaternion.Identity);

        return new PseudoComplex(new AtomModel(atoms), grid, subunits, pivot, Vector3.UnitZ);
    }

    /// <summary>
    /// Fills an ellipsoid with a bead chain: lattice points at <see cref="BeadSpacing"/> inside it, visited
    /// layer by layer along its longest axis with rows in alternating direction (a serpentine), so consecutive
    /// residues are neighbours and a residue range is a compact slab. Returns the number of residues.
    /// </summary>
    private static int FillEllipsoid(List<Atom> atoms, string chain, Vector3 centre, Vector3 semiAxes, Quaternion orientation, Random rng)
    {
        int nx = (int)(semiAxes.X / BeadSpacing), ny = (int)(semiAxes.Y / BeadSpacing), nz = (int)(semiAxes.Z / BeadSpacing);
        int residue = 0;
        for (int i = -nx; i <= nx; i++)
        {
            for (int jj = 0; jj <= 2 * ny; jj++)
            {
                int j = (i & 1) == 0 ? jj - ny : ny - jj;
                for (int kk = 0; kk <= 2 * nz; kk++)
                {
                    int k = (jj & 1) == 0 ? kk - nz : nz - kk;
                    var local = new Vector3(i, j, k) * BeadSpacing;
                    Vector3 q = local / semiAxes;
                    if (q.LengthSquared() > 1) continue;
                    residue++;
                    Vector3 bead = centre + Vector3.Transform(local, orientation) + Jitter(rng, 0.8f);
                    AddResidue(atoms, chain, residue, bead, rng);
                }
            }
        }
        return residue;
    }

    private static readonly (string Name, string Element, int Z, float Mass)[] BeadAtoms =
    [
        ("N", "N", 7, 14.007f), ("CA", "C", 6, 12.011f), ("C", "C", 6, 12.011f), ("O", "O", 8, 15.999f),
        ("CB", "C", 6, 12.011f), ("CG", "C", 6, 12.011f), ("CD", "C", 6, 12.011f), ("OE", "O", 8, 15.999f),
    ];

    private static void AddResidue(List<Atom> atoms, string chain, int residue, Vector3 bead, Random rng)
    {
        foreach (var (name, element, z, mass) in BeadAtoms)
            atoms.Add(new Atom(ModelName, chain, residue, "UNK", name, element, z, mass, bead + Jitter(rng, 1.6f)));
    }

    private static Vector3 Jitter(Random rng, float radius)
    {
        while (true)
        {
            var v = new Vector3((float)(rng.NextDouble() * 2 - 1), (float)(rng.NextDouble() * 2 - 1), (float)(rng.NextDouble() * 2 - 1));
            if (v.LengthSquared() <= 1) return v * radius;
        }
    }
}
