using System.Numerics;
using Siren.Core.Mrc;
using Siren.Core.Statistics;

namespace Siren.Core.Simulation;

/// <summary>
/// Chimera-molmap-like density: one Gaussian per atom, weighted by its atomic number, with
/// σ = 0.225 × resolution (molmap's sigmaFactor 1/(π√2)), sampled at voxel centres of a <see cref="GridSpec"/>.
/// Each atom is splatted over a cube of ±3σ (at least ±1 voxel) with separable weights, so the cost is
/// atoms × (6σ/apix)³; ~90 000 atoms on a 64³ grid at 6.55 Å/px take a few milliseconds.
/// Each Gaussian integrates to Z (density per Å³ times voxel volume), so a map's sum ≈ Σ Z whatever the grid.
/// </summary>
public static class Molmap
{
    public const double SigmaPerResolution = 0.225;

    /// <summary>Renders <paramref name="atoms"/> at <paramref name="resolution"/> Å on <paramref name="grid"/>.</summary>
    public static MrcVolume Render(IReadOnlyList<Atom> atoms, GridSpec grid, double resolution)
    {
        var data = new float[grid.VoxelCount];
        Accumulate(data, atoms, grid, resolution);
        return grid.NewVolume(data);
    }

    public static MrcVolume Render(AtomModel model, GridSpec grid, double resolution) => Render(model.Atoms, grid, resolution);

    /// <summary>
    /// Adds <paramref name="weight"/> × the molmap of <paramref name="atoms"/> into <paramref name="target"/>
    /// (x-fastest, grid.Box³). Slabs of z-planes are rendered in parallel, each from every atom that reaches it in
    /// the atoms' order, so each voxel adds its atoms' contributions in the same order however many slabs there
    /// are: the map is the same bits for any core count. (Splitting the atoms into one chunk per core and summing the
    /// chunks' buffers rounded differently for each core count: training sets made on 2 and 16 cores differed.)
    /// </summary>
    public static void Accumulate(float[] target, IReadOnlyList<Atom> atoms, GridSpec grid, double resolution, float weight = 1f) =>
        Accumulate(target, atoms, grid, resolution, weight, Math.Min(Environment.ProcessorCount, Math.Max(1, atoms.Count / 4096)));

    /// <summary><see cref="Accumulate(float[], IReadOnlyList{Atom}, GridSpec, double, float)"/> in <paramref name="slabs"/> slabs (tests: the result must not depend on it).</summary>
    internal static void Accumulate(float[] target, IReadOnlyList<Atom> atoms, GridSpec grid, double resolution, float weight, int slabs)
    {
        grid.Validate();
        if (!(resolution > 0) || !double.IsFinite(resolution))
            throw new SirenException($"resolution {resolution} Å must be a positive number. Fix: pass --resolution in Å.");
        if (target.Length != grid.VoxelCount) throw new ArgumentException("target length must be box³", nameof(target));
        if (atoms.Count == 0) return;

        double sigma = SigmaPerResolution * resolution;
        double sigmaVox = sigma / grid.Apix;
        int reach = Math.Max(1, (int)Math.Ceiling(Math.Min(3 * sigmaVox, int.MaxValue)));
        // The splat keeps 2·reach + 1 weights per axis on the stack; a Gaussian wider than the box spans all of it anyway.
        if (reach > grid.Box)
            throw new SirenException(FormattableString.Invariant(
                $"resolution {resolution} Å is too coarse for a {grid.Box}-voxel grid of {grid.Apix} Å: each atom's Gaussian would span more than twice the box. Fix: render at a finer resolution or on a larger grid."));
        // Normalize so each Gaussian integrates to Z over space: voxel value = Z · V_voxel / ((2π)^{3/2} σ³) · exp(-r²/2σ²).
        double amplitude = weight * grid.VoxelVolume / (Math.Pow(2 * Math.PI, 1.5) * sigma * sigma * sigma);

        slabs = Math.Clamp(slabs, 1, grid.Box);
        Parallel.For(0, slabs, s =>
            Splat(target, atoms, grid, sigmaVox, reach, amplitude, grid.Box * s / slabs, grid.Box * (s + 1) / slabs));
    }

    /// <summary>Adds every atom's Gaussian to the z-planes [<paramref name="zFrom"/>, <paramref name="zTo"/>) of <paramref name="buffer"/>.</summary>
    private static void Splat(float[] buffer, IReadOnlyList<Atom> atoms, GridSpec grid, double sigmaVox, int reach, double amplitude, int zFrom, int zTo)
    {
        int box = grid.Box, span = 2 * reach + 1;
        Span<float> wx = stackalloc float[span], wy = stackalloc float[span], wz = stackalloc float[span];
        double inv2s2 = 1.0 / (2 * sigmaVox * sigmaVox);
        for (int a = 0; a < atoms.Count; a++)
        {
            Atom atom = atoms[a];
            Vector3 v = grid.ToVoxel(atom.Position);
            int cx = (int)MathF.Round(v.X), cy = (int)MathF.Round(v.Y), cz = (int)MathF.Round(v.Z);
            if (cx + reach < 0 || cy + reach < 0 || cz + reach < zFrom || cx - reach >= box || cy - reach >= box || cz - reach >= zTo) continue;
            Weights(wx, v.X, cx, reach, inv2s2);
            Weights(wy, v.Y, cy, reach, inv2s2);
            Weights(wz, v.Z, cz, reach, inv2s2);
            float scale = (float)(amplitude * atom.AtomicNumber);
            int x0 = Math.Max(0, cx - reach), x1 = Math.Min(box - 1, cx + reach);
            int y0 = Math.Max(0, cy - reach), y1 = Math.Min(box - 1, cy + reach);
            int z0 = Math.Max(zFrom, cz - reach), z1 = Math.Min(zTo - 1, cz + reach);
            for (int z = z0; z <= z1; z++)
            {
                float fz = scale * wz[z - cz + reach];
                for (int y = y0; y <= y1; y++)
                {
                    float fzy = fz * wy[y - cy + reach];
                    int row = (z * box + y) * box;
                    for (int x = x0; x <= x1; x++)
                        buffer[row + x] += fzy * wx[x - cx + reach];
                }
            }
        }
    }

    private static void Weights(Span<float> w, float centre, int nearest, int reach, double inv2s2)
    {
        for (int k = -reach; k <= reach; k++)
        {
            double d = nearest + k - centre;
            w[k + reach] = (float)Math.Exp(-d * d * inv2s2);
        }
    }

    /// <summary>
    /// The level that encloses <paramref name="volume"/> Å³: with n = round(volume / voxel volume), the
    /// midpoint between the n-th and (n+1)-th largest voxel values, so that exactly n voxels satisfy the
    /// binarization rule "occupied = value &gt; level" (ties aside).
    /// </summary>
    public static double ThresholdForVolume(ReadOnlySpan<float> map, double voxelVolume, double volume) =>
        OrderStatistics.LevelEnclosing(map, (long)Math.Round(volume / voxelVolume));

    public static double ThresholdForVolume(MrcVolume map, double volume) =>
        ThresholdForVolume(map.Data, (double)map.VoxelSize.X * map.VoxelSize.Y * map.VoxelSize.Z, volume);

    /// <summary>The level of <paramref name="map"/> enclosing <paramref name="model"/>'s molecular volume (<see cref="AtomModel.MolecularVolume"/>).</summary>
    public static double ThresholdForModel(MrcVolume map, AtomModel model) => ThresholdForVolume(map, model.MolecularVolume);
}
