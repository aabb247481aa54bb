using System.Numerics;

namespace Siren.Core.Kernels;

public static unsafe partial class PairCounter
{
    /// <summary>
    /// The oracle: POPCNT per 64-bit word. Four accumulators break the dependency chain on the sum so
    /// the CPU can retire several popcounts per cycle.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int CountScalar(ulong* a, ulong* b, int words)
    {
        int s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int w = 0; w < words; w += 4)
        {
            s0 += BitOperations.PopCount(a[w] & b[w]);
            s1 += BitOperations.PopCount(a[w + 1] & b[w + 1]);
            s2 += BitOperations.PopCount(a[w + 2] & b[w + 2]);
            s3 += BitOperations.PopCount(a[w + 3] & b[w + 3]);
        }
        return s0 + s1 + s2 + s3;
    }
}
