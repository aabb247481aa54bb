using System.Globalization;
using Siren.Core.Mrc;
using Siren.Core.Thresholding;

namespace Siren.Core.Tests.Thresholding;

public class PreprocessTests
{
    [SharedDataFact]
    public void RealMapStatsMatchNumpyNumbersComputedOnce()
    {
        // Reference: the original's utils.normalize run once with numpy 1.24.2 / mrcfile on these maps.
        string vols = Path.Combine(TestPaths.SharedData!, "empiar10076_maven", "vols");
        var (_, s018) = MapNormalization.Normalize(MrcReader.Read(Path.Combine(vols, "vol_018.mrc")).Data);
        var (_, s113) = MapNormalization.Normalize(MrcReader.Read(Path.Combine(vols, "vol_113.mrc")).Data);
        Assert.Equal(3.671927e-07f, (float)s018.Min);
        Assert.Equal(4.8606296f, (float)s018.Max);
        Assert.Equal(7.889506e-07f, (float)s113.Min);
        Assert.Equal(4.5169787f, (float)s113.Max);
    }

    [PythonFact("numpy, mrcfile", needsSharedData: true)]
    public void PreprocessMatchesNumpyOnAllRealMaps()
    {
        string vols = Path.Combine(TestPaths.SharedData!, "empiar10076_maven", "vols");
        string outdir = TestPaths.NewTempDir();
        var maps = Preprocess.Run(vols, outdir);
        string normDir = Path.Combine(outdir, "normalized");

        string output = PythonReference.Script(PythonReference.With("numpy, mrcfile")!, """
            import sys, glob, os, warnings, numpy as np, mrcfile
            warnings.simplefilter("ignore")
            worst = 0.0
            for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.mrc"))):
                with mrcfile.open(f, permissive=True) as m:
                    v = m.data.copy()
                u, l = np.percentile(v, 99.999), np.percentile(v, 0.001)
                v = np.where(v > u, u, v); v = np.where(v < l, l, v)
                n = np.where(v <= 0, 0, v); lo = np.min(v[v > 0]); hi = np.max(n)
                n = 2 * ((n - lo) / (hi - lo)) - 1
                with mrcfile.open(os.path.join(sys.argv[2], os.path.basename(f)), permissive=True) as m:
                    ours = m.data.copy()
                worst = max(worst, float(np.abs(ours - n).max()))
                print(os.path.basename(f), repr(float(lo)), repr(float(hi)))
            print("worst", worst)
            """, vols, normDir);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var stats = Preprocess.ReadStats(Path.Combine(normDir, Preprocess.StatsDownsampledFile));
        Assert.Equal(20, maps.Count);
        Assert.Equal(20, stats.Count);
        foreach (string line in lines.Where(l => l.StartsWith("vol_", StringComparison.Ordinal)))
        {
            string[] f = line.Split(' ');
            int id = Ensemble.VolumeFolder.MapIdOf(f[0]);
            Assert.Equal(double.Parse(f[1], CultureInfo.InvariantCulture), stats[id].Min, 12);
            Assert.Equal(double.Parse(f[2], CultureInfo.InvariantCulture), stats[id].Max, 12);
        }
        double worst = double.Parse(lines.Single(l => l.StartsWith("worst", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture);
        Assert.True(worst <= 1e-6, $"normalized maps differ from numpy by up to {worst}");
    }

    [Fact]
    public void CroppedMapsGetRawAndDownsampledStatsAndLabelsAreNormalized()
    {
        string dir = TestPaths.NewTempDir();
        string vols = Directory.CreateDirectory(Path.Combine(dir, "vols")).FullName;
        var rng = new Random(5);
        for (int id = 0; id < 2; id++)
        {
            const int n = 72;
            var data = new float[n * n * n];
            for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() - 0.3);
            MrcWriter.Write(Path.Combine(vols, $"vol_{id:D3}.mrc"), new MrcVolume(n, n, n, data, Vec3.All(3f), new Vec3(10, 20, 30)));
        }
        File.WriteAllText(Path.Combine(dir, "labels.csv"), "vol_id,contour_level\n0,0.1\n1,0.2\n");
        string outdir = Path.Combine(dir, "out");
        var maps = Preprocess.Run(vols, outdir, Path.Combine(dir, "labels.csv"));

        string norm = Path.Combine(outdir, "normalized");
        var down = MrcReader.Read(Path.Combine(norm, "downsampled", "vol_000.mrc"));
        Assert.Equal(64, down.Nx);
        Assert.Equal(3f * 72 / 64, down.VoxelSize.X, 5);
        // The normalized map lies where its box-64 map does, so the two overlay in ChimeraX.
        Assert.Equal(down.Origin, MrcReader.Read(Path.Combine(norm, "vol_000.mrc")).Origin);
        Assert.Equal(new Vec3(10, 20, 30), down.Origin); // 72 is even: the crop samples the map's own grid points
        Assert.True(File.Exists(Path.Combine(norm, Preprocess.StatsRawFile)));
        var raw = Preprocess.ReadStats(Path.Combine(norm, Preprocess.StatsRawFile));
        Assert.Equal(maps[0].RawStats!.Value.Max, raw[0].Max, 12);

        var table = Ensemble.CsvTable.Read(Path.Combine(norm, Preprocess.LabelsFile));
        double normalized = double.Parse(table.Rows[1][table.Column("normalized_label")], CultureInfo.InvariantCulture);
        Assert.Equal(2 * (0.2 - maps[1].Stats.Min) / (maps[1].Stats.Max - maps[1].Stats.Min) - 1, normalized, 12);

        // The same maps give the same bytes: the header's first label once carried the time it was written.
        byte[] header = File.ReadAllBytes(Path.Combine(norm, "vol_000.mrc"))[..1024];
        Assert.Equal("Siren.Native", System.Text.Encoding.ASCII.GetString(header, 224, 80).TrimEnd('\0', ' '));
        string again = Path.Combine(dir, "again");
        Preprocess.Run(vols, again, Path.Combine(dir, "labels.csv"));
        foreach (string f in new[] { "vol_000.mrc", "vol_001.mrc", Path.Combine("downsampled", "vol_001.mrc") })
            Assert.Equal(File.ReadAllBytes(Path.Combine(norm, f)), File.ReadAllBytes(Path.Combine(again, "normalized", f)));
    }
}
