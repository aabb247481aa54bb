namespace Siren.Core.Statistics;

/// <summary>
/// The paper's locality scaling factor (Supplemental Figure 1): c(d) = max(1.25, 0.02·d + 0.95) for
/// d &lt; 40 Å and 1.75 beyond, so that neighbouring voxels need less evidence than distant ones.
/// </summary>
public static class LocalityFactor
{
    public static double At(double distanceAngstrom) =>
        distanceAngstrom < 40 ? Math.Max(1.25, 0.02 * distanceAngstrom + 0.95) : 1.75;
}

/// <summary>
/// c tabulated on q = 4·d² in voxel units (q is an integer for voxel pairs and for a voxel against a
/// per-axis median, which is a multiple of ½). Every backend reads the same doubles, so edges never
/// depend on a device's square root or fused multiply-add. c(0) = 1: expand's rule for a voxel at
/// the block median; sketch never pairs a voxel with itself.
/// </summary>
public sealed class LocalityTable
{
    public LocalityTable(int box, double apix)
    {
        if (box <= 0) throw new ArgumentOutOfRangeException(nameof(box));
        if (!(apix > 0) || double.IsInfinity(apix)) throw new SirenException($"voxel size {apix} Å is not positive. Fix: pass --apix with the maps' Å/voxel.");
        Box = box;
        Apix = apix;
        long max = 12L * (box - 1) * (box - 1);
        Factors = new double[max + 1];
        Factors[0] = 1;
        for (long q = 1; q <= max; q++) Factors[q] = LocalityFactor.At(Math.Sqrt(q) / 2 * apix);
    }

    public int Box { get; }
    public double Apix { get; }

    /// <summary>Factors[q] = c(√q / 2 · apix).</summary>
    public double[] Factors { get; }
}
