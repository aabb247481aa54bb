using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Siren.Core.Kernels;

public static unsafe partial class PairCounter
{
    /// <summary>
    /// AVX2 has no vector popcount, so this is Muła's nibble lookup: VPSHUFB maps each 4-bit half of
    /// every byte of a &amp; b to its bit count (the 16-entry table is repeated in both 128-bit lanes
    /// because VPSHUFB shuffles within lanes). Byte counts (≤ 8 per byte per vector) are summed for up
    /// to 31 vectors before VPSADBW folds them into four 64-bit lane sums, so bytes never overflow.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int CountAvx2(ulong* a, ulong* b, int words)
    {
        Vector256<byte> table = Vector256.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                                       0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
        Vector256<byte> low = Vector256.Create((byte)0x0F);
        Vector256<ulong> total = Vector256<ulong>.Zero;
        int w = 0;
        while (w < words)
        {
            Vector256<byte> bytes = Vector256<byte>.Zero;
            int end = Math.Min(words, w + 4 * 31);
            for (; w < end; w += 4)
            {
                Vector256<byte> v = (Avx.LoadVector256(a + w) & Avx.LoadVector256(b + w)).AsByte();
                Vector256<byte> lo = v & low;
                Vector256<byte> hi = Avx2.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & low;
                bytes += Avx2.Shuffle(table, lo) + Avx2.Shuffle(table, hi);
            }
            total += Avx2.SumAbsoluteDifferences(bytes, Vector256<byte>.Zero).AsUInt64();
        }
        return (int)Vector256.Sum(total);
    }
}
