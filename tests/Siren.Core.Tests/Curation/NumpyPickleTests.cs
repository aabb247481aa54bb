using Siren.Core.Curation;

namespace Siren.Core.Tests.Curation;

public class NumpyPickleTests
{
    private static readonly long[] Expected = [3, 0, 2, 2, 1, -1, 300, 70000];

    /// <summary>Fixtures written by numpy 1.24 (tests/Siren.Core.Tests/data/make_pickles.py).</summary>
    [Theory]
    [InlineData("labels_int32_p2.pkl")]
    [InlineData("labels_int64_p2.pkl")]
    [InlineData("labels_int32_p4.pkl")]
    [InlineData("labels_int64_p4.pkl")]
    [InlineData("labels_int32_p5.pkl")]
    [InlineData("labels_int64_p5.pkl")]
    [InlineData("labels_int64_p4_big_endian.pkl")]
    public void ReadsNumpyIntegerArrays(string file)
    {
        long[] values = NumpyPickle.ReadInt64(Path.Combine(TestPaths.RepoRoot, "tests", "Siren.Core.Tests", "data", file));
        Assert.Equal(Expected, values);
    }

    [Fact]
    public void WrittenInt64ArrayReadsBack()
    {
        long[] values = [0, 5, 255, 256, 1L << 40, -7];
        Assert.Equal(values, NumpyPickle.Read(NumpyPickle.WriteInt64(values)));
        Assert.Empty(NumpyPickle.Read(NumpyPickle.WriteInt64([])));
    }

    [Fact]
    public void RefusesGlobalsOutsideANumpyArray()
    {
        // cos\nsystem\n(S'true'\ntR. — the classic malicious pickle.
        byte[] evil = "cos\nsystem\n(S'true'\ntR."u8.ToArray();
        var e = Assert.Throws<FormatException>(() => NumpyPickle.Read(evil));
        Assert.Contains("os.system", e.Message);
    }
}
