using Siren.Core.Mrc;
using Siren.Core.Thresholding;

namespace Siren.Core.Tests.Thresholding;

public class PreparedMapReaderTests
{
    /// <summary>Five small maps of box 72, so reading them also Fourier-crops.</summary>
    private static string RawMaps()
    {
        string dir = TestPaths.NewTempDir();
        var rng = new Random(3);
        for (int id = 0; id < 5; id++)
        {
            const int n = 72;
            var data = new float[n * n * n];
            for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() - 0.4) * (id + 1);
            MrcWriter.Write(Path.Combine(dir, $"vol_{id:D3}.mrc"), new MrcVolume(n, n, n, data, Vec3.All(2f), default));
        }
        return dir;
    }

    [Fact]
    public void ChunksAreTheFolderInOrderPreparedAsOneMapAlone()
    {
        string dir = RawMaps();
        var reader = new PreparedMapReader(dir);
        var chunks = reader.Chunks(chunkSize: 2).ToList();

        Assert.Equal([2, 2, 1], chunks.Select(c => c.Count));
        var maps = chunks.SelectMany(c => c).ToList();
        Assert.Equal([0, 1, 2, 3, 4], maps.Select(m => m.MapId));
        for (int id = 0; id < 5; id++)
        {
            var alone = Preprocess.Prepare(MrcReader.Read(Path.Combine(dir, $"vol_{id:D3}.mrc")), id, "alone", out _);
            Assert.Equal(alone.Normalized, maps[id].Normalized);
            Assert.Equal(alone.Stats, maps[id].Stats);
            Assert.Equal(alone.RawStats, maps[id].RawStats);
        }
        Assert.Equal([1, 3], new PreparedMapReader(dir, include: id => id % 2 == 1).ReadAll().Select(m => m.MapId));
    }

    [Fact]
    public void PreprocessedFolderIsReadWithItsStatsAndAMissingRawRowIsAUserError()
    {
        string raw = RawMaps(), prep = TestPaths.NewTempDir();
        var ranges = Preprocess.Run(raw, prep);
        string normalized = Path.Combine(prep, Preprocess.NormalizedFolder);

        var reader = new PreparedMapReader(normalized);
        Assert.True(reader.IsPreprocessed);
        Assert.EndsWith(Preprocess.StatsRawFile, reader.StatsPath);
        var maps = reader.ReadAll();
        Assert.Equal(ranges.Select(r => r.RawStats), maps.Select(m => m.RawStats));
        Assert.Equal(ranges.Select(r => r.Stats), maps.Select(m => m.Stats));

        string rawStats = Path.Combine(normalized, Preprocess.StatsRawFile);
        File.WriteAllLines(rawStats, File.ReadAllLines(rawStats).Where(l => !l.StartsWith("3,", StringComparison.Ordinal)));
        var e = Assert.Throws<SirenException>(() => new PreparedMapReader(normalized).ReadAll());
        Assert.Contains(Preprocess.StatsRawFile, e.Message);
        Assert.Contains("map 3", e.Message);
        // The downsampled levels do not need the raw table.
        Assert.Equal(5, new PreparedMapReader(normalized, rawLevels: false).ReadAll().Count);
    }

    [Fact]
    public void APreprocessedFolderMissingItsDownsampledStatsIsNotTakenForRawMaps()
    {
        string prep = TestPaths.NewTempDir();
        Preprocess.Run(RawMaps(), prep);
        string normalized = Path.Combine(prep, Preprocess.NormalizedFolder);
        File.Delete(Path.Combine(normalized, Preprocess.StatsDownsampledFile));

        var e = Assert.Throws<SirenException>(() => new PreparedMapReader(normalized));
        Assert.Contains(Preprocess.StatsDownsampledFile, e.Message);
        Assert.Contains("Fix: rerun siren preprocess", e.Message);
    }
}
