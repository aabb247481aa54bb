using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Siren.Core.IO;

namespace Siren.Core.Mrc;

/// <summary>Writes MRC2014 maps in standard axis order (MAPC/MAPR/MAPS = 1/2/3), little-endian, atomically.</summary>
public static class MrcWriter
{
    public static void Write(string path, MrcVolume volume, MrcMode mode = MrcMode.Float32, string? label = null) =>
        AtomicFile.Write(path, stream =>
        {
            stream.Write(BuildHeader(volume, mode, label));
            stream.Write(Encode(volume.Data, mode));
        });

    private static byte[] BuildHeader(MrcVolume v, MrcMode mode, string? label)
    {
        var h = new byte[MrcHeader.Size];
        void I(int o, int x) => BinaryPrimitives.WriteInt32LittleEndian(h.AsSpan(o), x);
        void F(int o, float x) => BinaryPrimitives.WriteSingleLittleEndian(h.AsSpan(o), x);

        I(0, v.Nx); I(4, v.Ny); I(8, v.Nz); I(12, (int)mode);
        I(28, v.Nx); I(32, v.Ny); I(36, v.Nz);
        F(40, v.VoxelSize.X * v.Nx); F(44, v.VoxelSize.Y * v.Ny); F(48, v.VoxelSize.Z * v.Nz);
        F(52, 90f); F(56, 90f); F(60, 90f);
        I(64, 1); I(68, 2); I(72, 3);

        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        double sum = 0, sumSq = 0;
        foreach (float x in v.Data)
        {
            if (x < min) min = x;
            if (x > max) max = x;
            sum += x; sumSq += (double)x * x;
        }
        double mean = sum / v.Data.Length;
        F(76, min); F(80, max); F(84, (float)mean);
        I(88, 1);
        I(92, 0);
        Encoding.ASCII.GetBytes("MRCO").CopyTo(h, 104);
        I(108, 20140);
        F(196, v.Origin.X); F(200, v.Origin.Y); F(204, v.Origin.Z);
        Encoding.ASCII.GetBytes("MAP ").CopyTo(h, 208);
        h[212] = 0x44; h[213] = 0x44;
        F(216, (float)Math.Sqrt(Math.Max(0, sumSq / v.Data.Length - mean * mean)));
        // No time stamp: the same inputs give the same bytes (the manifest beside the outputs records when).
        string text = label ?? "Siren.Native";
        I(220, 1);
        Encoding.ASCII.GetBytes(text.Length > 80 ? text[..80] : text).CopyTo(h, 224);
        return h;
    }

    private static byte[] Encode(float[] data, MrcMode mode)
    {
        int n = data.Length;
        switch (mode)
        {
            case MrcMode.Float32:
                return MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
            case MrcMode.Int8:
            {
                var b = new byte[n];
                for (int i = 0; i < n; i++) b[i] = (byte)(sbyte)Math.Clamp(MathF.Round(data[i]), sbyte.MinValue, sbyte.MaxValue);
                return b;
            }
            case MrcMode.Int16:
            {
                var b = new byte[2 * n];
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(2 * i), (short)Math.Clamp(MathF.Round(data[i]), short.MinValue, short.MaxValue));
                return b;
            }
            case MrcMode.UInt16:
            {
                var b = new byte[2 * n];
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2 * i), (ushort)Math.Clamp(MathF.Round(data[i]), ushort.MinValue, ushort.MaxValue));
                return b;
            }
            case MrcMode.Float16:
            {
                var b = new byte[2 * n];
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteHalfLittleEndian(b.AsSpan(2 * i), (Half)data[i]);
                return b;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(mode));
        }
    }
}
