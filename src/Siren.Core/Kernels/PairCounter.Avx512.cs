using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Siren.Core.Kernels;

public static unsafe partial class PairCounter
{
    /// <summary>
    /// The AVX-512BW form of the nibble lookup: one 512-bit vector covers a whole padded row segment of
    /// 8 words. .NET does not expose VPOPCNTQ (AVX512_VPOPCNTDQ), so VPSHUFB-on-zmm is the widest
    /// popcount available; the table is repeated in all four 128-bit lanes for the same reason as AVX2.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int CountAvx512(ulong* a, ulong* b, int words)
    {
        Vector128<byte> lane = Vector128.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        Vector256<byte> half = Vector256.Create(lane, lane);
        Vector512<byte> table = Vector512.Create(half, half);
        Vector512<byte> low = Vector512.Create((byte)0x0F);
        Vector512<ulong> total = Vector512<ulong>.Zero;
        int w = 0;
        while (w < words)
        {
            Vector512<byte> bytes = Vector512<byte>.Zero;
            int end = Math.Min(words, w + 8 * 31);
            for (; w < end; w += 8)
            {
                Vector512<byte> v = (Avx512F.LoadVector512(a + w) & Avx512F.LoadVector512(b + w)).AsByte();
                Vector512<byte> lo = v & low;
                Vector512<byte> hi = Avx512BW.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & low;
                bytes += Avx512BW.Shuffle(table, lo) + Avx512BW.Shuffle(table, hi);
            }
            total += Avx512BW.SumAbsoluteDifferences(bytes, Vector512<byte>.Zero).AsUInt64();
        }
        return (int)Vector512.Sum(total);
    }
}
