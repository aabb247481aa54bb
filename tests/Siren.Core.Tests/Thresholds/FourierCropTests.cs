using Siren.Core.Mrc;
using Siren.Core.Thresholding;

namespace Siren.Core.Tests.Thresholding;

public class FourierCropTests
{
    [Fact]
    public void CropToTheSameBoxIsIdentity()
    {
        var rng = new Random(3);
        var data = Enumerable.Range(0, 64 * 64 * 64).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] cropped = FourierCrop.Downsample(data, 64, 64);
        for (int i = 0; i < data.Length; i++) Assert.Equal(data[i], cropped[i], 4);
    }

    [Theory]
    [InlineData(96)]
    [InlineData(65)]
    [InlineData(75)]
    public void CroppedMapStaysInPlace(int n)
    {
        // A smooth blob off the centre: its centroid in Å (origin + index × voxel) is the same before and after,
        // for odd boxes too, whose crop is sampled half a voxel off the map's grid.
        const float apix = 1.5f;
        var centre = (X: 0.52 * n, Y: 0.45 * n, Z: 0.6 * n);
        var data = new float[n * n * n];
        for (int z = 0; z < n; z++)
            for (int y = 0; y < n; y++)
                for (int x = 0; x < n; x++)
                    data[(z * n + y) * n + x] = (float)Math.Exp(-(Math.Pow(x - centre.X, 2) + Math.Pow(y - centre.Y, 2) + Math.Pow(z - centre.Z, 2)) / (2 * 4.0 * 4.0));
        var volume = new MrcVolume(n, n, n, data, Vec3.All(apix), new Vec3(10, -20, 30));
        var cropped = FourierCrop.Downsample(volume);
        var before = Centroid(volume);
        var after = Centroid(cropped);
        Assert.Equal(before.X, after.X, 0.02 * apix);
        Assert.Equal(before.Y, after.Y, 0.02 * apix);
        Assert.Equal(before.Z, after.Z, 0.02 * apix);
    }

    private static (double X, double Y, double Z) Centroid(MrcVolume v)
    {
        double sum = 0, x = 0, y = 0, z = 0;
        for (int k = 0; k < v.Nz; k++)
            for (int j = 0; j < v.Ny; j++)
                for (int i = 0; i < v.Nx; i++)
                {
                    double w = Math.Max(0, v.Data[(k * v.Ny + j) * v.Nx + i]);
                    sum += w; x += w * i; y += w * j; z += w * k;
                }
        return (v.Origin.X + x / sum * v.VoxelSize.X, v.Origin.Y + y / sum * v.VoxelSize.Y, v.Origin.Z + z / sum * v.VoxelSize.Z);
    }

    [Theory]
    [InlineData(96)]
    [InlineData(90)]
    public void BandLimitedCosineIsResampledExactly(int n)
    {
        // A cosine with 3 periods per box, phased at the box centre (the fftshift pivot), survives the
        // crop unchanged and is read on the coarse grid, centre to centre; the (64/n)³ scale keeps amplitude.
        var data = new float[n * n * n];
        for (int z = 0; z < n; z++)
            for (int y = 0; y < n; y++)
                for (int x = 0; x < n; x++)
                    data[(z * n + y) * n + x] = 1 + (float)(Math.Cos(2 * Math.PI * 3 * (x - n / 2) / n) * Math.Cos(2 * Math.PI * 2 * (z - n / 2) / n));
        var volume = new MrcVolume(n, n, n, data, Vec3.All(2f), default);
        var cropped = FourierCrop.Downsample(volume);

        Assert.Equal(64, cropped.Nx);
        Assert.Equal(2f * n / 64, cropped.VoxelSize.X, 5);
        for (int z = 0; z < 64; z += 7)
            for (int y = 0; y < 64; y += 5)
                for (int x = 0; x < 64; x++)
                {
                    double expected = 1 + Math.Cos(2 * Math.PI * 3 * (x - 32) / 64.0) * Math.Cos(2 * Math.PI * 2 * (z - 32) / 64.0);
                    Assert.Equal(expected, cropped.Data[(z * 64 + y) * 64 + x], 4);
                }
    }

    [PythonFact("numpy")]
    public void MatchesNumpyReference()
    {
        // The original's utils.downsample, run by numpy on the same random maps. 81 is odd: n² real lines,
        // so the first axis's last line is transformed without a partner; 99 has no factor 2 at all.
        foreach (int n in new[] { 80, 81, 99 })
        {
            var rng = new Random(11);
            var data = Enumerable.Range(0, n * n * n).Select(_ => (float)rng.NextDouble()).ToArray();
            string dir = TestPaths.NewTempDir();
            string input = Path.Combine(dir, "in.bin"), output = Path.Combine(dir, "out.bin");
            PythonReference.WriteFloats(input, [data]);
            PythonReference.Script(PythonReference.With("numpy")!, """
                import sys, numpy as np
                n, b = int(sys.argv[3]), 64
                vol = np.fromfile(sys.argv[1], dtype=np.float32).reshape(n, n, n)
                ft = np.fft.fftshift(np.fft.fftn(np.fft.fftshift(vol)))
                s, e = n // 2 - b // 2, n // 2 + b // 2
                out = np.fft.ifftshift(np.fft.ifftn(np.fft.ifftshift(ft[s:e, s:e, s:e]))).real * (b / n) ** 3
                out.astype(np.float32).tofile(sys.argv[2])
                """, input, output, n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            float[] expected = PythonReference.ReadFloats(output);
            float[] actual = FourierCrop.Downsample(data, n, 64);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
        }
    }
}
