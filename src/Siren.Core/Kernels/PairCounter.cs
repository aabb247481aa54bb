using System.Runtime.Intrinsics.X86;

namespace Siren.Core.Kernels;

/// <summary>
/// n11 = Σ popcount(a[w] &amp; b[w]) over two occupancy rows. Three implementations give the same
/// integer: the scalar oracle (kept for tests and as the benchmark baseline) and two vector paths
/// chosen by an IsSupported ladder. Rows are padded to a multiple of 8 words (512 bits), so the
/// vector paths have no tail case.
/// </summary>
public static unsafe partial class PairCounter
{
    public enum Path { Scalar, Avx2, Avx512 }

    /// <summary>The fastest path this CPU supports (honours DOTNET_EnableAVX512=0 / DOTNET_EnableAVX2=0).</summary>
    public static Path Best => Avx512BW.IsSupported ? Path.Avx512 : Avx2.IsSupported ? Path.Avx2 : Path.Scalar;

    public static bool IsSupported(Path path) => path switch
    {
        Path.Avx512 => Avx512BW.IsSupported,
        Path.Avx2 => Avx2.IsSupported,
        _ => true,
    };

    /// <summary>A function pointer to one path, resolved once per sweep so the pair loop has no branch on it.</summary>
    public static delegate*<ulong*, ulong*, int, int> Resolve(Path path) => path switch
    {
        Path.Avx512 when Avx512BW.IsSupported => &CountAvx512,
        Path.Avx2 when Avx2.IsSupported => &CountAvx2,
        Path.Scalar => &CountScalar,
        _ => throw new PlatformNotSupportedException($"{path} popcount is not supported on this CPU"),
    };

    public static int Count(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Path path)
    {
        if (a.Length != b.Length || a.Length % OccupancyWords != 0)
            throw new ArgumentException($"rows must have equal length, a multiple of {OccupancyWords} words");
        fixed (ulong* pa = a)
        fixed (ulong* pb = b)
        {
            return Resolve(path)(pa, pb, a.Length);
        }
    }

    private const int OccupancyWords = Ensemble.OccupancyMatrix.WordAlignment;
}

/// <summary>
/// A popcount path as a type, so that generic kernels are compiled once per path with the count
/// inlined into the pair loop (no indirect call per pair).
/// </summary>
internal unsafe interface IPairCount
{
    static abstract int Count(ulong* a, ulong* b, int words);
}

internal readonly unsafe struct ScalarCount : IPairCount
{
    public static int Count(ulong* a, ulong* b, int words) => PairCounter.CountScalar(a, b, words);
}

internal readonly unsafe struct Avx2Count : IPairCount
{
    public static int Count(ulong* a, ulong* b, int words) => PairCounter.CountAvx2(a, b, words);
}

internal readonly unsafe struct Avx512Count : IPairCount
{
    public static int Count(ulong* a, ulong* b, int words) => PairCounter.CountAvx512(a, b, words);
}
