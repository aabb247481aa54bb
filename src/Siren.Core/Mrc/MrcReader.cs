using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Siren.Core.Mrc;

/// <summary>
/// Reads MRC2014 maps permissively (zero machine stamp, any axis order, extended headers) and strictly
/// where a silent error would corrupt results (truncated data, size mismatch, unknown mode).
/// </summary>
public static class MrcReader
{
    public static MrcHeader ReadHeader(string path)
    {
        using SafeFileHandle handle = Open(path);
        return ReadHeader(handle, path, out _);
    }

    /// <summary>The header, checked against the file's length as <see cref="Read"/> checks it: a folder can be vetted before any work starts.</summary>
    public static MrcHeader ReadCheckedHeader(string path)
    {
        using SafeFileHandle handle = Open(path);
        MrcHeader header = ReadHeader(handle, path, out long length);
        DataBytes(header, length, path);
        return header;
    }

    public static MrcVolume Read(string path)
    {
        using SafeFileHandle handle = Open(path);
        MrcHeader header = ReadHeader(handle, path, out long length);
        long dataBytes = DataBytes(header, length, path);

        byte[] raw = GC.AllocateUninitializedArray<byte>((int)dataBytes);
        ReadExactly(handle, raw, header.DataOffset, path);
        float[] fileOrder = Decode(raw, header);
        var (nx, ny, nz) = header.CanonicalDims;
        float[] data = header.MapC == 1 && header.MapR == 2 && header.MapS == 3 ? fileOrder : ToCanonical(fileOrder, header, nx, ny, nz);
        return new MrcVolume(nx, ny, nz, data, header.VoxelSize, header.Origin);
    }

    /// <summary>The voxel bytes the header promises, when the file holds exactly them and they fit one array.</summary>
    private static long DataBytes(MrcHeader header, long length, string path)
    {
        long dataBytes = header.VoxelCount * MrcModeInfo.BytesPerVoxel(header.Mode);
        long expected = header.DataOffset + dataBytes;
        string extended = header.ExtendedHeaderBytes > 0 ? $" after an extended header of {header.ExtendedHeaderBytes} bytes (NSYMBT)" : "";
        if (length < expected)
            throw new SirenException($"'{path}' is truncated: the header promises {header.Columns}×{header.Rows}×{header.Sections} voxels of mode {(int)header.Mode}{extended} ({expected} bytes in all) but the file has {length}. Fix: regenerate or re-copy the map{(extended.Length > 0 ? ", or correct NSYMBT" : "")}.");
        if (length > expected)
            throw new SirenException($"'{path}' does not match its header: {length} bytes where {header.Columns}×{header.Rows}×{header.Sections} voxels of mode {(int)header.Mode} need {expected}. Fix: check NSYMBT and the dimensions, or re-export the map.");
        if (dataBytes > int.MaxValue)
            throw new SirenException($"'{path}' is too large ({dataBytes} bytes of voxels) to read in one piece. Fix: Fourier-crop the map to a smaller box.");
        return dataBytes;
    }

    /// <summary>Opens a map for reading; a missing, unreadable or shorter-than-a-header file is one error line.</summary>
    internal static SafeFileHandle Open(string path)
    {
        // A pipe or device named like a map reports length 0; opening a pipe would wait for a writer forever.
        if (Directory.Exists(path)) throw new SirenException($"'{path}' is a folder, not an MRC map. Fix: pass a map file (.mrc).");
        FileInfo info = IO.InputFile.Target(path);
        if (info.Exists && info.Length < MrcHeader.Size) throw MrcHeader.TooShort(path, info.Length);
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SirenException($"cannot read '{path}': {e.Message} Fix: check the path and its permissions.", e);
        }
    }

    private static MrcHeader ReadHeader(SafeFileHandle handle, string path, out long length)
    {
        length = RandomAccess.GetLength(handle);
        Span<byte> buffer = stackalloc byte[MrcHeader.Size];
        int read = RandomAccess.Read(handle, buffer, 0);
        return MrcHeader.Parse(buffer[..read], path);
    }

    private static void ReadExactly(SafeFileHandle handle, byte[] target, long offset, string path)
    {
        int done = 0;
        while (done < target.Length)
        {
            int n = RandomAccess.Read(handle, target.AsSpan(done), offset + done);
            if (n == 0) throw new SirenException($"'{path}' is truncated: reading stopped after {done} of {target.Length} voxel bytes. Fix: regenerate or re-copy the map.");
            done += n;
        }
    }

    private static float[] Decode(byte[] raw, MrcHeader header)
    {
        int count = (int)header.VoxelCount;
        bool swap = header.BigEndian != !BitConverter.IsLittleEndian;
        var result = new float[count];
        switch (header.Mode)
        {
            case MrcMode.Float32:
                if (!swap) { MemoryMarshal.Cast<byte, float>(raw).CopyTo(result); break; }
                for (int i = 0; i < count; i++) result[i] = BinaryPrimitives.ReadSingleBigEndian(raw.AsSpan(4 * i));
                break;
            case MrcMode.Int8:
                for (int i = 0; i < count; i++) result[i] = (sbyte)raw[i];
                break;
            case MrcMode.Int16:
                for (int i = 0; i < count; i++)
                    result[i] = swap ? BinaryPrimitives.ReadInt16BigEndian(raw.AsSpan(2 * i)) : BinaryPrimitives.ReadInt16LittleEndian(raw.AsSpan(2 * i));
                break;
            case MrcMode.UInt16:
                for (int i = 0; i < count; i++)
                    result[i] = swap ? BinaryPrimitives.ReadUInt16BigEndian(raw.AsSpan(2 * i)) : BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(2 * i));
                break;
            case MrcMode.Float16:
                for (int i = 0; i < count; i++)
                    result[i] = (float)(swap ? BinaryPrimitives.ReadHalfBigEndian(raw.AsSpan(2 * i)) : BinaryPrimitives.ReadHalfLittleEndian(raw.AsSpan(2 * i)));
                break;
        }
        return result;
    }

    /// <summary>Moves voxels from file order (sections, rows, columns) to x-fastest canonical order.</summary>
    private static float[] ToCanonical(float[] fileOrder, MrcHeader h, int nx, int ny, int nz)
    {
        var result = new float[fileOrder.Length];
        Span<int> stride = stackalloc int[3];
        stride[0] = 1; stride[1] = nx; stride[2] = nx * ny;
        int sc = stride[h.MapC - 1], sr = stride[h.MapR - 1], ss = stride[h.MapS - 1];
        int i = 0;
        for (int s = 0; s < h.Sections; s++)
            for (int r = 0; r < h.Rows; r++)
            {
                int baseIndex = s * ss + r * sr;
                for (int c = 0; c < h.Columns; c++) result[baseIndex + c * sc] = fileOrder[i++];
            }
        return result;
    }
}
