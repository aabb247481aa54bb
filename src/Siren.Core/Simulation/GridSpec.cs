using System.Numerics;
using Siren.Core.Mrc;

namespace Siren.Core.Simulation;

/// <summary>
/// A cubic output grid: <see cref="Box"/> voxels a side, <see cref="Apix"/> Å per voxel, and the Å
/// coordinate of voxel (0,0,0) (<see cref="Origin"/>, written as the MRC ORIGIN words). Voxel index i
/// along an axis sits at Origin + i·Apix, so for the 50S grid (box 64, 6.55 Å/px, origin 0) a PDB
/// coordinate c maps to voxel c / 6.55.
/// </summary>
public readonly record struct GridSpec(int Box, double Apix, Vector3 Origin)
{
    public int VoxelCount => Box * Box * Box;

    public double VoxelVolume => Apix * Apix * Apix;

    /// <summary>Continuous voxel coordinates (x, y, z) of an Å position.</summary>
    public Vector3 ToVoxel(Vector3 position) => (position - Origin) / (float)Apix;

    /// <summary>Å position of a (possibly fractional) voxel coordinate.</summary>
    public Vector3 ToAngstrom(Vector3 voxel) => voxel * (float)Apix + Origin;

    /// <summary>Å position of the grid's centre.</summary>
    public Vector3 Centre => ToAngstrom(Vector3.One * ((Box - 1) / 2f));

    public MrcVolume NewVolume(float[] data) =>
        new(Box, Box, Box, data, Vec3.All((float)Apix), new Vec3(Origin.X, Origin.Y, Origin.Z));

    /// <summary>The largest box: a 1024³ float map is 4 GB, and one more voxel a side no longer fits one .NET array.</summary>
    public const int MaxBox = 1024;

    /// <summary>Pixel sizes outside [0.1, 100] Å are no cryo-EM grid, and far beyond them voxel volumes leave float range.</summary>
    public const double MinApix = 0.1, MaxApix = 100;

    public void Validate()
    {
        if (Problem() is { } problem) throw new SirenException(problem);
    }

    /// <summary>Why this grid cannot be rendered on, as an error line naming the spec field, or null when it can.</summary>
    public string? Problem() =>
        Box is < 2 or > MaxBox ? $"grid.box {Box} is out of range. Fix: set grid.box between 2 and {MaxBox} voxels."
        : !(Apix >= MinApix && Apix <= MaxApix) ? FormattableString.Invariant($"grid.apix {Apix} Å/px is out of range. Fix: set grid.apix between {MinApix} and {MaxApix} Å per voxel.")
        : !float.IsFinite(Origin.X) || !float.IsFinite(Origin.Y) || !float.IsFinite(Origin.Z) ? "grid.origin is not finite. Fix: give grid.origin as [x, y, z] in Å."
        : null;
}
