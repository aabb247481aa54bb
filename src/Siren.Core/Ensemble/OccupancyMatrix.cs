using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Siren.Core.Ensemble;

/// <summary>
/// The binarized ensemble, voxel-major and bit-packed: row r holds voxel r's occupancy over the V kept
/// maps, bit m of word m/64 set when map m is occupied there. Rows are padded with zero bits to a
/// multiple of 512 bits so the vector kernels read whole 64-byte lines without a tail case; zero
/// padding adds nothing to popcount(b_i &amp; b_j).
/// </summary>
public sealed class OccupancyMatrix
{
    public const int WordAlignment = 8;

    public OccupancyMatrix(int maps, int box, int[] voxels, ulong[] bits)
    {
        Maps = maps;
        Box = box;
        Voxels = voxels;
        WordsPerRow = PaddedWords(maps);
        if (bits.Length != (long)voxels.Length * WordsPerRow) throw new ArgumentException("bit array does not match rows × words");
        Bits = bits;
        Counts = new int[voxels.Length];
        X = new int[voxels.Length]; Y = new int[voxels.Length]; Z = new int[voxels.Length];
        int plane = box * box;
        for (int r = 0; r < voxels.Length; r++)
        {
            int v = voxels[r];
            Z[r] = v / plane; Y[r] = v / box % box; X[r] = v % box;
            int c = 0;
            foreach (ulong w in Row(r)) c += BitOperations.PopCount(w);
            Counts[r] = c;
        }
    }

    /// <summary>V, the number of kept maps.</summary>
    public int Maps { get; }
    public int Box { get; }

    /// <summary>N, the number of rows (union voxels).</summary>
    public int Rows => Voxels.Length;

    /// <summary>Flat index z·B² + y·B + x of each row's voxel, ascending.</summary>
    public int[] Voxels { get; }

    public int WordsPerRow { get; }
    public ulong[] Bits { get; }

    /// <summary>f: number of kept maps occupied at each row's voxel.</summary>
    public int[] Counts { get; }

    public int[] X { get; }
    public int[] Y { get; }
    public int[] Z { get; }

    public ReadOnlySpan<ulong> Row(int r) => Bits.AsSpan(r * WordsPerRow, WordsPerRow);

    public bool IsSet(int row, int map) => (Bits[row * WordsPerRow + (map >> 6)] >> (map & 63) & 1) != 0;

    /// <summary>
    /// SHA-256 (hex) of the binarized ensemble: V, the box, the union voxels and their bits. Two stages that
    /// read the same folder by name see whether the maps' contents or their thresholds changed in between.
    /// </summary>
    public string Digest()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(MemoryMarshal.AsBytes<int>([Maps, Box]));
        hash.AppendData(MemoryMarshal.AsBytes(Voxels.AsSpan()));
        hash.AppendData(MemoryMarshal.AsBytes(Bits.AsSpan()));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static int PaddedWords(int maps) => Math.Max(1, (maps + 64 * WordAlignment - 1) / (64 * WordAlignment)) * WordAlignment;
}
