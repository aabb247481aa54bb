using System.Numerics;
using Siren.Core.Ensemble;
using Siren.Core.Kernels;

namespace Siren.Core.Tests.Kernels;

public class PairCounterTests
{
    /// <summary>
    /// Tails of a word and of a vector, and past the vector kernels' byte-accumulator flushes: every 31 steps,
    /// which full rows first reach above 124 words (AVX2, 7,936 maps) and 248 words (AVX-512, 15,872 maps).
    /// </summary>
    public static TheoryData<int> AwkwardMapCounts => new() { 1, 63, 64, 65, 130, 511, 517, 1000, 4097, 7936, 7937, 15872, 15873, 20000 };

    private static ulong[] RandomRow(SirenRandom random, int maps, double density)
    {
        var row = new ulong[OccupancyMatrix.PaddedWords(maps)];
        for (int m = 0; m < maps; m++)
            if (random.NextDouble() < density) row[m >> 6] |= 1UL << (m & 63);
        return row;
    }

    private static int Naive(ulong[] a, ulong[] b, int maps)
    {
        int n = 0;
        for (int m = 0; m < maps; m++)
            if ((a[m >> 6] >> (m & 63) & 1) != 0 && (b[m >> 6] >> (m & 63) & 1) != 0) n++;
        return n;
    }

    [Theory]
    [MemberData(nameof(AwkwardMapCounts))]
    public void EverySupportedPathEqualsTheNaiveCount(int maps)
    {
        var random = new SirenRandom((ulong)maps);
        // Two full rows fill every byte lane on every step: the case a missed flush would overflow.
        ulong[] full = RandomRow(random, maps, 1.0);
        foreach (PairCounter.Path path in Enum.GetValues<PairCounter.Path>().Where(PairCounter.IsSupported))
            Assert.Equal(maps, PairCounter.Count(full, full, path));
        foreach (double density in new[] { 0.0, 0.03, 0.5, 0.97, 1.0 })
            for (int trial = 0; trial < 20; trial++)
            {
                ulong[] a = RandomRow(random, maps, density), b = RandomRow(random, maps, random.NextDouble());
                int expected = Naive(a, b, maps);
                foreach (PairCounter.Path path in Enum.GetValues<PairCounter.Path>().Where(PairCounter.IsSupported))
                    Assert.Equal(expected, PairCounter.Count(a, b, path));
            }
    }

    /// <summary>
    /// The vector kernels read whole 512-bit blocks with no tail case, so a row of 65 maps is 8 words and every
    /// bit past map 65 must be zero, or the pair counts would include maps that do not exist.
    /// </summary>
    [Fact]
    public void RowsArePaddedToWholeVectorsWithZeroBits()
    {
        Assert.Equal(8, OccupancyMatrix.PaddedWords(1));
        Assert.Equal(8, OccupancyMatrix.PaddedWords(512));
        Assert.Equal(16, OccupancyMatrix.PaddedWords(513));
        string dir = TestPaths.NewTempDir();
        Synthetic.WriteEnsemble(dir, 8, 65, Synthetic.Cube(8, 2, 2, 2, 3), [new Synthetic.Region(Synthetic.Cube(8, 5, 2, 2, 2), 0.5)], 4);
        OccupancyMatrix occ = BinarizedEnsemble.Load(dir, Thresholds.Constant(0.5), filter: false).Occupancy;
        Assert.Equal(8, occ.WordsPerRow);
        for (int r = 0; r < occ.Rows; r++)
        {
            ReadOnlySpan<ulong> row = occ.Row(r);
            Assert.Equal(0UL, row[1] >> 1); // maps 0–63 in word 0, map 64 in bit 0 of word 1
            for (int w = 2; w < row.Length; w++) Assert.Equal(0UL, row[w]);
        }
    }

    /// <summary>
    /// Reruns this class's counts with AVX-512 and then AVX2 switched off in a child process, so the
    /// fallbacks are tested on a machine whose best path is wider (ImageSharp's approach).
    /// </summary>
    [Theory]
    [InlineData("DOTNET_EnableAVX512")]
    [InlineData("DOTNET_EnableAVX2")]
    public void FallbackPathsAgreeInAChildProcess(string switchOff)
    {
        var r = SirenProcess.Run(new Dictionary<string, string> { [switchOff] = "0" }, "self-test");
        string output = r.Stdout + r.Stderr;
        Assert.True(r.ExitCode == 0, output);
        string expectedBest = switchOff == "DOTNET_EnableAVX2" ? "scalar" : (System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "avx2" : "scalar");
        Assert.Contains($"best path: {expectedBest}", output);
        Assert.Contains("all paths agree", output);
    }

    [Fact]
    public void PopCountOfRowsMatchesCounts()
    {
        var random = new SirenRandom(9);
        int maps = 300, rows = 50;
        int words = OccupancyMatrix.PaddedWords(maps);
        var bits = new ulong[rows * words];
        for (int r = 0; r < rows; r++) RandomRow(random, maps, 0.3).CopyTo(bits, r * words);
        var occ = new OccupancyMatrix(maps, 8, Enumerable.Range(0, rows).ToArray(), bits);
        for (int r = 0; r < rows; r++)
            Assert.Equal(occ.Row(r).ToArray().Sum(w => BitOperations.PopCount(w)), occ.Counts[r]);
    }
}
