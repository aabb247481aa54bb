using Siren.Core.Simulation;

namespace Siren.Core.Tests.Simulation;

/// <summary>Small, fast simulations of the built-in complex on a 32³ × 8 Å grid.</summary>
internal static class SimulationFixtures
{
    public static readonly GridSpec SmallGrid = new(32, 8.0, System.Numerics.Vector3.Zero);

    public static PseudoComplex SmallComplex(ulong seed = 0) => PseudoComplex.Build(seed, SmallGrid);

    /// <summary>D comes and goes, the arm takes two poses; no noise, partial or junk maps unless asked.</summary>
    public static HeterogeneitySpec Spec(PseudoComplex complex, double noise = 0, double partial = 0, double junk = 0, double resolutionSpread = 0) => new()
    {
        Name = "test",
        Grid = new GridOptions { Box = SmallGrid.Box, Apix = SmallGrid.Apix },
        Resolution = new ResolutionRange { Min = 16 - resolutionSpread, Max = 16 + resolutionSpread, Levels = 3 },
        Maps = 12,
        Groups =
        [
            new GroupSpec { Name = "D", Type = GroupType.Compositional, Select = [new AtomSelection { Chain = "D" }] },
            new GroupSpec
            {
                Name = "arm", Type = GroupType.Conformational, Select = [new AtomSelection { Chain = "F" }],
                Pivot = [complex.ArmPivot.X, complex.ArmPivot.Y, complex.ArmPivot.Z], Axis = [0, 0, 1], Angles = [-45, 45],
            },
        ],
        Classes =
        [
            new ClassSpec { Name = "with-D", Frequency = 0.5, Present = ["D"] },
            new ClassSpec { Name = "without-D", Frequency = 0.5, Present = [] },
        ],
        Variation = new VariationSpec { Noise = noise, PartialFraction = partial, JunkFraction = junk },
    };
}
