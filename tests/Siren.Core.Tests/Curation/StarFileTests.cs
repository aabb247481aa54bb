using System.Text;
using Siren.Core.Curation;

namespace Siren.Core.Tests.Curation;

public class StarFileTests
{
    private const string Relion31 = """

        # version 30001

        data_optics

        loop_
        _rlnOpticsGroupName #1
        _rlnOpticsGroup #2
        _rlnImagePixelSize #3
        opticsGroup1 1 1.31
        opticsGroup2 2 1.31


        # version 30001

        data_particles

        loop_
        _rlnImageName #1
        _rlnOpticsGroup #2
        _rlnAngleRot #3
        000001@stack.mrcs 1 10.0
        000002@stack.mrcs 1 20.0
        000003@stack.mrcs 2 30.0
        000004@stack.mrcs 2 40.0
        000005@stack.mrcs 1 50.0

        """;

    private const string Relion30 = """

        data_

        loop_
        _rlnImageName #1
        _rlnDefocusU #2
        1@a.mrcs 10000
        2@a.mrcs 11000
        3@a.mrcs 12000

        """;

    [Fact]
    public void FiltersRelion31ParticlesAndKeepsTheOpticsTable()
    {
        StarFile star = StarFile.Parse("p.star", Encoding.UTF8.GetBytes(Relion31));
        Assert.Equal("particles", star.ParticlesBlock);
        Assert.True(star.HasOptics);
        Assert.Equal(5, star.ParticleCount);

        string filtered = Encoding.UTF8.GetString(star.Filter([4, 1]));
        Assert.Contains("opticsGroup2 2 1.31", filtered);
        Assert.Contains("000002@stack.mrcs", filtered);
        Assert.Contains("000005@stack.mrcs", filtered);
        Assert.DoesNotContain("000001@stack.mrcs", filtered);
        Assert.DoesNotContain("000003@stack.mrcs", filtered);

        string path = Path.Combine(TestPaths.NewTempDir(), "filtered.star");
        File.WriteAllBytes(path, star.Filter([4, 1]));
        StarFile again = StarFile.Read(path);
        Assert.Equal(2, again.ParticleCount);
        Assert.Equal(filtered, Encoding.UTF8.GetString(again.Filter([0, 1])));
    }

    [Fact]
    public void KeepingEveryParticleReproducesTheFile()
    {
        foreach (string text in new[] { Relion31, Relion30, Relion31.TrimEnd('\n') })
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            StarFile star = StarFile.Parse("p.star", bytes);
            Assert.Equal(bytes, star.Filter(Enumerable.Range(0, star.ParticleCount).Select(i => (long)i)));
        }
    }

    [Fact]
    public void FiltersRelion30FilesWithoutOptics()
    {
        StarFile star = StarFile.Parse("p.star", Encoding.UTF8.GetBytes(Relion30));
        Assert.False(star.HasOptics);
        Assert.Equal(3, star.ParticleCount);
        string filtered = Encoding.UTF8.GetString(star.Filter([1]));
        Assert.Contains("2@a.mrcs 11000", filtered);
        Assert.DoesNotContain("1@a.mrcs 10000", filtered);
        Assert.Contains("_rlnDefocusU #2", filtered);
    }

    [Fact]
    public void RowsStartingWithDataAndACommentAfterLoopAreRead()
    {
        // A micrograph named data_0.mrc begins its rows with data_, which a block header does alone on its line.
        string star = "data_\n\nloop_ # particles\n_rlnMicrographName #1\n_rlnImageName #2\ndata_0.mrc 1@a.mrcs\ndata_0.mrc 2@a.mrcs\ndata_1.mrc 3@a.mrcs\n";
        StarFile parsed = StarFile.Parse("p.star", Encoding.UTF8.GetBytes(star));
        Assert.Equal(3, parsed.ParticleCount);
        string filtered = Encoding.UTF8.GetString(parsed.Filter([2]));
        Assert.Contains("data_1.mrc 3@a.mrcs", filtered);
        Assert.DoesNotContain("2@a.mrcs", filtered);

        // A block header may carry a comment after its name, and is still a header.
        string commented = "data_optics # o\n\nloop_\n_rlnOpticsGroup #1\n1\n\ndata_particles # p\n\nloop_\n_rlnImageName #1\n1@a.mrcs\n2@a.mrcs\ndata_extra # notes\n";
        StarFile withComments = StarFile.Parse("p.star", Encoding.UTF8.GetBytes(commented));
        Assert.True(withComments.HasOptics);
        Assert.Equal(2, withComments.ParticleCount);
    }

    [Fact]
    public void ARowWithMissingFieldsIsRefusedNamingItsLine()
    {
        string ragged = Relion30.Replace("2@a.mrcs 11000", "2@a.mrcs");
        var e = Assert.Throws<SirenException>(() => StarFile.Parse("p.star", Encoding.UTF8.GetBytes(ragged)));
        Assert.Contains("line 8 has 1 fields but the particle loop has 2 columns", e.Message);
        // A quoted value with a space is one field.
        string quoted = Relion30.Replace("2@a.mrcs 11000", "'2@my stack.mrcs' 11000").Replace("3@a.mrcs 12000", "\"3@x y.mrcs\" 12000");
        Assert.Equal(3, StarFile.Parse("p.star", Encoding.UTF8.GetBytes(quoted)).ParticleCount);
    }

    [Fact]
    public void IndexOutsideTheFileIsAUserError()
    {
        StarFile star = StarFile.Parse("p.star", Encoding.UTF8.GetBytes(Relion30));
        Assert.Throws<SirenException>(() => star.Filter([3]));
    }

    [Fact]
    public void KeptLinesAreCopiedAsTheirBytes()
    {
        // A byte-order mark, CRLF line endings and a Latin-1 'é' (0xE9, not UTF-8) in an image path: the
        // output is the input's bytes less the dropped rows, not a re-encoding of them.
        byte[] Latin1(string s) => Encoding.Latin1.GetBytes(s);
        byte[] header = [0xEF, 0xBB, 0xBF, .. Latin1("\r\ndata_optics\r\n\r\nloop_\r\n_rlnOpticsGroup #1\r\n1\r\n\r\ndata_particles\r\n\r\nloop_\r\n_rlnImageName #1\r\n")];
        byte[][] rows = [.. Enumerable.Range(1, 4).Select(i => Latin1($"00000{i}@st\u00e9ck.mrcs\r\n"))];
        byte[] trailer = Latin1("\r\n# end\r\n");
        StarFile star = StarFile.Parse("p.star", [.. header, .. rows.SelectMany(r => r), .. trailer]);
        Assert.Equal("particles", star.ParticlesBlock);
        Assert.True(star.HasOptics);
        Assert.Equal(4, star.ParticleCount);
        Assert.Equal([.. header, .. rows[1], .. rows[3], .. trailer], star.Filter([3, 1]));
    }
}
