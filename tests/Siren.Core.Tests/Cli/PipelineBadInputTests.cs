using Siren.Core.Blocks;
using Siren.Core.Mrc;
using static Siren.Core.Tests.Cli.BadInputTests;

namespace Siren.Core.Tests.Cli;

/// <summary>
/// sketch, expand, occupancy and chimerax on inputs that used to pass silently (exit 0 with a wrong or stale
/// result) or crash: each is now one error line naming the file or option.
/// </summary>
public class PipelineBadInputTests
{
    private static string Maps(int count = 20, int box = 8)
    {
        string dir = TestPaths.NewTempDir();
        Synthetic.WriteEnsemble(dir, box, count, Synthetic.Cube(box, 2, 2, 2, 3), [new Synthetic.Region(Synthetic.Cube(box, 5, 2, 2, 2), 0.5)], 1);
        return dir;
    }

    private static SirenProcess.Result Sketch(string voldir, string outdir, params string[] extra) =>
        SirenProcess.Run(["sketch", "--voldir", voldir, "--outdir", outdir, "--threshold", "0.5", "--device", "cpu", .. extra]);

    /// <summary>One block of a box-8 ensemble written as expand writes it, so chimerax and occupancy have blocks without a detection run.</summary>
    private static string Blocks(int box = 8, float apix = 6.55f)
    {
        string folder = Path.Combine(TestPaths.NewTempDir(), "02_expand");
        new BlockSet(box, apix, [new Block(0, [0, 1, 2, 3, 4, 5, 6])]).Write(folder, Vec3.All(apix), Vec3.All(0f)); // by default the grid of Maps()
        return folder;
    }

    [Fact]
    public void BlocksOfMapsWithAnotherVoxelSizeAreRefused()
    {
        string maps = Maps(4), csv = Path.Combine(TestPaths.NewTempDir(), "occ.csv");
        var r = SirenProcess.Run("occupancy", "--voldir", maps, "--blocks", Blocks(apix: 4f), "--threshold", "0.5", "--out", csv);
        AssertOneError(r, "block_0", "4 Å", "6.55 Å", "Fix:");
        Assert.False(File.Exists(csv));
        Assert.Equal(0, SirenProcess.Run("occupancy", "--voldir", maps, "--blocks", Blocks(), "--threshold", "0.5", "--out", csv).ExitCode);
    }

    [Fact]
    public void AChoiceThatDoesNotParseIsOneLineWithTheChoices()
    {
        var r = Sketch(Maps(4), TestPaths.NewTempDir(), "--cutoffs", "foo");
        AssertOneError(r, "--cutoffs", "exact, reference", "siren sketch --help");
        Assert.DoesNotContain("Siren.Core", r.Stderr);
    }

    [Theory]
    [InlineData("--exp-frac", "2", "--exp-frac 2")]
    [InlineData("--subsample", "0", "--subsample 0")]
    [InlineData("--posp", "2", "p-value 2")]
    [InlineData("--first-map-id", "-1", "--first-map-id -1")]
    public void RunRefusesABadParameterBeforePredictingThresholdsOrChoosingTheDevice(string option, string value, string named)
    {
        string outdir = TestPaths.NewTempDir();
        var r = SirenProcess.Run("run", "--voldir", Maps(4), "--outdir", outdir, option, value);
        AssertOneError(r, named);
        // The error is the only line: no device choice, no reference-cutoff warning about a p that is no p.
        Assert.Equal(r.Stderr.Trim(), r.Stderr.Trim().Split('\n').Single());
        Assert.False(Directory.Exists(Path.Combine(outdir, "01_thresholds")));
    }

    [Fact]
    public void RunRefusesMapsOfTwoBoxesOrTooFewMapsBeforePredictingThresholds()
    {
        string maps = Maps(4), outdir = TestPaths.NewTempDir();
        Synthetic.WriteEnsemble(maps, 12, 1, Synthetic.Cube(12, 2, 2, 2, 3), [], 1); // vol_000.mrc now of box 12
        AssertOneError(SirenProcess.Run("run", "--voldir", maps, "--outdir", outdir), "vol_001.mrc", "one box");
        AssertOneError(SirenProcess.Run("run", "--voldir", Maps(3), "--outdir", outdir), "cannot cut 3 maps into 4 classes");
        Assert.False(Directory.Exists(Path.Combine(outdir, "01_thresholds")));
    }

    [Fact]
    public void HelpListsChoicesAsTypedAndExpandDefaultsToTheSketch()
    {
        string sketch = SirenProcess.Run("sketch", "--help").Stdout, expand = SirenProcess.Run("expand", "--help").Stdout;
        Assert.Contains("--cutoffs <reference|exact>", sketch);
        Assert.Contains("[default: reference]", sketch);
        Assert.Contains("--pass <positive|complement|both>", sketch);
        Assert.DoesNotContain("Reference", sketch);
        Assert.Contains("--cutoffs <reference|exact>", expand);
        Assert.DoesNotContain("[default: reference]", expand);
        Assert.DoesNotContain("[default: positive]", expand);
        Assert.Contains("Default: the sketch's", expand);

        // Any case parses, and a default left out of the parser's own defaults is still the method's.
        string maps = Maps(), given = TestPaths.NewTempDir(), omitted = TestPaths.NewTempDir();
        Assert.Equal(0, Sketch(maps, given, "--cutoffs", "REFERENCE", "--pass", "Positive").ExitCode);
        Assert.Equal(0, Sketch(maps, omitted).ExitCode);
        string Blocks(string outdir) => File.ReadAllText(Path.Combine(outdir, "00_sketch", "blocks.json"));
        Assert.Equal(Blocks(given), Blocks(omitted));
        string manifest = File.ReadAllText(Path.Combine(omitted, "00_sketch", "manifest.json"));
        Assert.Contains("\"cutoffs\": \"reference\"", manifest);
        Assert.Contains("\"pass\": \"positive\"", manifest);
    }

    [Fact]
    public void AStageFolderForOutOrOutForAStageFolderIsNamedWithTheRightPath()
    {
        string maps = Maps(), outdir = TestPaths.NewTempDir();
        Assert.Equal(0, Sketch(maps, outdir).ExitCode);
        Assert.Equal(0, SirenProcess.Run("expand", "--outdir", outdir, "--device", "cpu").ExitCode);

        AssertOneError(SirenProcess.Run("expand", "--outdir", Path.Combine(outdir, "00_sketch"), "--device", "cpu"), "is a stage folder", $"--outdir {outdir}");
        AssertOneError(SirenProcess.Run("occupancy", "--voldir", maps, "--blocks", outdir, "--threshold", "0.5", "--out", Path.Combine(TestPaths.NewTempDir(), "occ.csv")),
            $"--blocks {Path.Combine(outdir, "02_expand")}");

        // Maps moved after the sketch: expand names the path the sketch recorded.
        string moved = maps + "_moved";
        Directory.Move(maps, moved);
        AssertOneError(SirenProcess.Run("expand", "--outdir", outdir, "--device", "cpu"), $"read its maps from '{Path.GetFullPath(maps)}'", "no longer there", "rerun siren sketch");
    }

    [Fact]
    public void AFolderUnderAMapsNameIsRefusedNotSkipped()
    {
        string maps = Maps(4);
        Directory.CreateDirectory(Path.Combine(maps, "vol_011.mrc"));
        AssertOneError(Sketch(maps, TestPaths.NewTempDir()), "vol_011.mrc", "is a folder, not a map");

        string masks = TestPaths.NewTempDir();
        File.Copy(Path.Combine(Blocks(), "block_0.mrc"), Path.Combine(masks, "Mask_a.mrc"));
        Directory.CreateDirectory(Path.Combine(masks, "Mask_b.mrc"));
        var r = SirenProcess.Run("occupancy", "--voldir", Maps(4), "--maskdir", masks, "--threshold", "0.5", "--out", Path.Combine(TestPaths.NewTempDir(), "occ.csv"));
        AssertOneError(r, "Mask_b.mrc", "is a folder, not a map");
    }

    [Fact]
    public void SubsampleLargerThanTheUnionIsAnErrorNotZeroBlocks() =>
        AssertOneError(Sketch(Maps(), TestPaths.NewTempDir(), "--subsample", "100000000"), "--subsample 100000000", "keeps none");

    [Fact]
    public void MapsOnAnotherVoxelSize()
    {
        string dir = Maps(4);
        MrcVolume v = MrcReader.Read(Path.Combine(dir, "vol_002.mrc"));
        MrcWriter.Write(Path.Combine(dir, "vol_002.mrc"), new MrcVolume(v.Nx, v.Ny, v.Nz, v.Data, Vec3.All(v.VoxelSize.X * 2), v.Origin));
        AssertOneError(Sketch(dir, TestPaths.NewTempDir()), "vol_002.mrc", "one grid");
        // Occupancy measures every map on the blocks' voxels: it checks every map's grid, not the first's alone.
        string csv = Path.Combine(TestPaths.NewTempDir(), "occ.csv");
        AssertOneError(SirenProcess.Run("occupancy", "--voldir", dir, "--blocks", Blocks(), "--threshold", "0.5", "--out", csv), "vol_002.mrc", "one grid");
        MrcWriter.Write(Path.Combine(dir, "vol_002.mrc"), new MrcVolume(v.Nx, v.Ny, v.Nz, v.Data, v.VoxelSize, Vec3.All(100f)));
        AssertOneError(SirenProcess.Run("occupancy", "--voldir", dir, "--blocks", Blocks(), "--threshold", "0.5", "--out", csv), "vol_002.mrc", "origin", "aligned on one grid");
        Assert.False(File.Exists(csv));
    }

    [Fact]
    public void ExpandRefusesMapsTheSketchDidNotSee()
    {
        string maps = Maps(), outdir = TestPaths.NewTempDir();
        Assert.Equal(0, Sketch(maps, outdir).ExitCode);
        File.Delete(Path.Combine(maps, "vol_010.mrc"));
        AssertOneError(SirenProcess.Run("expand", "--outdir", outdir, "--device", "cpu"), "vol_010.mrc", "rerun siren sketch");
    }

    [Fact]
    public void AFailedSketchLeavesThePreviousOneAsItWasAndAFirstOneNoFolder()
    {
        string maps = Maps(), outdir = TestPaths.NewTempDir(), fresh = TestPaths.NewTempDir();
        Assert.Equal(0, Sketch(maps, outdir).ExitCode);
        string manifest = File.ReadAllText(Path.Combine(outdir, "00_sketch", "manifest.json"));
        string[] files = Directory.GetFiles(Path.Combine(outdir, "00_sketch")).Order().ToArray();

        string[] nothingAbove = ["--threshold", "1e30"];
        AssertOneError(SirenProcess.Run(["sketch", "--voldir", maps, "--outdir", outdir, "--device", "cpu", .. nothingAbove]), "no map", "Fix:");
        Assert.Equal(manifest, File.ReadAllText(Path.Combine(outdir, "00_sketch", "manifest.json")));
        Assert.Equal(files, Directory.GetFiles(Path.Combine(outdir, "00_sketch")).Order().ToArray());
        Assert.Single(Directory.GetFileSystemEntries(outdir)); // no staged or temporary folder left behind

        AssertOneError(SirenProcess.Run(["sketch", "--voldir", maps, "--outdir", fresh, "--device", "cpu", .. nothingAbove]), "no map");
        Assert.Empty(Directory.GetFileSystemEntries(fresh));
    }

    [Fact]
    public void ExpandRefusesAMapRewrittenSinceTheSketch()
    {
        string maps = Maps(), outdir = TestPaths.NewTempDir();
        Assert.Equal(0, Sketch(maps, outdir).ExitCode);
        string path = Path.Combine(maps, "vol_003.mrc");
        MrcVolume v = MrcReader.Read(path);
        v.Data[0] = 1; // one voxel crosses the 0.5 threshold; names and count are unchanged
        MrcWriter.Write(path, v);
        AssertOneError(SirenProcess.Run("expand", "--outdir", outdir, "--device", "cpu"), maps, "binarize differently", "rerun siren sketch");
    }

    /// <summary>
    /// predict-thresholds records each map's range (vol_min, vol_max); levels of other maps (another ensemble,
    /// or these maps rescaled since) binarized without complaint. Sketch and occupancy now name the map.
    /// </summary>
    [Fact]
    public void ThresholdsPredictedForOtherMapsAreRefused()
    {
        string maps = TestPaths.NewTempDir(), thr = TestPaths.NewTempDir();
        Assert.Equal(0, SirenProcess.Run("simulate", "--preset", "demo", "--n", "6", "--seed", "2", "--outdir", maps).ExitCode);
        Assert.Equal(0, SirenProcess.Run("predict-thresholds", "--voldir", maps, "--outdir", thr).ExitCode);
        string csv = Path.Combine(thr, "predictions.csv");
        var same = SirenProcess.Run("sketch", "--voldir", maps, "--thresholds", csv, "--outdir", TestPaths.NewTempDir(), "--device", "cpu");
        Assert.True(same.ExitCode == 0, same.Stderr);

        string path = Path.Combine(maps, "vol_004.mrc");
        MrcVolume v = MrcReader.Read(path);
        for (int i = 0; i < v.Data.Length; i++) v.Data[i] *= 1.5f;
        MrcWriter.Write(path, v);
        AssertOneError(SirenProcess.Run("sketch", "--voldir", maps, "--thresholds", csv, "--outdir", TestPaths.NewTempDir(), "--device", "cpu"),
            "vol_004.mrc", "map 4", "vol_min, vol_max", "siren predict-thresholds");
        // Occupancy streams many maps and checks one in 64, the first included.
        string first = Path.Combine(maps, "vol_000.mrc");
        File.Copy(path, first, overwrite: true);
        AssertOneError(SirenProcess.Run("occupancy", "--voldir", maps, "--blocks", Blocks(64, v.VoxelSize.X), "--thresholds", csv, "--out", Path.Combine(TestPaths.NewTempDir(), "o.csv")),
            "vol_000.mrc", "map 0");

        // preprocess's normalized maps are not the maps the levels are in: the fix says so.
        string normalized = TestPaths.NewTempDir();
        Assert.Equal(0, SirenProcess.Run("preprocess", "--voldir", maps, "--outdir", normalized).ExitCode);
        AssertOneError(SirenProcess.Run("sketch", "--voldir", Path.Combine(normalized, "normalized"), "--thresholds", csv, "--outdir", TestPaths.NewTempDir(), "--device", "cpu"),
            "map units");
    }

    /// <summary>Maps linked into a work folder are read through the links (the link's own size is a few bytes); a dangling link is one error.</summary>
    [Fact]
    public void MapsLinkedIntoAFolderAreReadThroughTheLinks()
    {
        string maps = Maps(), linked = TestPaths.NewTempDir(), direct = TestPaths.NewTempDir(), through = TestPaths.NewTempDir();
        foreach (string m in Directory.GetFiles(maps, "*.mrc"))
            File.CreateSymbolicLink(Path.Combine(linked, Path.GetFileName(m)), m);
        Assert.Equal(0, Sketch(maps, direct).ExitCode);
        var r = Sketch(linked, through);
        Assert.True(r.ExitCode == 0, r.Stderr);
        int[][] Seeds(string outdir) => BlockSet.Read(Path.Combine(outdir, BlockDetection.SketchFolder)).Blocks.Select(b => b.Voxels).ToArray();
        Assert.Equal(Seeds(direct), Seeds(through));

        File.Delete(Path.Combine(maps, "vol_003.mrc"));
        AssertOneError(Sketch(linked, TestPaths.NewTempDir()), "vol_003.mrc", "does not exist", "Fix:");
    }

    /// <summary>
    /// A plain expand after `sketch --cutoffs exact` used to expand with the reference cutoffs (the option's
    /// default) while its seeds came from the exact ones: expand keeps the sketch's statistics unless told.
    /// </summary>
    [Fact]
    public void ExpandKeepsTheSketchsCutoffsPValuesAndPassUnlessGivenOthers()
    {
        string maps = Maps(), outdir = TestPaths.NewTempDir();
        Assert.Equal(0, Sketch(maps, outdir, "--cutoffs", "exact", "--posp", "0.001", "--negp", "0.02", "--pass", "both").ExitCode);
        string expanded = Path.Combine(outdir, BlockDetection.ExpandFolder);
        string Used(string key) => RunManifest.ReadParameters(expanded)[key]!.ToString();

        Assert.Equal(0, SirenProcess.Run("expand", "--outdir", outdir, "--device", "cpu").ExitCode);
        Assert.Equal(("exact", "0.001", "0.02", "both"), (Used("cutoffs"), Used("posp"), Used("negp"), Used("pass")));

        var reference = SirenProcess.Run("expand", "--outdir", outdir, "--device", "cpu", "--cutoffs", "reference", "--posp", "0.01");
        Assert.Equal(0, reference.ExitCode);
        Assert.Equal(("reference", "0.01", "0.02", "both"), (Used("cutoffs"), Used("posp"), Used("negp"), Used("pass")));
        Assert.Contains("warning: --posp/--negp do not change the reference cutoffs", reference.Stderr);
        Assert.DoesNotContain("warning: --posp", SirenProcess.Run("expand", "--outdir", outdir, "--device", "cpu", "--posp", "0.01").Stderr);
    }

    [Fact]
    public void NewBlocksRemoveTheScoreOfTheOldOnes()
    {
        string maps = TestPaths.NewTempDir(), outdir = TestPaths.NewTempDir();
        Assert.Equal(0, SirenProcess.Run("simulate", "--preset", "demo", "--n", "30", "--seed", "3", "--outdir", maps).ExitCode);
        string[] sketch = ["sketch", "--voldir", maps, "--thresholds", Path.Combine(maps, "thresholds.csv"), "--outdir", outdir, "--device", "cpu"];
        Assert.Equal(0, SirenProcess.Run(sketch).ExitCode);
        Assert.Equal(0, SirenProcess.Run("expand", "--outdir", outdir, "--device", "cpu").ExitCode);
        Assert.Equal(0, SirenProcess.Run("score", "--blocks", Path.Combine(outdir, "02_expand"), "--truth", maps).ExitCode);
        Assert.True(Directory.Exists(Path.Combine(outdir, "03_score")));
        var expand = SirenProcess.Run("expand", "--outdir", outdir, "--exp-frac", "0.5", "--device", "cpu");
        Assert.False(Directory.Exists(Path.Combine(outdir, "03_score")));
        Assert.Contains("run siren score again", expand.Stderr);

        Assert.Equal(0, SirenProcess.Run("score", "--blocks", Path.Combine(outdir, "02_expand"), "--truth", maps).ExitCode);
        Assert.Equal(0, SirenProcess.Run([.. sketch, "--seed", "9"]).ExitCode);
        Assert.False(Directory.Exists(Path.Combine(outdir, "03_score")));
    }

    [Fact]
    public void ANewSketchRemovesTheBlocksExpandedFromTheOldOne()
    {
        string maps = Maps(), outdir = TestPaths.NewTempDir();
        Assert.Equal(0, Sketch(maps, outdir).ExitCode);
        Assert.Equal(0, SirenProcess.Run("expand", "--outdir", outdir, "--device", "cpu").ExitCode);
        Assert.True(Directory.Exists(Path.Combine(outdir, "02_expand")));
        var again = Sketch(maps, outdir, "--seed", "5");
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.False(Directory.Exists(Path.Combine(outdir, "02_expand")));
        Assert.Contains("run siren expand again", again.Stderr);
    }

    [Fact]
    public void OccupancyRefusesANaNMapAndAFolderAsItsOutput()
    {
        string maps = Maps(4), blocks = Blocks();
        MrcVolume v = MrcReader.Read(Path.Combine(maps, "vol_001.mrc"));
        v.Data[9] = float.NaN;
        MrcWriter.Write(Path.Combine(maps, "vol_001.mrc"), v);
        string outdir = TestPaths.NewTempDir();
        AssertOneError(SirenProcess.Run("occupancy", "--voldir", maps, "--blocks", blocks, "--out", Path.Combine(outdir, "occ.csv")), "vol_001.mrc", "NaN");
        Assert.Empty(Directory.EnumerateFileSystemEntries(outdir));
        AssertOneError(SirenProcess.Run("occupancy", "--voldir", Maps(4), "--blocks", blocks, "--out", outdir), "is a folder", "--out");
        AssertOneError(SirenProcess.Run("occupancy", "--voldir", Maps(4), "--blocks", blocks, "--out", Path.Combine(outdir, "occ.csv"), "--jobs", "-1"), "--jobs -1");
    }

    [Fact]
    public void OccupancyAndChimeraxManifestsAreNamedAfterTheirOutputs()
    {
        string maps = Maps(4), blocks = Blocks(), outdir = TestPaths.NewTempDir();
        Assert.Equal(0, SirenProcess.Run("occupancy", "--voldir", maps, "--blocks", blocks, "--threshold", "0.5", "--out", Path.Combine(outdir, "occ.csv")).ExitCode);
        var cx = SirenProcess.Run("chimerax", "--map", Path.Combine(maps, "vol_000.mrc"), "--threshold", "0.5", "--blocks", Path.Combine(blocks, "blocks.json"), "--out", Path.Combine(outdir, "blocks.cxc"));
        Assert.True(cx.ExitCode == 0, cx.Stderr);
        Assert.Equal(["blocks.cxc", "blocks.manifest.json", "occ.csv", "occ.manifest.json"], Directory.EnumerateFiles(outdir).Select(Path.GetFileName).Order());
        Assert.Contains("\"command\": \"occupancy\"", File.ReadAllText(Path.Combine(outdir, "occ.manifest.json")));
    }

    [Fact]
    public void OccupancyAndChimeraxReplaceOnlyTheirOwnOutputAndItsRecord()
    {
        string maps = Maps(4), blocks = Blocks(), outdir = TestPaths.NewTempDir();
        string map = Path.Combine(maps, "vol_002.mrc"), occ = Path.Combine(outdir, "blocks.csv");
        byte[] mapBytes = File.ReadAllBytes(map);
        string[] occupancy = ["occupancy", "--voldir", maps, "--blocks", blocks, "--threshold", "0.5", "--out"];
        string[] chimerax = ["chimerax", "--map", Path.Combine(maps, "vol_000.mrc"), "--threshold", "0.5", "--blocks", blocks, "--out"];

        // A map of the ensemble, or a file of the user's, is not an output to overwrite.
        AssertOneError(SirenProcess.Run([.. occupancy, map]), "vol_002.mrc", "did not write", "--out");
        AssertOneError(SirenProcess.Run([.. chimerax, map]), "vol_002.mrc", "did not write", "--out");
        Assert.Equal(mapBytes, File.ReadAllBytes(map));
        Assert.False(File.Exists(Path.Combine(maps, "vol_002.manifest.json")));

        // Its own output is replaced on a rerun; another's record beside it (blocks.csv and blocks.cxc share
        // blocks.manifest.json) is not.
        Assert.Equal(0, SirenProcess.Run([.. occupancy, occ]).ExitCode);
        Assert.Equal(0, SirenProcess.Run([.. occupancy, occ]).ExitCode);
        AssertOneError(SirenProcess.Run([.. chimerax, Path.Combine(outdir, "blocks.cxc")]), "blocks.manifest.json", "siren occupancy", "--out");
        Assert.Contains("\"command\": \"occupancy\"", File.ReadAllText(Path.Combine(outdir, "blocks.manifest.json")));
        Assert.False(File.Exists(Path.Combine(outdir, "blocks.cxc")));

        // A manifest written before outputs were listed names its file in its results: still the command's own.
        string older = Path.Combine(outdir, "older.csv");
        File.WriteAllText(older, "vol_id,block_0\n0,1\n");
        new RunManifest("occupancy").Result("output", Path.GetFullPath(older)).WriteBeside(older);
        Assert.Equal(0, SirenProcess.Run([.. occupancy, older]).ExitCode);
    }

    [Fact]
    public void ChimeraxChecksTheMapItDraws()
    {
        string maps = Maps(4), blocks = Blocks(), out_ = Path.Combine(TestPaths.NewTempDir(), "b.cxc");
        string csv = Path.Combine(TestPaths.NewTempDir(), "thr.csv");
        File.WriteAllText(csv, "vol_id,denormalized_predictions\n0,0.5\n1,0.5\n");
        AssertOneError(SirenProcess.Run("chimerax", "--map", Path.Combine(maps, "vol_003.mrc"), "--thresholds", csv, "--blocks", blocks, "--out", out_), "thr.csv", "map 3");
        AssertOneError(SirenProcess.Run("chimerax", "--map", maps, "--threshold", "0.5", "--blocks", blocks, "--out", out_), "is a folder");
        AssertOneError(SirenProcess.Run("chimerax", "--map", Path.Combine(maps, "vol_000.mrc"), "--threshold", "0.5", "--blocks", Blocks(16), "--out", out_), "block_0", "16×16×16", "8×8×8");
        // A map placed elsewhere: ChimeraX would draw the blocks shifted from it.
        MrcVolume v = MrcReader.Read(Path.Combine(maps, "vol_001.mrc"));
        MrcWriter.Write(Path.Combine(maps, "vol_001.mrc"), new MrcVolume(v.Nx, v.Ny, v.Nz, v.Data, v.VoxelSize, Vec3.All(100f)));
        AssertOneError(SirenProcess.Run("chimerax", "--map", Path.Combine(maps, "vol_001.mrc"), "--threshold", "0.5", "--blocks", blocks, "--out", out_), "block_0", "origin", "shifted");
        // Levels predicted for other maps (the CSV's vol_min/vol_max), as sketch and occupancy refuse them.
        string box64 = Maps(1, box: 64), wrongRange = Path.Combine(TestPaths.NewTempDir(), "pred.csv");
        File.WriteAllText(wrongRange, "vol_id,denormalized_predictions,vol_min,vol_max\n0,0.5,0,100\n");
        AssertOneError(SirenProcess.Run("chimerax", "--map", Path.Combine(box64, "vol_000.mrc"), "--thresholds", wrongRange, "--blocks", Blocks(64), "--out", out_), "pred.csv", "does not describe", "vol_000.mrc");
        File.WriteAllBytes(Path.Combine(maps, "vol_002.mrc"), File.ReadAllBytes(Path.Combine(maps, "vol_002.mrc"))[..1500]);
        AssertOneError(SirenProcess.Run("chimerax", "--map", Path.Combine(maps, "vol_002.mrc"), "--threshold", "0.5", "--blocks", blocks, "--out", out_), "vol_002.mrc", "truncated");
        Assert.False(File.Exists(out_));

        // One level for all needs no map id: the blocks drawn on a consensus map.
        string consensus = Path.Combine(TestPaths.NewTempDir(), "consensus.mrc");
        File.Copy(Path.Combine(maps, "vol_000.mrc"), consensus);
        var r = SirenProcess.Run("chimerax", "--map", consensus, "--threshold", "0.5", "--blocks", blocks, "--out", out_);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("level 0.5", File.ReadAllText(out_));
        AssertOneError(SirenProcess.Run("chimerax", "--map", consensus, "--thresholds", csv, "--blocks", blocks, "--out", out_), "consensus.mrc");
    }

    [Fact]
    public void ACsvThatIsAFolderOrBinary()
    {
        string maps = Maps(4);
        AssertOneError(SirenProcess.Run("sketch", "--voldir", maps, "--outdir", TestPaths.NewTempDir(), "--thresholds", maps), "is a folder");
        string binary = Path.Combine(TestPaths.NewTempDir(), "thr.csv");
        File.WriteAllBytes(binary, [0x00, 0x01, 0x02, 0x0A, 0x1B, 0x41, 0x0A]);
        var r = SirenProcess.Run("sketch", "--voldir", maps, "--outdir", TestPaths.NewTempDir(), "--thresholds", binary);
        AssertOneError(r, "thr.csv", "binary");
        Assert.DoesNotContain('\u001b', r.Stderr);
    }

    [Theory]
    [InlineData("--classes", "0")]
    [InlineData("--classes", "30")]
    [InlineData("--distance", "nan")]
    public void RunChecksItsClassifyOptionsBeforeAnyStage(string option, string value)
    {
        string outdir = TestPaths.NewTempDir();
        AssertOneError(SirenProcess.Run("run", "--voldir", Maps(4), "--threshold", "0.5", "--outdir", outdir, "--device", "cpu", option, value), option);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outdir));
    }

    private static void Rewrite(string path, Func<MrcVolume, MrcVolume> change) => MrcWriter.Write(path, change(MrcReader.Read(path)));

    [Fact]
    public void SketchRefusesAnInfiniteVoxelAMapPlacedElsewhereAndVoxelsWithoutOneSize()
    {
        string maps = Maps(4);
        Rewrite(Path.Combine(maps, "vol_001.mrc"), v => { v.Data[9] = float.PositiveInfinity; return v; });
        AssertOneError(Sketch(maps, TestPaths.NewTempDir()), "vol_001.mrc", "infinite value", "voxel 9");

        maps = Maps(4);
        Rewrite(Path.Combine(maps, "vol_002.mrc"), v => new MrcVolume(v.Nx, v.Ny, v.Nz, v.Data, v.VoxelSize, new Vec3(10, 0, 0)));
        AssertOneError(Sketch(maps, TestPaths.NewTempDir()), "vol_002.mrc", "origin", "(10, 0, 0)");

        maps = Maps(4);
        foreach (string f in Directory.GetFiles(maps))
            Rewrite(f, v => new MrcVolume(v.Nx, v.Ny, v.Nz, v.Data, new Vec3(6.55f, 7.5f, 6.55f), v.Origin));
        AssertOneError(Sketch(maps, TestPaths.NewTempDir()), "6.55 × 7.5 × 6.55", "cubic voxels", "--apix");
        Assert.Equal(0, Sketch(maps, TestPaths.NewTempDir(), "--apix", "6.55").ExitCode);

        foreach (string f in Directory.GetFiles(maps))
            Rewrite(f, v => new MrcVolume(v.Nx, v.Ny, v.Nz, v.Data, Vec3.All(float.NaN), v.Origin));
        AssertOneError(Sketch(maps, TestPaths.NewTempDir()), "no voxel size", "--apix");

        // 1 Å is cryoDRGN's default when its --Apix is not given: a warning, which --apix silences.
        foreach (string f in Directory.GetFiles(maps))
            Rewrite(f, v => new MrcVolume(v.Nx, v.Ny, v.Nz, v.Data, Vec3.All(1f), v.Origin));
        var r = Sketch(maps, TestPaths.NewTempDir());
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("warning: 'vol_000.mrc' gives 1 Å per voxel", r.Stderr);
        r = Sketch(maps, TestPaths.NewTempDir(), "--apix", "1");
        Assert.DoesNotContain("1 Å per voxel", r.Stderr);
    }

    [Fact]
    public void AThresholdBelowTheSolventIsAWarningNamingTheMap()
    {
        string maps = Maps(4), csv = Path.Combine(TestPaths.NewTempDir(), "thr.csv");
        File.WriteAllText(csv, "vol_id,denormalized_predictions\n0,0.5\n1,-1000\n2,0.5\n3,0.5\n");
        var r = SirenProcess.Run("sketch", "--voldir", maps, "--outdir", TestPaths.NewTempDir(), "--thresholds", csv, "--device", "cpu");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("warning: more than half the voxels of 1 map(s) are above their threshold (vol_001.mrc: 100 %)", r.Stderr);
    }

    [Fact]
    public void OneMapIsNotAnEnsemble()
    {
        AssertOneError(Sketch(Maps(1), TestPaths.NewTempDir()), "only one map", "vol_000.mrc", "Fix:");
        string maps = Maps(2), csv = Path.Combine(TestPaths.NewTempDir(), "thr.csv");
        File.WriteAllText(csv, "vol_id,denormalized_predictions\n0,0.5\n1,1000\n");
        AssertOneError(SirenProcess.Run("sketch", "--voldir", maps, "--outdir", TestPaths.NewTempDir(), "--thresholds", csv, "--device", "cpu"), "only one map", "1 other(s) were dropped");
    }

    [Fact]
    public void MapFilesAreFoundInAnyLetterCaseAndAsMap()
    {
        string maps = Maps(4);
        File.Move(Path.Combine(maps, "vol_001.mrc"), Path.Combine(maps, "vol_001.MRC"));
        File.Move(Path.Combine(maps, "vol_002.mrc"), Path.Combine(maps, "vol_002.map"));
        string outdir = TestPaths.NewTempDir();
        Assert.Equal(0, Sketch(maps, outdir).ExitCode);
        Assert.Contains("vol_002.map", File.ReadAllText(Path.Combine(outdir, "00_sketch", "manifest.json")));
        Assert.Contains("vol_001.MRC", File.ReadAllText(Path.Combine(outdir, "00_sketch", "manifest.json")));

        File.Move(Path.Combine(maps, "vol_003.mrc"), Path.Combine(maps, "vol_99999999999.mrc"));
        AssertOneError(Sketch(maps, TestPaths.NewTempDir()), "vol_99999999999.mrc", "larger than");
    }

    [Fact]
    public void MasksAndBlocksOnAnotherVoxelSizeThanTheMapAreRefused()
    {
        string maps = Maps(4), maskdir = TestPaths.NewTempDir(), out_ = TestPaths.NewTempDir();
        var mask = MrcVolume.Zeros(8, Vec3.All(4f), Vec3.All(0f));
        mask.Data[3] = 1;
        MrcWriter.Write(Path.Combine(maskdir, "Mask_a.mrc"), mask);
        AssertOneError(SirenProcess.Run("occupancy", "--voldir", maps, "--maskdir", maskdir, "--out", Path.Combine(out_, "occ.csv")), "Mask_a", "4 Å", "6.55 Å");
        AssertOneError(SirenProcess.Run("occupancy", "--voldir", maps, "--maskdir", Path.Combine(maskdir, "Mask_a.mrc"), "--out", Path.Combine(out_, "occ.csv")), "is a file");

        string blocks = Path.Combine(TestPaths.NewTempDir(), "02_expand");
        new BlockSet(8, 4, [new Block(0, [0, 1, 2, 3, 4, 5, 6])]).Write(blocks, Vec3.All(4f), Vec3.All(0f));
        AssertOneError(SirenProcess.Run("chimerax", "--map", Path.Combine(maps, "vol_000.mrc"), "--threshold", "0.5", "--blocks", blocks, "--out", Path.Combine(out_, "b.cxc")), "block_0", "4 Å", "6.55 Å");
        Assert.Empty(Directory.EnumerateFileSystemEntries(out_));
    }

    [Fact]
    public void HandEditedBlocksAndManifestsAreOneLine()
    {
        string maps = Maps(4), out_ = Path.Combine(TestPaths.NewTempDir(), "occ.csv");
        string blocks = Blocks();
        string json = Path.Combine(blocks, "blocks.json");
        string good = File.ReadAllText(json);
        // Each hand edit is refused in one line naming the file and what is wrong.
        void Refused(string edited, params string[] named)
        {
            File.WriteAllText(json, edited);
            AssertOneError(SirenProcess.Run("occupancy", "--voldir", maps, "--blocks", blocks, "--out", out_), named);
        }
        Refused(good.Replace("[0,1,2,3,4,5,6]", "[0,1,2,3,4,5,600]"), "blocks.json", "voxel 600", "8³ box. Fix:");
        Refused(good.Replace("[0,1,2,3,4,5,6]", "[0,1,2,3.5,4,5,6]"), "blocks.json", "a voxel of block 0 is 3.5, not a whole number");
        Refused(good.Replace("\"id\":0", "\"id\":\"zero\""), "blocks.json", "a block's id is string, not a whole number");
        Refused(good.Replace("\"size\":7", "\"size\":8"), "blocks.json", "block 0 gives size 8 but lists 7 voxels");
        Refused(good.Replace("\"blocks\":[", "\"blocks\":[{\"id\":0,\"pass\":\"positive\",\"size\":1,\"voxels\":[1]},"), "block id 0 appears twice");
        // An empty block has no median voxel (expand) and no fraction (occupancy); a repeated voxel would count twice.
        Refused(good.Replace("[0,1,2,3,4,5,6]", "[]"), "blocks.json", "block 0 has no voxels");
        Refused(good.Replace("[0,1,2,3,4,5,6]", "[0,1,2,3,4,5,5]"), "blocks.json", "block 0 lists a voxel twice");
        Refused(good.Replace("\"box\":8,", ""), "blocks.json", "no \"box\" field");
        Refused("[]", "blocks.json", "array where an object with \"box\" belongs");

        string outdir = TestPaths.NewTempDir();
        Assert.Equal(0, Sketch(Maps(), outdir).ExitCode);
        string manifest = Path.Combine(outdir, "00_sketch", "manifest.json");
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!;
        node["results"]!["kept_maps"] = 5;
        File.WriteAllText(manifest, node.ToJsonString());
        AssertOneError(SirenProcess.Run("expand", "--outdir", outdir, "--device", "cpu"), "kept maps", "rerun siren sketch");
        File.WriteAllText(manifest, "{\"parameters\": []}");
        AssertOneError(SirenProcess.Run("expand", "--outdir", outdir, "--device", "cpu"), "not a manifest siren wrote");
    }

    [Fact]
    public void AThresholdsColumnTwiceIsRefused()
    {
        string csv = Path.Combine(TestPaths.NewTempDir(), "thr.csv");
        File.WriteAllText(csv, "vol_id,denormalized_predictions,denormalized_predictions\n0,0.5,9\n1,0.5,9\n2,0.5,9\n3,0.5,9\n");
        AssertOneError(SirenProcess.Run("sketch", "--voldir", Maps(4), "--outdir", TestPaths.NewTempDir(), "--thresholds", csv), "'denormalized_predictions' twice", "columns 2 and 3");
        File.WriteAllText(csv, "vol_id,denormalized_predictions\n4294967296,0.5\n");
        AssertOneError(SirenProcess.Run("sketch", "--voldir", Maps(4), "--outdir", TestPaths.NewTempDir(), "--thresholds", csv), "4294967296", "not a map number");
    }

    [Fact]
    public void AnOutputNamedAsAFolderIsRefusedBeforeTheWork()
    {
        string maps = Maps(4), blocks = Blocks(), root = TestPaths.NewTempDir();
        string newdir = Path.Combine(root, "newdir") + Path.DirectorySeparatorChar;
        AssertOneError(SirenProcess.Run("occupancy", "--voldir", maps, "--blocks", blocks, "--out", newdir), "is a folder name", "occupancies.csv");
        AssertOneError(SirenProcess.Run("chimerax", "--map", Path.Combine(maps, "vol_000.mrc"), "--threshold", "0.5", "--blocks", blocks, "--out", newdir), "is a folder name", "blocks.cxc");
        Assert.Empty(Directory.EnumerateFileSystemEntries(root));
        AssertOneError(SirenProcess.Run("chimerax", "--map", Path.Combine(maps, "vol_000.mrc"), "--threshold", "0.5", "--blocks", Path.Combine(blocks, "block_0.mrc"), "--out", Path.Combine(root, "b.cxc")),
            "is a file", $"--blocks {blocks}");
    }

    [Fact]
    public void ALevelOutsideTheMapAReferenceFileAndUtf16WithoutAMarkAreNamed()
    {
        string maps = Maps(4), blocks = Blocks(), root = TestPaths.NewTempDir();
        var cx = SirenProcess.Run("chimerax", "--map", Path.Combine(maps, "vol_000.mrc"), "--threshold", "1e30", "--blocks", blocks, "--out", Path.Combine(root, "b.cxc"));
        Assert.True(cx.ExitCode == 0, cx.Stderr);
        Assert.Contains("draws no surface", cx.Stderr);

        string csv = Path.Combine(root, "thr.csv");
        File.WriteAllText(csv, "vol_id,contour\n0,1\n");
        AssertOneError(SirenProcess.Run("occupancy", "--voldir", maps, "--maskdir", blocks, "--refdir", csv, "--out", Path.Combine(root, "occ.csv")), "--refdir", "is a file");

        File.WriteAllBytes(csv, System.Text.Encoding.Unicode.GetBytes("vol_id,denormalized_predictions\n0,0.5\n"));
        AssertOneError(SirenProcess.Run("sketch", "--voldir", maps, "--outdir", TestPaths.NewTempDir(), "--thresholds", csv), "UTF-16", "UTF-8");

        // A map where the thresholds belong, under its own name or renamed: named as a map, not as text.
        AssertOneError(SirenProcess.Run("sketch", "--voldir", maps, "--outdir", TestPaths.NewTempDir(), "--thresholds", Path.Combine(maps, "vol_000.mrc")), "vol_000.mrc", "is an MRC map, not a CSV");
        File.Copy(Path.Combine(maps, "vol_000.mrc"), csv, overwrite: true);
        AssertOneError(SirenProcess.Run("sketch", "--voldir", maps, "--outdir", TestPaths.NewTempDir(), "--thresholds", csv), "is an MRC map, not a CSV");
        File.WriteAllBytes(csv, Siren.Core.Curation.NumpyPickle.WriteInt64([0, 1, 2]));
        AssertOneError(SirenProcess.Run("sketch", "--voldir", maps, "--outdir", TestPaths.NewTempDir(), "--thresholds", csv), "is a Python pickle, not a CSV", "--labels");
    }

    [Fact]
    public void ATruthFileWithANullOrMissingMemberIsOneLine()
    {
        string sim = TestPaths.NewTempDir(), outdir = TestPaths.NewTempDir();
        Assert.Equal(0, SirenProcess.Run("simulate", "--preset", "demo", "--n", "6", "--seed", "3", "--outdir", sim).ExitCode);
        Assert.Equal(0, SirenProcess.Run("sketch", "--voldir", sim, "--thresholds", Path.Combine(sim, "thresholds.csv"), "--outdir", outdir, "--device", "cpu").ExitCode);
        string truth = Path.Combine(sim, "truth.json");
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(truth))!;
        Assert.Equal(0, SirenProcess.Run("score", "--blocks", Path.Combine(outdir, "00_sketch"), "--truth", truth).ExitCode);
        node["regions"] = null;
        File.WriteAllText(truth, node.ToJsonString());
        AssertOneError(SirenProcess.Run("score", "--blocks", Path.Combine(outdir, "00_sketch"), "--truth", truth), "truth.json", "regions");
        node.AsObject().Remove("regions");
        File.WriteAllText(truth, node.ToJsonString());
        AssertOneError(SirenProcess.Run("score", "--blocks", Path.Combine(outdir, "00_sketch"), "--truth", truth), "truth.json", "regions");
        node["regions"] = new System.Text.Json.Nodes.JsonArray();
        node.AsObject().Remove("box");
        File.WriteAllText(truth, node.ToJsonString());
        AssertOneError(SirenProcess.Run("score", "--blocks", Path.Combine(outdir, "00_sketch"), "--truth", truth), "truth.json", "has no \"box\"");
    }
}
