namespace Siren.Core.Mrc;

/// <summary>
/// A density map in canonical order: <see cref="Data"/> is indexed z·NY·NX + y·NX + x with x fastest,
/// whatever axis order the file used (MAPC/MAPR/MAPS are applied on read). A flat voxel index in
/// blocks.json uses this order.
/// </summary>
public sealed class MrcVolume
{
    public MrcVolume(int nx, int ny, int nz, float[] data, Vec3 voxelSize, Vec3 origin)
    {
        if (nx <= 0 || ny <= 0 || nz <= 0) throw new ArgumentOutOfRangeException(nameof(nx), "dimensions must be positive");
        if (data.Length != (long)nx * ny * nz) throw new ArgumentException($"data has {data.Length} values, expected {(long)nx * ny * nz}", nameof(data));
        Nx = nx; Ny = ny; Nz = nz; Data = data; VoxelSize = voxelSize; Origin = origin;
    }

    public int Nx { get; }
    public int Ny { get; }
    public int Nz { get; }
    public float[] Data { get; }

    /// <summary>Å per voxel along x, y, z (cell length / MX etc.).</summary>
    public Vec3 VoxelSize { get; }

    /// <summary>MRC2014 ORIGIN words (Å), x, y, z.</summary>
    public Vec3 Origin { get; }

    public bool IsCubic => Nx == Ny && Ny == Nz;

    public static MrcVolume Zeros(int box, Vec3 voxelSize, Vec3 origin) =>
        new(box, box, box, new float[(long)box * box * box], voxelSize, origin);
}

/// <summary>A triple of x, y, z values (voxel size, origin, cell lengths).</summary>
public readonly record struct Vec3(float X, float Y, float Z)
{
    public static Vec3 All(float v) => new(v, v, v);
    public static Vec3 operator +(Vec3 a, Vec3 b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);
    public static Vec3 operator *(Vec3 v, float s) => new(v.X * s, v.Y * s, v.Z * s);
}

/// <summary>
/// Voxel sizes as headers hold them (cell / grid count in float32): one tolerance decides whether two maps,
/// masks or block sets are on one grid, wherever the tools compare them.
/// </summary>
public static class VoxelSizes
{
    /// <summary>Largest relative difference that is rounding in files, not another voxel size.</summary>
    public const double Tolerance = 1e-3;

    /// <summary>A size a header can mean: positive and finite on every axis (cell 0 or NaN is no size).</summary>
    public static bool IsSize(Vec3 v) => v.X > 0 && v.Y > 0 && v.Z > 0 && float.IsFinite(v.X) && float.IsFinite(v.Y) && float.IsFinite(v.Z);

    public static bool Same(double a, double b) => Math.Abs(a - b) <= Tolerance * Math.Abs(b);

    public static bool Same(Vec3 a, Vec3 b) => Same(a.X, b.X) && Same(a.Y, b.Y) && Same(a.Z, b.Z);

    /// <summary>Equal along the three axes: SIREn measures distances with one size.</summary>
    public static bool IsCubic(Vec3 v) => Same(v.Y, v.X) && Same(v.Z, v.X);
}
