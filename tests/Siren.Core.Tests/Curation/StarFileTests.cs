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
        StarFile star = StarFile.Parse("p.star", Relion31.Split('\n'));
        Assert.Equal("particles", star.ParticlesBlock);
        Assert.True(star.HasOptics);
        Assert.Equal(5, star.ParticleCount);

        string filtered = star.Filter([4, 1]);
        Assert.Contains("opticsGroup2 2 1.31", filtered);
        Assert.Contains("000002@stack.mrcs", filtered);
        Assert.Contains("000005@stack.mrcs", filtered);
        Assert.DoesNotContain("000001@stack.mrcs", filtered);
        Assert.DoesNotContain("000003@stack.mrcs", filtered);

        string path = Path.Combine(TestPaths.NewTempDir(), "filtered.star");
        star.WriteFiltered(path, [4, 1]);
        StarFile again = StarFile.Read(path);
        Assert.Equal(2, again.ParticleCount);
        Assert.Equal(filtered, again.Filter([0, 1]));
    }

    [Fact]
    public void KeepingEveryParticleReproducesTheFile()
    {
        foreach (string text in new[] { Relion31, Relion30 })
        {
            string[] lines = text.Split('\n');
            StarFile star = StarFile.Parse("p.star", lines);
            Assert.Equal(string.Concat(lines.Select(l => l + "\n")), star.Filter(Enumerable.Range(0, star.ParticleCount).Select(i => (long)i)));
        }
    }

    [Fact]
    public void FiltersRelion30FilesWithoutOptics()
    {
        StarFile star = StarFile.Parse("p.star", Relion30.Split('\n'));
        Assert.False(star.HasOptics);
        Assert.Equal(3, star.ParticleCount);
        string filtered = star.Filter([1]);
        Assert.Contains("2@a.mrcs 11000", filtered);
        Assert.DoesNotContain("1@a.mrcs 10000", filtered);
        Assert.Contains("_rlnDefocusU #2", filtered);
    }

    [Fact]
    public void IndexOutsideTheFileIsAUserError()
    {
        StarFile star = StarFile.Parse("p.star", Relion30.Split('\n'));
        Assert.Throws<SirenException>(() => star.Filter([3]));
    }
}
