using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Siren.Core.Mrc;

namespace Siren.Core.Occupancy;

/// <summary>
/// Reads maps through a caller's reusable buffer for streaming passes over many maps. The common case —
/// little-endian float32 in x-fastest order, as cryoDRGN and tomoDRGN write — costs one open and one
/// read of the whole file, and the voxels are used in place (no allocation, no copy); every other mode
/// or axis order goes through <see cref="MrcReader"/>, which validates and converts it.
/// </summary>
public static class MapStreamReader
{
    /// <summary>
    /// The voxels of the map at <paramref name="path"/> (box³ floats, x fastest), valid until the next call
    /// with the same buffer; <paramref name="buffer"/> grows as needed. Throws if the map's box differs.
    /// </summary>
    public static ReadOnlySpan<float> Read(string path, int box, ref byte[] buffer)
    {
        long voxels = (long)box * box * box;
        using (SafeFileHandle handle = MrcReader.Open(path))
        {
            long length = RandomAccess.GetLength(handle);
            if (length <= int.MaxValue)
            {
                if (buffer.Length < length) buffer = GC.AllocateUninitializedArray<byte>((int)length);
                int read = 0;
                for (int n; read < length && (n = RandomAccess.Read(handle, buffer.AsSpan(read, (int)length - read), read)) > 0;) read += n;
                MrcHeader header = MrcHeader.Parse(buffer.AsSpan(0, Math.Min(read, MrcHeader.Size)), path);
                bool direct = header.Mode == MrcMode.Float32 && !header.BigEndian && BitConverter.IsLittleEndian
                              && header.MapC == 1 && header.MapR == 2 && header.MapS == 3
                              && header.Columns == box && header.Rows == box && header.Sections == box
                              && read == length && length == header.DataOffset + voxels * sizeof(float);
                // x64 and arm64 load floats from any byte offset, so the data after a header of any size is used where it lies.
                if (direct) return MemoryMarshal.Cast<byte, float>(buffer.AsSpan((int)header.DataOffset, (int)(voxels * sizeof(float))));
            }
        }
        MrcVolume map = MrcReader.Read(path);
        if (map.Nx != box || map.Ny != box || map.Nz != box)
            throw new SirenException($"map '{path}' is {map.Nx}×{map.Ny}×{map.Nz} but the masks are {box}³. Fix: resample the maps or the masks onto one grid.");
        return map.Data;
    }
}
