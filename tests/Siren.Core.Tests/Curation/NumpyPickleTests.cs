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

    /// <summary>Pickles of other Python objects (protocol 2, as pickle.dumps writes them) are named in Python's words.</summary>
    [Theory]
    [InlineData(new byte[] { 128, 2, 75, 1, 75, 2, 134, 113, 0, 46 }, "holds a tuple")]
    [InlineData(new byte[] { 128, 2, 88, 3, 0, 0, 0, 97, 98, 99, 113, 0, 46 }, "holds a str")]
    [InlineData(new byte[] { 128, 2, 71, 63, 248, 0, 0, 0, 0, 0, 0, 46 }, "holds a float")]
    [InlineData(new byte[] { 128, 2, 93, 113, 0, 40, 136, 137, 101, 46 }, "holds a bool")]
    public void OtherObjectsAreNamedInPythonsWords(byte[] pickle, string named)
    {
        var e = Assert.Throws<FormatException>(() => NumpyPickle.Read(pickle));
        Assert.Contains(named, e.Message);
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
