using System.Text;
using Siren.Cli.Commands;
using Siren.Core.Curation;
using Siren.Core.Pipeline;

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
    public void ParticlesOfMapsDroppedFromTheTableAreCountedApartButMostClassesMissingIsAnError()
    {
        // Map 1 was dropped (sketch --filter): its particles (1 and 3) are simply not selected.
        var maps = new MapSelection(Kept: [2], All: [0, 2], Source: "occupancies.csv");
        Assert.Equal([2L], ParticleSelection.ParticlesOfMaps([0, 1, 2, 1], maps, 0, "labels.pkl", out long unlisted));
        Assert.Equal(2, unlisted);
        // So was the last map, 3 (run leaves such maps out of its table).
        Assert.Equal([2L, 5], ParticleSelection.ParticlesOfMaps([0, 1, 2, 3, 0, 2], maps, 0, "labels.pkl", out unlisted));
        Assert.Equal(2, unlisted);
        // Labels of another k-means run: most of their classes have no map here.
        var e = Assert.Throws<Siren.Core.SirenException>(() => ParticleSelection.ParticlesOfMaps([0, 1, 2, 3, 4, 5, 6, 0, 2], maps, 0, "labels.pkl", out _));
        Assert.Contains("particle 1 is in class 1", e.Message);
    }

    [Fact]
    public void ParticlesPerMapAreTheSizesOfTheirKmeansClassesInTableOrder()
    {
        long[] labels = [0, 0, 1, 2, 2, 2];
        Assert.Equal([2L, 1, 3], ParticleSelection.ParticlesPerMap(labels, [0, 1, 2], "occupancies.csv", 0, "labels.pkl", out _));
        Assert.Equal([3L, 2], ParticleSelection.ParticlesPerMap(labels, [3, 1], "occupancies.csv", 1, "labels.pkl", out _));
        Assert.Equal([2L, 3], ParticleSelection.ParticlesPerMap(labels, [0, 2], "occupancies.csv", 0, "labels.pkl", out long unlisted)); // map 1 dropped
        Assert.Equal(1, unlisted);
        var e = Assert.Throws<SirenException>(() => ParticleSelection.ParticlesPerMap(labels, [0, 1, 2, 3], "occupancies.csv", 0, "labels.pkl", out _));
        Assert.Contains("classes 0–2", e.Message);
    }

    [Fact]
    public void MapsNumberedFromOneNeedTheirNumberingSaid()
    {
        // cryoDRGN ≥ 3.5 writes vol_001… for classes 0…; with the last map left out, every map is still a class.
        long[] labels = Enumerable.Range(0, 10).Select(k => (long)k).ToArray();
        int[] maps = Enumerable.Range(1, 9).ToArray();
        var e = Assert.Throws<SirenException>(() => ParticleSelection.ParticlesPerMap(labels, maps, "occupancies.csv", null, "labels.pkl", out _));
        Assert.Contains("numbers its maps from 1", e.Message);
        Assert.Contains("--first-map-id 1", e.Message);
        Assert.Equal(Enumerable.Repeat(1L, 9), ParticleSelection.ParticlesPerMap(labels, maps, "occupancies.csv", 1, "labels.pkl", out long unlisted));
        Assert.Equal(1, unlisted);
        // Said: map 0 was left out of a vol_000 numbering.
        ParticleSelection.ParticlesPerMap(labels, maps, "occupancies.csv", 0, "labels.pkl", out unlisted);
        Assert.Equal(1, unlisted);
        // Not given, and map 0 is there: 0 as before.
        Assert.Equal(Enumerable.Repeat(1L, 10), ParticleSelection.ParticlesPerMap(labels, [.. Enumerable.Range(0, 10)], "occupancies.csv", null, "labels.pkl", out _));
    }

    /// <summary>classes.csv of maps 0–3 in classes 1, 1, 2, 2 and labels of two particles per map (particles 2k, 2k + 1 are map k).</summary>
    private static (string Classes, string Labels) TwoClasses(string dir)
    {
        string classes = Path.Combine(dir, "classes.csv");
        File.WriteAllText(classes, "vol_id,class,dendrogram_order\n0,1,0\n1,1,1\n2,2,2\n3,2,3\n");
        string labels = Path.Combine(dir, "labels.pkl");
        File.WriteAllBytes(labels, NumpyPickle.WriteInt64([0, 0, 1, 1, 2, 2, 3, 3]));
        return (classes, labels);
    }

    /// <summary>A RELION 3.0 STAR file of the 8 particles, with <paramref name="row"/> giving particle i's line (1-based).</summary>
    private static string Star(string dir, string name, byte[]? header = null, Func<int, byte[]>? row = null)
    {
        string path = Path.Combine(dir, name);
        header ??= "data_particles\n\nloop_\n_rlnImageName #1\n"u8.ToArray();
        row ??= i => Encoding.ASCII.GetBytes($"{i}@s.mrcs\n");
        File.WriteAllBytes(path, [.. header, .. Enumerable.Range(1, 8).SelectMany(row)]);
        return path;
    }

    private static string[] FilesIn(string dir) => Directory.GetFiles(dir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void RerunRemovesTheParticleFilesItNoLongerWritesAndNothingElse()
    {
        string dir = TestPaths.NewTempDir();
        var (classes, labels) = TwoClasses(dir);
        string outdir = Path.Combine(dir, "sel");
        Directory.CreateDirectory(outdir);
        // The user's own files, some named like select's outputs, in a folder select has not written to yet.
        foreach (string own in new[] { "indices.txt", "notes_selected.star", "notes.txt" }) File.WriteAllText(Path.Combine(outdir, own), "mine\n");
        SelectCommand.Run(new SelectCommand.SelectRequest(outdir, Classes: classes, ClassId: 2));
        Assert.Equal("mine\n", File.ReadAllText(Path.Combine(outdir, "indices.txt")));
        File.Delete(Path.Combine(outdir, "indices.txt"));

        SelectCommand.Run(new SelectCommand.SelectRequest(outdir, Classes: classes, ClassId: 1, Labels: labels, Star: Star(dir, "a.star")));
        Assert.Equal(["a_selected.star", "ind.pkl", "indices.txt", "manifest.json", "maps.txt", "notes.txt", "notes_selected.star"], FilesIn(outdir));

        // Another STAR file: a_selected.star is class 1's and goes.
        SelectCommand.Run(new SelectCommand.SelectRequest(outdir, Classes: classes, ClassId: 2, Labels: labels, Star: Star(dir, "b.star")));
        Assert.Equal(["b_selected.star", "ind.pkl", "indices.txt", "manifest.json", "maps.txt", "notes.txt", "notes_selected.star"], FilesIn(outdir));
        Assert.Equal(["4", "5", "6", "7"], File.ReadAllLines(Path.Combine(outdir, "indices.txt")));

        // No labels: no particle files at all, rather than class 2's beside class 1's maps.
        SelectCommand.Run(new SelectCommand.SelectRequest(outdir, Classes: classes, ClassId: 1));
        Assert.Equal(["manifest.json", "maps.txt", "notes.txt", "notes_selected.star"], FilesIn(outdir));
        Assert.Equal(["0", "1"], File.ReadAllLines(Path.Combine(outdir, "maps.txt")));
    }

    [Fact]
    public void FilesSelectDidNotWriteAreNotOverwritten()
    {
        string dir = TestPaths.NewTempDir();
        var (classes, labels) = TwoClasses(dir);
        string drgn = Path.Combine(dir, "drgn");
        Directory.CreateDirectory(drgn);
        File.WriteAllText(Path.Combine(drgn, "ind.pkl"), "cryoDRGN's own particle filter");
        var e = Assert.Throws<SirenException>(() => SelectCommand.Run(new SelectCommand.SelectRequest(drgn, Classes: classes, ClassId: 2, Labels: labels)));
        Assert.Contains("ind.pkl", e.Message);
        Assert.Equal("cryoDRGN's own particle filter", File.ReadAllText(Path.Combine(drgn, "ind.pkl")));
        Assert.Equal(["ind.pkl"], FilesIn(drgn));
    }

    [Fact]
    public void AnotherCommandsOrProgramsManifestIsNotReplaced()
    {
        string dir = TestPaths.NewTempDir();
        var (classes, _) = TwoClasses(dir);
        string mine = Path.Combine(dir, "mine"), dup = Path.Combine(dir, "dup");
        Directory.CreateDirectory(mine);
        File.WriteAllText(Path.Combine(mine, "manifest.json"), "{\"pipeline\": \"my own\"}");
        var e = Assert.Throws<SirenException>(() => SelectCommand.Run(new SelectCommand.SelectRequest(mine, Classes: classes, ClassId: 1)));
        Assert.Contains("another program", e.Message);
        Assert.Equal("{\"pipeline\": \"my own\"}", File.ReadAllText(Path.Combine(mine, "manifest.json")));

        // A key given twice: not a manifest Siren can read, so someone else's, and no exception escapes as a crash.
        Directory.CreateDirectory(dup);
        File.WriteAllText(Path.Combine(dup, "manifest.json"), "{\"tool\": \"Siren.Native\", \"tool\": \"Siren.Native\", \"command\": \"select\"}");
        Assert.Contains("another program", Assert.Throws<SirenException>(() => SelectCommand.Run(new SelectCommand.SelectRequest(dup, Classes: classes, ClassId: 1))).Message);
    }

    [Fact]
    public void AnInputTheEarlierSelectWroteIsRefusedNotRemoved()
    {
        string dir = TestPaths.NewTempDir();
        var (classes, labels) = TwoClasses(dir);
        string outdir = Path.Combine(dir, "sel");
        SelectCommand.Run(new SelectCommand.SelectRequest(outdir, Classes: classes, ClassId: 1, Labels: labels, Star: Star(dir, "a.star")));
        string selected = Path.Combine(outdir, "a_selected.star");
        File.Copy(Star(dir, "a.star"), selected, overwrite: true); // all particles, so the labels match it
        byte[] before = File.ReadAllBytes(selected);

        var e = Assert.Throws<SirenException>(() =>
            SelectCommand.Run(new SelectCommand.SelectRequest(outdir, Classes: classes, ClassId: 1, Labels: labels, Star: selected)));
        Assert.Contains("copy it out of that folder first", e.Message);
        Assert.Equal(before, File.ReadAllBytes(selected));

        // The same file through a link to the folder.
        string link = Path.Combine(dir, "link");
        Directory.CreateSymbolicLink(link, outdir);
        e = Assert.Throws<SirenException>(() =>
            SelectCommand.Run(new SelectCommand.SelectRequest(outdir, Classes: classes, ClassId: 1, Labels: labels, Star: Path.Combine(link, "a_selected.star"))));
        Assert.Contains("copy it out of that folder first", e.Message);
        Assert.Equal(before, File.ReadAllBytes(selected));
    }

    [Fact]
    public void RerunFailingWhileWritingLeavesOnlyItsOwnFilesAndNoManifest()
    {
        string dir = TestPaths.NewTempDir();
        var (classes, labels) = TwoClasses(dir);
        string outdir = Path.Combine(dir, "sel");
        SelectCommand.Run(new SelectCommand.SelectRequest(outdir, Classes: classes, ClassId: 1, Labels: labels, Star: Star(dir, "a.star")));
        File.WriteAllText(Path.Combine(outdir, "notes.txt"), "mine\n");
        // A folder where class 2's STAR goes makes the rerun fail after its maps and particles, as a full disk would.
        Directory.CreateDirectory(Path.Combine(outdir, "b_selected.star"));

        Assert.Throws<SirenException>(() =>
            SelectCommand.Run(new SelectCommand.SelectRequest(outdir, Classes: classes, ClassId: 2, Labels: labels, Star: Star(dir, "b.star"))));
        // Class 2's files only: no class 1 STAR, and the manifest is class 2's, listing the files it was writing.
        Assert.Equal(["ind.pkl", "indices.txt", "manifest.json", "maps.txt", "notes.txt"], FilesIn(outdir));
        string provisional = File.ReadAllText(Path.Combine(outdir, "manifest.json"));
        Assert.Contains("b_selected.star", provisional);
        Assert.DoesNotContain("a_selected.star", provisional);
        Assert.Equal(["2", "3"], File.ReadAllLines(Path.Combine(outdir, "maps.txt")));
        Assert.Equal(["4", "5", "6", "7"], File.ReadAllLines(Path.Combine(outdir, "indices.txt")));

        // The next run removes what that manifest lists, and writes its own.
        Directory.Delete(Path.Combine(outdir, "b_selected.star"));
        SelectCommand.Run(new SelectCommand.SelectRequest(outdir, Classes: classes, ClassId: 2, Labels: labels, Star: Star(dir, "b.star")));
        Assert.Equal(["b_selected.star", "ind.pkl", "indices.txt", "manifest.json", "maps.txt", "notes.txt"], FilesIn(outdir));
    }

    [Fact]
    public void RuleNamesColumnsWithDashesAndSpacesInBackticks()
    {
        string dir = TestPaths.NewTempDir();
        string occ = Path.Combine(dir, "occupancies.csv");
        File.WriteAllText(occ, "vol_id,Mask_5S-h1,Mask 7\n1,0.9,0.0\n2,0.1,0.8\n3,0.95,0.1\n");
        var result = SelectCommand.Run(new SelectCommand.SelectRequest(Path.Combine(dir, "out"), occ, "`Mask_5S-h1` > 0.5 and `Mask 7`<0.05"));
        Assert.Equal([1], result.MapIds);

        // Written bare, the error names the backticks the column needs.
        foreach (string bare in new[] { "Mask_5S-h1>0.5", "Mask 7 > 0.5" })
        {
            var e = Assert.Throws<SirenException>(() => SelectCommand.Run(new SelectCommand.SelectRequest(Path.Combine(dir, "out"), occ, bare)));
            Assert.Contains(bare.StartsWith("Mask 7") ? "`Mask 7`" : "`Mask_5S-h1`", e.Message);
        }
        // A name the table lacks: its columns are listed as a rule writes them.
        var unknown = Assert.Throws<SirenException>(() => SelectCommand.Run(new SelectCommand.SelectRequest(Path.Combine(dir, "out"), occ, "`Mask_5S-h2`>0.5")));
        Assert.Contains("'Mask_5S-h2'", unknown.Message);
        Assert.Contains("(columns: `Mask_5S-h1`, `Mask 7`)", unknown.Message);
        Assert.Contains("backticks", unknown.Message);
    }

    [Fact]
    public void StarRowsKeepTheirBytes()
    {
        // A byte-order mark, CRLF line endings and a Latin-1 'é' (0xE9, not valid UTF-8) in the image paths.
        string dir = TestPaths.NewTempDir();
        var (classes, labels) = TwoClasses(dir);
        byte[] header = [0xEF, 0xBB, 0xBF, .. "data_particles\r\n\r\nloop_\r\n_rlnImageName #1\r\n"u8];
        byte[] Row(int i) => Encoding.Latin1.GetBytes($"{i:D6}@st\u00e9ck.mrcs\r\n");
        string star = Star(dir, "p.star", header, Row);
        string outdir = Path.Combine(dir, "sel");
        SelectCommand.Run(new SelectCommand.SelectRequest(outdir, Classes: classes, ClassId: 2, Labels: labels, Star: star));
        Assert.Equal([.. header, .. Enumerable.Range(5, 4).SelectMany(Row)], File.ReadAllBytes(Path.Combine(outdir, "p_selected.star")));
    }
}
