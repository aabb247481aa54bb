using Siren.Cli.Commands;
using Siren.Core.Curation;

namespace Siren.Core.Tests.Curation;

public class SelectCommandTests
{
    [Fact]
    public void RuleSelectsMapsThenParticlesThenStarRows()
    {
        string dir = TestPaths.NewTempDir();
        string occ = Path.Combine(dir, "occupancies.csv");
        File.WriteAllText(occ, "vol_id,block_1,block_2\n1,0.9,0.0\n2,0.1,0.8\n3,0.95,0.1\n");
        // cryoDRGN >= 3.5: vol_001 is k-means class 0. Particles 0..5 belong to classes 0,1,2,0,2,1.
        long[] labels = [0, 1, 2, 0, 2, 1];
        string labelsPath = Path.Combine(dir, "labels.pkl");
        File.WriteAllBytes(labelsPath, NumpyPickle.WriteInt64(labels));
        string star = Path.Combine(dir, "particles.star");
        File.WriteAllText(star, "\ndata_optics\n\nloop_\n_rlnOpticsGroup #1\n1\n\ndata_particles\n\nloop_\n_rlnImageName #1\n" +
            string.Concat(Enumerable.Range(1, 6).Select(i => $"{i}@s.mrcs\n")) + "\n");

        var result = SelectCommand.Run(new SelectCommand.SelectRequest(Path.Combine(dir, "out"), occ, "block_1 > 0.5 and block_2 < 0.5",
            Labels: labelsPath, FirstMapId: 1, Star: star));

        Assert.Equal([1, 3], result.MapIds);
        Assert.Equal([0L, 2, 3, 4], result.Particles!);
        Assert.Equal([0L, 2, 3, 4], NumpyPickle.ReadInt64(Path.Combine(dir, "out", "ind.pkl")));
        Assert.Equal(["0", "2", "3", "4"], File.ReadAllLines(Path.Combine(dir, "out", "indices.txt")));
        StarFile filtered = StarFile.Read(Path.Combine(dir, "out", "particles_selected.star"));
        Assert.Equal(4, filtered.ParticleCount);
        string text = File.ReadAllText(filtered.Path);
        Assert.Contains("3@s.mrcs", text);
        Assert.DoesNotContain("2@s.mrcs", text);
    }

    [Fact]
    public void MapOutsideTheKmeansClassesNamesFirstMapId()
    {
        string dir = TestPaths.NewTempDir();
        string occ = Path.Combine(dir, "occupancies.csv");
        File.WriteAllText(occ, "vol_id,block_1\n3,0.9\n");
        string labelsPath = Path.Combine(dir, "labels.pkl");
        File.WriteAllBytes(labelsPath, NumpyPickle.WriteInt64([0, 1, 2]));
        var e = Assert.Throws<SirenException>(() => SelectCommand.Run(new SelectCommand.SelectRequest(dir, occ, "block_1>0.5", Labels: labelsPath)));
        Assert.Contains("--first-map-id", e.Message);
    }

    [Fact]
    public void ClassSelectionKeepsTheMapsOfThatClass()
    {
        string dir = TestPaths.NewTempDir();
        string classes = Path.Combine(dir, "classes.csv");
        File.WriteAllText(classes, "vol_id,class,dendrogram_order\n0,2,1\n1,1,0\n2,2,2\n");
        var result = SelectCommand.Run(new SelectCommand.SelectRequest(Path.Combine(dir, "out"), Classes: classes, ClassId: 2));
        Assert.Equal([0, 2], result.MapIds);
        Assert.Null(result.Particles);
        Assert.Equal(["0", "2"], File.ReadAllLines(Path.Combine(dir, "out", "maps.txt")));
        var e = Assert.Throws<SirenException>(() => SelectCommand.Run(new SelectCommand.SelectRequest(dir, Classes: classes, ClassId: 5)));
        Assert.Contains("classes: 1, 2", e.Message);
    }

    [Fact]
    public void ParticlesOfAMapDroppedFromTheTableAreNotKeptButClassesBeyondItAreAnError()
    {
        // Map 1 was dropped (sketch --filter): its particles (1 and 3) are simply not selected.
        var maps = new MapSelection(Kept: [2], All: [0, 2], Source: "occupancies.csv");
        Assert.Equal([2L], ParticleSelection.ParticlesOfMaps([0, 1, 2, 1], maps, 0, "labels.pkl"));
        var e = Assert.Throws<Siren.Core.SirenException>(() => ParticleSelection.ParticlesOfMaps([0, 1, 2, 3], maps, 0, "labels.pkl"));
        Assert.Contains("ends at map 2", e.Message);
    }
}
