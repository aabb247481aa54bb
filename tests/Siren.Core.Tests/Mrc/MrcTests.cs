using System.Buffers.Binary;
using Siren.Core.Mrc;

namespace Siren.Core.Tests.Mrc;

public class MrcTests
{
    private static MrcVolume Ramp(int nx, int ny, int nz)
    {
        var data = new float[nx * ny * nz];
        for (int i = 0; i < data.Length; i++) data[i] = (i % 97) - 40;
        return new MrcVolume(nx, ny, nz, data, new Vec3(1.5f, 1.5f, 1.5f), new Vec3(3, -4, 5));
    }

    [Theory]
    [InlineData(MrcMode.Int8)]
    [InlineData(MrcMode.Int16)]
    [InlineData(MrcMode.Float32)]
    [InlineData(MrcMode.UInt16)]
    [InlineData(MrcMode.Float16)]
    public void RoundTripsEveryMode(MrcMode mode)
    {
        MrcVolume original = Ramp(7, 5, 3);
        if (mode == MrcMode.UInt16) for (int i = 0; i < original.Data.Length; i++) original.Data[i] += 40;
        string path = Path.Combine(TestPaths.NewTempDir(), "vol_000.mrc");
        MrcWriter.Write(path, original, mode);
        MrcVolume read = MrcReader.Read(path);
        Assert.Equal((7, 5, 3), (read.Nx, read.Ny, read.Nz));
        Assert.Equal(original.Data, read.Data);
        Assert.Equal(1.5f, read.VoxelSize.X, 5);
        Assert.Equal(new Vec3(3, -4, 5), read.Origin);
        Assert.Equal(1024 + 7 * 5 * 3 * MrcModeInfo.BytesPerVoxel(mode), new FileInfo(path).Length);
    }

    [Fact]
    public void ZeroMachineStampAndExtendedHeaderAreAccepted()
    {
        MrcVolume original = Ramp(4, 4, 4);
        string path = Path.Combine(TestPaths.NewTempDir(), "vol_001.mrc");
        MrcWriter.Write(path, original);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[212] = bytes[213] = 0;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(92), 80);
        byte[] withExt = [.. bytes[..1024], .. new byte[80], .. bytes[1024..]];
        File.WriteAllBytes(path, withExt);
        Assert.Equal(original.Data, MrcReader.Read(path).Data);
    }

    [Fact]
    public void AxisOrderIsHonoured()
    {
        // File stores columns = z, rows = x, sections = y (MAPC/MAPR/MAPS = 3/1/2).
        int nx = 3, ny = 4, nz = 5;
        var header = new byte[1024];
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(0), nz);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), nx);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), ny);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), 2);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(28), nx);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(32), ny);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(36), nz);
        BinaryPrimitives.WriteSingleLittleEndian(header.AsSpan(40), 2f * nx);
        BinaryPrimitives.WriteSingleLittleEndian(header.AsSpan(44), 2f * ny);
        BinaryPrimitives.WriteSingleLittleEndian(header.AsSpan(48), 2f * nz);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(64), 3);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(68), 1);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(72), 2);
        var data = new float[nx * ny * nz];
        int i = 0;
        for (int y = 0; y < ny; y++)
            for (int x = 0; x < nx; x++)
                for (int z = 0; z < nz; z++)
                    data[i++] = 100 * x + 10 * y + z;
        string path = Path.Combine(TestPaths.NewTempDir(), "perm_000.mrc");
        File.WriteAllBytes(path, [.. header, .. System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray()]);

        MrcVolume vol = MrcReader.Read(path);
        Assert.Equal((nx, ny, nz), (vol.Nx, vol.Ny, vol.Nz));
        Assert.Equal(2f, vol.VoxelSize.Y);
        for (int z = 0; z < nz; z++)
            for (int y = 0; y < ny; y++)
                for (int x = 0; x < nx; x++)
                    Assert.Equal(100 * x + 10 * y + z, vol.Data[z * ny * nx + y * nx + x]);
    }

    [Fact]
    public void TruncatedFileIsOneClearError()
    {
        string path = Path.Combine(TestPaths.NewTempDir(), "vol_000.mrc");
        MrcWriter.Write(path, Ramp(8, 8, 8));
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var e = Assert.Throws<SirenException>(() => MrcReader.Read(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void OversizedFileIsOneClearError()
    {
        string path = Path.Combine(TestPaths.NewTempDir(), "vol_000.mrc");
        MrcWriter.Write(path, Ramp(4, 4, 4));
        File.AppendAllText(path, "junk");
        var e = Assert.Throws<SirenException>(() => MrcReader.Read(path));
        Assert.Contains("does not match its header", e.Message);
    }

    [Fact]
    public void UnknownModeAndNonMrcAreOneClearError()
    {
        string dir = TestPaths.NewTempDir();
        string bad = Path.Combine(dir, "mode.mrc");
        MrcWriter.Write(bad, Ramp(4, 4, 4));
        byte[] bytes = File.ReadAllBytes(bad);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), 4);
        File.WriteAllBytes(bad, bytes);
        Assert.Contains("mode 4", Assert.Throws<SirenException>(() => MrcReader.Read(bad)).Message);

        string text = Path.Combine(dir, "notes.mrc");
        File.WriteAllText(text, "this is not a map");
        Assert.Contains("not an MRC map", Assert.Throws<SirenException>(() => MrcReader.Read(text)).Message);
    }

    [UnixFact]
    public async Task PipeNamedLikeAMapIsRefusedWithoutWaitingForAWriter()
    {
        string fifo = Path.Combine(TestPaths.NewTempDir(), "vol_000.mrc");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo)) mkfifo.WaitForExit();
        // Opening a pipe blocks until a writer appears, so a reader that opened it would hang this test.
        var read = Task.Run(() =>
        {
            byte[] buffer = [];
            return new[]
            {
                Assert.Throws<SirenException>(() => MrcReader.Read(fifo)),
                Assert.Throws<SirenException>(() => Siren.Core.Occupancy.MapStreamReader.Read(fifo, 4, ref buffer)),
            };
        });
        SirenException[] errors = await read.WaitAsync(TimeSpan.FromSeconds(20)); // throws TimeoutException if a reader waits for a writer
        Assert.All(errors, e => Assert.Contains($"'{fifo}' is not an MRC map: 0 bytes", e.Message));
    }

    [SharedDataFact]
    public void ReadsTheTwentyRealCryoDrgnMaps()
    {
        string dir = Path.Combine(TestPaths.SharedData!, "empiar10076_maven", "vols");
        string[] files = Directory.GetFiles(dir, "*.mrc");
        Assert.Equal(20, files.Length);
        foreach (string f in files)
        {
            MrcVolume v = MrcReader.Read(f);
            Assert.Equal((64, 64, 64), (v.Nx, v.Ny, v.Nz));
            Assert.Equal(6.55f, v.VoxelSize.X, 3);
            Assert.DoesNotContain(v.Data, float.IsNaN);
            Assert.True(v.Data.Max() > v.Data.Min());
        }
    }
}
