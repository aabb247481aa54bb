using System.Buffers.Binary;

namespace Siren.Core.Mrc;

/// <summary>
/// The fields of the 1024-byte MRC2014 header that a map reader needs. Dimensions are in file order
/// (columns, rows, sections); <see cref="MapC"/>/<see cref="MapR"/>/<see cref="MapS"/> say which of
/// x, y, z each file axis is.
/// </summary>
public sealed record MrcHeader(
    int Columns, int Rows, int Sections, int ModeWord,
    int Mx, int My, int Mz, Vec3 Cell,
    int MapC, int MapR, int MapS,
    int ExtendedHeaderBytes, Vec3 Origin, bool BigEndian)
{
    public const int Size = 1024;

    public MrcMode Mode => (MrcMode)ModeWord;

    public long VoxelCount => (long)Columns * Rows * Sections;

    /// <summary>Byte offset of the first voxel: the fixed header plus NSYMBT extended-header bytes.</summary>
    public long DataOffset => Size + (long)ExtendedHeaderBytes;

    /// <summary>Dimensions along x, y, z after applying MAPC/MAPR/MAPS.</summary>
    public (int Nx, int Ny, int Nz) CanonicalDims
    {
        get
        {
            Span<int> dims = stackalloc int[3];
            dims[MapC - 1] = Columns;
            dims[MapR - 1] = Rows;
            dims[MapS - 1] = Sections;
            return (dims[0], dims[1], dims[2]);
        }
    }

    /// <summary>Å per voxel: cell / MX (MRC2014); sampling falls back to the dimensions when MX is 0.</summary>
    public Vec3 VoxelSize
    {
        get
        {
            var (nx, ny, nz) = CanonicalDims;
            static float Size(float cell, int m, int n) => cell / (m > 0 ? m : n);
            return new Vec3(Size(Cell.X, Mx, nx), Size(Cell.Y, My, ny), Size(Cell.Z, Mz, nz));
        }
    }

    public static SirenException TooShort(string path, long length) =>
        new($"'{path}' is not an MRC map: {length} bytes is shorter than the 1024-byte MRC header. Fix: re-export the map as MRC2014.");

    /// <summary>
    /// Parses the header. The machine stamp decides endianness when it is set; cryoDRGN writes a zero
    /// stamp, so otherwise the byte order that gives a known mode and sane dimensions wins.
    /// </summary>
    public static MrcHeader Parse(ReadOnlySpan<byte> header, string path)
    {
        if (header.Length < Size) throw TooShort(path, header.Length);

        bool big = header[212] == 0x11 && header[213] == 0x11;
        bool stamped = header[212] == 0x44 || header[212] == 0x11;
        if (!stamped && !Plausible(header, false) && Plausible(header, true)) big = true;

        byte[] h = header[..Size].ToArray();
        int I(int offset) => ReadInt(h, offset, big);
        float F(int offset) => big ? BinaryPrimitives.ReadSingleBigEndian(h.AsSpan(offset)) : BinaryPrimitives.ReadSingleLittleEndian(h.AsSpan(offset));

        int nc = I(0), nr = I(4), ns = I(8), mode = I(12);
        if (nc <= 0 || nr <= 0 || ns <= 0 || nc > 1 << 16 || nr > 1 << 16 || ns > 1 << 16)
            throw new SirenException($"'{path}' is not an MRC map: header dimensions {nc}×{nr}×{ns} are invalid. Fix: check that the file is an MRC2014 map (.mrc).");
        if (!MrcModeInfo.IsKnown(mode))
            throw new SirenException($"'{path}' uses MRC mode {mode}, which Siren.Native does not read (supported: 0 int8, 1 int16, 2 float32, 6 uint16, 12 float16). Fix: convert the map to float32 (mode 2).");

        int mapc = I(64), mapr = I(68), maps = I(72);
        if (mapc == 0 && mapr == 0 && maps == 0) (mapc, mapr, maps) = (1, 2, 3);
        if (!IsPermutation(mapc, mapr, maps))
            throw new SirenException($"'{path}' has invalid axis order MAPC/MAPR/MAPS = {mapc}/{mapr}/{maps}. Fix: rewrite the header with a permutation of 1, 2, 3.");

        int nsymbt = I(92);
        if (nsymbt < 0)
            throw new SirenException($"'{path}' has a negative extended header size (NSYMBT = {nsymbt}). Fix: repair the header or re-export the map.");

        return new MrcHeader(nc, nr, ns, mode, I(28), I(32), I(36), new Vec3(F(40), F(44), F(48)),
            mapc, mapr, maps, nsymbt, new Vec3(F(196), F(200), F(204)), big);
    }

    private static int ReadInt(ReadOnlySpan<byte> h, int offset, bool big) =>
        big ? BinaryPrimitives.ReadInt32BigEndian(h[offset..]) : BinaryPrimitives.ReadInt32LittleEndian(h[offset..]);

    private static bool Plausible(ReadOnlySpan<byte> h, bool big)
    {
        int nc = ReadInt(h, 0, big), nr = ReadInt(h, 4, big), ns = ReadInt(h, 8, big);
        return MrcModeInfo.IsKnown(ReadInt(h, 12, big)) && nc > 0 && nr > 0 && ns > 0 && nc <= 1 << 16 && nr <= 1 << 16 && ns <= 1 << 16;
    }

    private static bool IsPermutation(int a, int b, int c) =>
        a is >= 1 and <= 3 && b is >= 1 and <= 3 && c is >= 1 and <= 3 && a != b && b != c && a != c;
}
