using Siren.Core.Simulation;

namespace Siren.Core.Tests.Simulation;

public class PseudoComplexTests
{
    [Fact]
    public void Build_IsDeterministicPerSeedAndHasCoreDockedAndArmSubunits()
    {
        PseudoComplex a = PseudoComplex.Build(3), b = PseudoComplex.Build(3), c = PseudoComplex.Build(4);

        Assert.Equal(a.Model.Atoms, b.Model.Atoms);
        Assert.NotEqual(a.Model.Atoms.Select(x => x.Position), c.Model.Atoms.Select(x => x.Position));
        Assert.Equal(["A", "B", "C", "D", "E", "F"], a.Subunits.Select(s => s.Chain));
        Assert.Equal(3, a.Subunits.Count(s => s.Role == PseudoSubunitRole.Core));
        Assert.Equal("F", Assert.Single(a.Subunits, s => s.Role == PseudoSubunitRole.Arm).Chain);
        foreach (PseudoSubunit s in a.Subunits)
            Assert.Equal(s.Residues * 8, a.Model.Atoms.Count(x => x.Chain == s.Chain));
    }

    [Fact]
    public void Build_HasProteinLikeDensityInsideTheBox()
    {
        PseudoComplex complex = PseudoComplex.Build();
        GridSpec grid = complex.Grid;

        var map = Molmap.Render(complex.Model, grid, resolution: 10);
        double level = Molmap.ThresholdForModel(map, complex.Model);
        int occupied = map.Data.Count(v => v > level);

        // Bead clusters of 106 Da per 133 Å³ ≈ 0.80 Da/Å³, protein's 1/1.21.
        Assert.InRange(complex.Model.Mass / complex.Model.MolecularVolume, 0.80, 0.85);
        Assert.Equal((int)Math.Round(complex.Model.MolecularVolume / grid.VoxelVolume), occupied);
        // Nothing within 3 voxels of the box faces: the complex is not clipped.
        int box = grid.Box;
        for (int i = 0; i < map.Data.Length; i++)
        {
            int x = i % box, y = i / box % box, z = i / (box * box);
            if (Math.Min(Math.Min(x, y), z) < 3 || Math.Max(Math.Max(x, y), z) > box - 4)
                Assert.True(map.Data[i] <= level, $"voxel ({x},{y},{z}) is occupied at the box edge");
        }
        // Each subunit is a substantial part of the density (the smallest is the arm or a docked subunit).
        Assert.All(complex.Subunits, s => Assert.InRange(s.Residues, 80, 800));
    }
}
