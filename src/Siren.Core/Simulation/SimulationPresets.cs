using System.Globalization;

namespace Siren.Core.Simulation;

/// <summary>A model and the heterogeneity to simulate on it.</summary>
public sealed record SimulationSetup(AtomModel Model, HeterogeneitySpec Spec);

/// <summary>
/// Built-in ensembles. <c>demo</c>: the <see cref="PseudoComplex"/> with two docked subunits present in
/// some classes and an arm in three poses. <c>ul2-titration</c>: the E. coli 50S model with uL2
/// (prots1 chain A) truncated from its C-terminus by k residues in (1 − intact) of the maps, as in the
/// SIREn paper's titration (k = 73, 136, 213, 271; intact 25/50/75/100 %).
/// </summary>
public static class SimulationPresets
{
    public const string Demo = "demo";
    public const string Ul2Titration = "ul2-titration";
    public static readonly string[] Names = [Demo, Ul2Titration];
    public static readonly int[] Ul2Deletions = [73, 136, 213, 271];

    /// <summary>The demo ensemble on the built-in complex (seed jitters the complex's atoms).</summary>
    public static SimulationSetup DemoSetup(ulong seed = 0)
    {
        PseudoComplex complex = PseudoComplex.Build(seed);
        GridSpec grid = complex.Grid;
        var spec = new HeterogeneitySpec
        {
            Name = Demo,
            Grid = new GridOptions { Box = grid.Box, Apix = grid.Apix, Origin = [grid.Origin.X, grid.Origin.Y, grid.Origin.Z] },
            Resolution = new ResolutionRange { Min = 9.5, Max = 10.5, Levels = 3 },
            Maps = 300,
            Groups =
            [
                new GroupSpec { Name = "D", Type = GroupType.Compositional, Select = [new AtomSelection { Chain = "D" }] },
                new GroupSpec { Name = "E", Type = GroupType.Compositional, Select = [new AtomSelection { Chain = "E" }] },
                new GroupSpec
                {
                    Name = "arm", Type = GroupType.Conformational, Select = [new AtomSelection { Chain = complex.ArmChain }],
                    Pivot = [complex.ArmPivot.X, complex.ArmPivot.Y, complex.ArmPivot.Z],
                    Axis = [complex.ArmAxis.X, complex.ArmAxis.Y, complex.ArmAxis.Z],
                    Angles = [-40, 0, 40],
                },
            ],
            Classes =
            [
                new ClassSpec { Name = "complete", Frequency = 0.4, Present = ["D", "E"] },
                new ClassSpec { Name = "no-D", Frequency = 0.25, Present = ["E"] },
                new ClassSpec { Name = "no-E", Frequency = 0.2, Present = ["D"] },
                new ClassSpec { Name = "core", Frequency = 0.15, Present = [] },
            ],
            Variation = new VariationSpec { Noise = 0.2, JunkFraction = 0.02 },
        };
        return new SimulationSetup(complex.Model, spec);
    }

    /// <summary>
    /// The uL2 titration on the 50S model at <paramref name="modelPath"/> (a folder of its PDB files):
    /// the last <paramref name="deletion"/> residues of prots1 chain A are absent from a fraction 1 − <paramref name="intact"/>
    /// of the maps. intact = 1 is the homogeneous control.
    /// </summary>
    public static SimulationSetup Ul2TitrationSetup(string modelPath, int deletion, double intact)
    {
        if (deletion < 1) throw new SirenException($"--deletion {deletion}: delete at least one residue. Fix: pass 73, 136, 213 or 271 as in the paper.");
        if (!(intact >= 0 && intact <= 1)) throw new SirenException($"--intact {intact} must lie in [0, 1]. Fix: pass the intact fraction, e.g. 0.5.");
        AtomModel model = AtomModel.ReadPath(modelPath);
        if (!model.Atoms.Any(a => a.Model == "prots1" && a.Chain == "A"))
            throw new SirenException($"'{modelPath}' has no prots1.pdb chain A (uL2). Fix: pass --model ../shared/data/ecoli50s_model.");
        string group = $"uL2_dC{deletion}";
        var spec = new HeterogeneitySpec
        {
            Name = $"{Ul2Titration}-d{deletion}-i{(intact * 100).ToString("0", CultureInfo.InvariantCulture)}",
            Grid = new GridOptions { Box = 64, Apix = 6.55, Origin = [0, 0, 0] },
            Resolution = new ResolutionRange { Min = 11, Max = 13, Levels = 3 },
            Maps = 500,
            Groups = [new GroupSpec { Name = group, Type = GroupType.Compositional, Select = [new AtomSelection { Model = "prots1", Chain = "A", Last = deletion }] }],
            Classes =
            [
                new ClassSpec { Name = "intact", Frequency = intact, Present = [group] },
                new ClassSpec { Name = "deleted", Frequency = 1 - intact, Present = [] },
            ],
            Variation = new VariationSpec { Noise = 0.2 },
        };
        return new SimulationSetup(model, spec);
    }
}
