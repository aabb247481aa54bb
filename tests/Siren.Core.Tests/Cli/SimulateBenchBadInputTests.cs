using System.Text.Json.Nodes;
using Siren.Core.Blocks;
using Siren.Core.Mrc;
using Siren.Core.Simulation;
using static Siren.Core.Tests.Cli.BadInputTests;

namespace Siren.Core.Tests.Cli;

/// <summary>
/// simulate, make-training-set, bench and bench-occupancy size their work from user numbers: a value out of
/// range is one error line with a fix, before any map is written, never a crash, a hang or broken maps.
/// </summary>
public class SimulateBenchBadInputTests
{
    private static SirenProcess.Result SimulateBuiltin(string resolution, string variation)
    {
        string spec = Path.Combine(TestPaths.NewTempDir(), "bad_spec.json");
        File.WriteAllText(spec, $$"""
            {"grid": {"box": 32, "apix": 8}, "maps": 2, "resolution": {{resolution}}, "variation": {{variation}},
             "groups": [{"name": "D", "select": [{"chain": "D"}]}], "classes": [{"name": "a", "frequency": 1, "present": ["D"]}, {"name": "b", "frequency": 1}]}
            """);
        return SirenProcess.Run("simulate", "--spec", spec, "--builtin", "--outdir", TestPaths.NewTempDir());
    }

    [Fact]
    public void SimulateWithANaNCoordinateNamesTheFileAndLine()
    {
        string model = TestPaths.NewTempDir();
        File.WriteAllText(Path.Combine(model, "prots1.pdb"),
            "ATOM      1  N   MET A   1      31.619  60.082  74.919  1.00 98.27           N  \n" +
            "ATOM      2  CA  MET A   1         nan  59.385  76.140  1.00 98.27           C  \n");
        string outdir = TestPaths.NewTempDir();

        AssertOneError(SirenProcess.Run("simulate", "--preset", "ul2-titration", "--model", model, "--n", "2", "--outdir", outdir),
            "prots1.pdb", "line 2", "not finite", "Fix:");
        Assert.Empty(Directory.GetFiles(outdir, "vol_*.mrc"));
    }

    [Theory]
    [InlineData("""{"min": 16, "max": 1e308}""", "{}", "resolution {min 16, max 1E+308}")]
    [InlineData("""{"min": 16, "max": 17, "levels": 1000000}""", "{}", "resolution.levels 1000000")]
    [InlineData("""{"min": 16, "max": 16}""", """{"noise": 1e308}""", "variation.noise")]
    [InlineData("""{"min": 16, "max": 16}""", """{"scale": [1e-300, 1e308]}""", "variation.scale")]
    [InlineData("""{"min": 16, "max": 16}""", """{"noise_blur": 1e308}""", "variation.noise_blur")]
    [InlineData("""{"min": 16, "max": 16}""", """{"noise": 0.1, "noise": 0.2}""", "Duplicate property 'noise'")]
    public void SimulateRefusesASpecOutOfRange(string resolution, string variation, string named) =>
        AssertOneError(SimulateBuiltin(resolution, variation), "bad_spec.json", named, "Fix:");

    [Fact]
    public void SimulateLeavesAFolderOfSomeoneElsesDescriptionFilesAlone()
    {
        string outdir = TestPaths.NewTempDir();
        File.WriteAllText(Path.Combine(outdir, "thresholds.csv"), "vol_id,denormalized_predictions\n1234,0.02\n");
        File.WriteAllText(Path.Combine(outdir, "manifest.json"), "{\"command\": \"simulate\", \"tool\": \"another program\"}");
        AssertOneError(SirenProcess.Run("simulate", "--preset", "demo", "--n", "2", "--outdir", outdir), "thresholds.csv", "did not write");
        Assert.Equal("vol_id,denormalized_predictions\n1234,0.02\n", File.ReadAllText(Path.Combine(outdir, "thresholds.csv")));

        // A map of another name or case, and another Siren command's outputs, are not simulate's either.
        string maps = TestPaths.NewTempDir();
        File.WriteAllBytes(Path.Combine(maps, "emd_1234.map"), new byte[2048]);
        AssertOneError(SirenProcess.Run("simulate", "--preset", "demo", "--n", "2", "--outdir", maps), "emd_1234.map", "did not write");
        string ran = TestPaths.NewTempDir();
        new Siren.Core.Blocks.RunManifest("run").Write(ran);
        AssertOneError(SirenProcess.Run("simulate", "--preset", "demo", "--n", "2", "--outdir", ran), "siren run");
        // predict-thresholds names its manifest after predictions.csv: found all the same.
        string predicted = TestPaths.NewTempDir();
        new Siren.Core.Blocks.RunManifest("predict-thresholds").WriteBeside(Path.Combine(predicted, "predictions.csv"));
        AssertOneError(SirenProcess.Run("simulate", "--preset", "demo", "--n", "2", "--outdir", predicted), "siren predict-thresholds");
        Assert.Empty(Directory.GetFiles(predicted, "*.mrc"));
    }

    [Fact]
    public void TitrationOptionsWithAnotherEnsembleAreNamedAsIgnoredAndBuiltinWithAPresetIsRefused()
    {
        string outdir = TestPaths.NewTempDir();
        var r = SirenProcess.Run("simulate", "--preset", "demo", "--n", "2", "--intact", "0.3", "--outdir", outdir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("warning: --deletion and --intact apply to --preset ul2-titration only", r.Stderr);
        AssertOneError(SirenProcess.Run("simulate", "--preset", "demo", "--builtin", "--n", "2", "--outdir", TestPaths.NewTempDir()), "--builtin is the model for --spec", "Fix:");
    }

    [Fact]
    public void DemoLeavesAnotherCommandsFolderAlone()
    {
        string simulated = TestPaths.NewTempDir();
        new Siren.Core.Blocks.RunManifest("simulate").Write(simulated);
        string before = File.ReadAllText(Path.Combine(simulated, "manifest.json"));
        AssertOneError(SirenProcess.Run("demo", "--n", "5", "--outdir", simulated), "siren simulate", "demo would replace");
        Assert.Equal(before, File.ReadAllText(Path.Combine(simulated, "manifest.json")));
        Assert.Equal(["manifest.json"], Directory.EnumerateFileSystemEntries(simulated).Select(Path.GetFileName));
    }

    [Fact]
    public void SimulateRefusesMoreMapsThanTheDiskHoldsBeforeWritingAny()
    {
        string outdir = TestPaths.NewTempDir();
        AssertOneError(SirenProcess.Run("simulate", "--preset", "demo", "--n", "2000000000", "--outdir", outdir), "2000000000 maps of 64³", "free", "lower --n");
        Assert.Empty(Directory.EnumerateFileSystemEntries(outdir));
    }

    private static string[] Names(string dir, string pattern = "*") =>
        Directory.GetFiles(dir, pattern).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void SimulateRefusesAnOutdirOfMapsItDidNotWrite()
    {
        // Real maps (cryoDRGN's, say) under simulate's names: a simulation would replace them.
        string outdir = TestPaths.NewTempDir();
        for (int i = 0; i < 3; i++)
            MrcWriter.Write(Path.Combine(outdir, $"vol_00{i}.mrc"), MrcVolume.Zeros(8, Vec3.All(6.55f), Vec3.All(0)), label: "cryoDRGN volume");
        byte[] before = File.ReadAllBytes(Path.Combine(outdir, "vol_001.mrc"));

        AssertOneError(SirenProcess.Run("simulate", "--preset", "demo", "--n", "3", "--outdir", outdir),
            "--outdir", "vol_000.mrc and 2 more", "Fix: choose an empty --outdir or the folder of an earlier simulate");

        Assert.Equal(["vol_000.mrc", "vol_001.mrc", "vol_002.mrc"], Names(outdir));
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(outdir, "vol_001.mrc")));
    }

    [Fact]
    public void SimulateRerunsIntoAnEarlierSimulationsFolder()
    {
        string outdir = TestPaths.NewTempDir();
        Assert.Equal(0, SirenProcess.Run("simulate", "--preset", "demo", "--n", "5", "--seed", "2", "--outdir", outdir).ExitCode);

        var rerun = SirenProcess.Run("simulate", "--preset", "demo", "--n", "3", "--seed", "3", "--outdir", outdir);

        Assert.True(rerun.ExitCode == 0, rerun.Stderr);
        Assert.Equal(["vol_000.mrc", "vol_001.mrc", "vol_002.mrc"], Names(outdir, "vol_*.mrc"));
    }

    [Fact]
    public void AFailedSimulateLeavesNoThresholdsOfTheEarlierEnsembleForRunToUse()
    {
        string outdir = TestPaths.NewTempDir();
        Assert.Equal(0, SirenProcess.Run("simulate", "--preset", "demo", "--n", "6", "--seed", "2", "--outdir", outdir).ExitCode);
        // A folder where the rerun's sixth map goes stops it half-way, as a full disk would.
        File.Delete(Path.Combine(outdir, "vol_005.mrc"));
        Directory.CreateDirectory(Path.Combine(outdir, "vol_005.mrc"));

        AssertOneError(SirenProcess.Run("simulate", "--preset", "demo", "--n", "8", "--seed", "3", "--outdir", outdir), "vol_005.mrc", "Fix:");

        Assert.DoesNotContain(Names(outdir), n => n is "thresholds.csv" or "truth.json" or "spec.json" or "manifest.json");
        AssertOneError(SirenProcess.Run("run", "--voldir", outdir, "--thresholds", Path.Combine(outdir, "thresholds.csv"), "--outdir", TestPaths.NewTempDir()),
            "thresholds.csv");
        // The rerun into the folder it left (maps, no manifest) works.
        Directory.Delete(Path.Combine(outdir, "vol_005.mrc"));
        Assert.Equal(0, SirenProcess.Run("simulate", "--preset", "demo", "--n", "8", "--seed", "3", "--outdir", outdir).ExitCode);
        Assert.Contains("thresholds.csv", Names(outdir));
    }

    [Fact]
    public void ScoreRefusesATruthWithARegionsVoxelsRepeated()
    {
        // Listed twice, a region's voxels would count twice in every Jaccard index and raise it.
        string sim = TestPaths.NewTempDir(), blocks = Path.Combine(TestPaths.NewTempDir(), "02_expand");
        Assert.Equal(0, SirenProcess.Run("simulate", "--preset", "demo", "--n", "3", "--outdir", sim).ExitCode);
        string truthPath = Path.Combine(sim, SimulationTruth.FileName);
        SimulationTruth truth = SimulationTruth.Read(truthPath);
        new BlockSet(truth.Box, truth.Apix, [new Block(0, truth.Regions[0].Voxels)]).Write(blocks, Vec3.All((float)truth.Apix), Vec3.All(0));
        var node = JsonNode.Parse(File.ReadAllText(truthPath))!;
        JsonArray voxels = node["regions"]![0]!["voxels"]!.AsArray();
        foreach (int v in truth.Regions[0].Voxels) voxels.Add(v);
        File.WriteAllText(truthPath, node.ToJsonString());

        AssertOneError(SirenProcess.Run("score", "--blocks", blocks, "--truth", truthPath), "truth.json", $"region '{truth.Regions[0].Name}'", "ascending", "Fix:");
    }

    [Fact]
    public void ScoreRefusesBlocksOfAnotherVoxelSize()
    {
        string sim = TestPaths.NewTempDir(), blocks = Path.Combine(TestPaths.NewTempDir(), "02_expand");
        Assert.Equal(0, SirenProcess.Run("simulate", "--preset", "demo", "--n", "3", "--outdir", sim).ExitCode);
        SimulationTruth truth = SimulationTruth.Read(sim);
        new BlockSet(truth.Box, 6.55, [new Block(0, truth.Regions[0].Voxels)]).Write(blocks, Vec3.All(6.55f), Vec3.All(0));

        AssertOneError(SirenProcess.Run("score", "--blocks", blocks, "--truth", sim), "02_expand", "truth.json", "6.55 Å", "Fix:");
    }

    [Fact]
    public void HiddenMakeTrainingSetStillHasHelp()
    {
        var r = SirenProcess.Run("make-training-set", "--help");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("--families", r.Stdout);
        Assert.DoesNotContain("make-training-set", SirenProcess.Run("--help").Stdout);
    }

    [Theory]
    [InlineData("--count", "-5", "--count -5")]
    [InlineData("--count", "0", "--count 0")]
    [InlineData("--families", "", "--families")]
    [InlineData("--families", "elongated,bogus", "'bogus'")]
    public void MakeTrainingSetRefusesBadCountsAndFamilies(string option, string value, string named)
    {
        string[] families = option == "--families" ? [] : ["--families", "elongated"];
        AssertOneError(SirenProcess.Run(["make-training-set", "--out", TestPaths.NewTempDir(), option, value, .. families]), named, "Fix:");
    }

    [Theory]
    [InlineData("320", "'320' is not a box range")]
    [InlineData("32-128", "--crop-from 32-128")]
    [InlineData("128-64", "--crop-from 128-64")]
    [InlineData("64-400", "64–320")]
    [InlineData("101-103", "holds no even box")]
    [InlineData("64-320 --crop-share 1.5", "--crop-share 1.5")]
    public void MakeTrainingSetRefusesBadCropRanges(string range, string named)
    {
        string outdir = TestPaths.NewTempDir();
        AssertOneError(SirenProcess.Run(["make-training-set", "--out", outdir, "--families", "elongated", "--count", "1", "--crop-from", .. range.Split(' ')]), named, "Fix:");
        Assert.Empty(Directory.GetFileSystemEntries(outdir));
    }

    [Fact]
    public void MakeTrainingSetCropShareNeedsCropBoxes() =>
        AssertOneError(SirenProcess.Run("make-training-set", "--out", TestPaths.NewTempDir(), "--families", "elongated", "--count", "1", "--crop-share", "0.5"),
            "--crop-share needs --crop-from");

    [Fact]
    public void MakeTrainingSetReplacesItsEarlierSetWholeAndNothingElse()
    {
        string outdir = TestPaths.NewTempDir();
        string[] make = ["make-training-set", "--out", outdir, "--families", "elongated"];
        Assert.Equal(0, SirenProcess.Run([.. make, "--count", "2", "--seed", "1"]).ExitCode);
        Assert.True(File.Exists(Path.Combine(outdir, "normalized_f16.bin")));
        // Raw maps of another seed: the packed maps of the first set do not stay beside the new labels.
        Assert.Equal(0, SirenProcess.Run([.. make, "--count", "4", "--seed", "2", "--raw-maps"]).ExitCode);
        Assert.False(File.Exists(Path.Combine(outdir, "normalized_f16.bin")));
        Assert.Equal(4, Directory.GetFiles(Path.Combine(outdir, "maps")).Length);
        Assert.Equal(0, SirenProcess.Run([.. make, "--count", "2", "--seed", "2", "--raw-maps"]).ExitCode);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(outdir, "maps")).Length);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(outdir, "labels.csv")).Length);
        string manifest = File.ReadAllText(Path.Combine(outdir, "manifest.json"));
        Assert.Contains("\"outputs\"", manifest);
        Assert.Contains("\"labels.csv\"", manifest);

        // A set that cannot be made (an unknown family) leaves the earlier one whole.
        AssertOneError(SirenProcess.Run("make-training-set", "--out", outdir, "--count", "2", "--families", "nosuch"), "nosuch");
        Assert.Equal(3, File.ReadAllLines(Path.Combine(outdir, "labels.csv")).Length);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(outdir, "maps")).Length);
        // After a packed set, a maps/ folder of the user's is not the set's to remove.
        Assert.Equal(0, SirenProcess.Run([.. make, "--count", "2", "--seed", "3"]).ExitCode);
        Assert.False(Directory.Exists(Path.Combine(outdir, "maps")));
        Directory.CreateDirectory(Path.Combine(outdir, "maps"));
        AssertOneError(SirenProcess.Run([.. make, "--count", "2", "--seed", "3"]), "maps", "did not write", "--out");
        Assert.True(Directory.Exists(Path.Combine(outdir, "maps")));

        // An older set's manifest (no outputs list) vouches for its labels, but for maps/ only when it wrote raw maps.
        string older = TestPaths.NewTempDir();
        new Siren.Core.Blocks.RunManifest("make-training-set").Parameter("raw_maps", false).Write(older);
        File.WriteAllText(Path.Combine(older, "labels.csv"), "vol_id\n");
        Directory.CreateDirectory(Path.Combine(older, "maps"));
        File.WriteAllText(Path.Combine(older, "maps", "mine.mrc"), "mine");
        AssertOneError(SirenProcess.Run("make-training-set", "--out", older, "--families", "elongated", "--count", "1"), "maps", "did not write");
        Assert.True(File.Exists(Path.Combine(older, "maps", "mine.mrc")));
        Directory.Delete(Path.Combine(older, "maps"), recursive: true);
        Assert.Equal(0, SirenProcess.Run("make-training-set", "--out", older, "--families", "elongated", "--count", "1").ExitCode);

        // Another command's folder, or a labels.csv of the user's, is refused untouched.
        string ran = TestPaths.NewTempDir();
        new Siren.Core.Blocks.RunManifest("fine-tune").Write(ran);
        AssertOneError(SirenProcess.Run("make-training-set", "--out", ran, "--families", "elongated", "--count", "1"), "siren fine-tune", "Fix: choose another --out");
        string mine = TestPaths.NewTempDir();
        File.WriteAllText(Path.Combine(mine, "labels.csv"), "a,b\n");
        AssertOneError(SirenProcess.Run("make-training-set", "--out", mine, "--families", "elongated", "--count", "1"), "labels.csv", "did not write");
        Assert.Equal("a,b\n", File.ReadAllText(Path.Combine(mine, "labels.csv")));
    }

    [Fact]
    public void MakeTrainingSetWithoutTheRibosomeNamesTheOption() =>
        AssertOneError(SirenProcess.Run("make-training-set", "--out", TestPaths.NewTempDir(), "--count", "2", "--families", "ribosome_subset"),
            "--ribosome", "Fix:");

    [Theory]
    [InlineData("--boxes", "0", "--boxes 0")]
    [InlineData("--boxes", "64,abc", "'abc'")]
    [InlineData("--boxes", "100000", "--boxes 100000")]
    [InlineData("--maps", "0", "--maps 0")]
    [InlineData("--repeats", "0", "--repeats 0")]
    public void BenchRefusesOutOfRangeSizes(string option, string value, string named)
    {
        string[] boxes = option == "--boxes" ? [] : ["--boxes", "16"];
        AssertOneError(SirenProcess.Run(["bench", "--workdir", TestPaths.NewTempDir(), option, value, .. boxes]), named, "Fix:");
    }

    [Fact]
    public void BenchWorkdirThatIsAFile()
    {
        string file = Path.Combine(TestPaths.NewTempDir(), "a-file");
        File.WriteAllText(file, "x");
        AssertOneError(SirenProcess.Run("bench", "--boxes", "16", "--maps", "4", "--workdir", file), "a-file", "not a folder", "Fix:");
    }

    /// <summary>demo goes on to co-occupancy, which one map cannot have: refused before anything is simulated.</summary>
    [Fact]
    public void DemoOfOneMapIsRefusedUpFront()
    {
        string outdir = Path.Combine(TestPaths.NewTempDir(), "demo");
        AssertOneError(SirenProcess.Run("demo", "--n", "1", "--outdir", outdir), "--n 1", "Fix: pass --n 2 or more");
        Assert.False(Directory.Exists(outdir));
    }

    /// <summary>bench keeps its maps in --workdir between runs: another seed's ensemble is another folder, and a damaged one says to delete it.</summary>
    [Fact]
    public void BenchReusesOnlyItsOwnSeedsMaps()
    {
        string workdir = TestPaths.NewTempDir();
        Assert.Equal(0, SirenProcess.Run("bench", "--boxes", "16", "--maps", "12", "--repeats", "1", "--seed", "1", "--workdir", workdir, "--device", "cpu").ExitCode);
        Assert.Equal(0, SirenProcess.Run("bench", "--boxes", "16", "--maps", "12", "--repeats", "1", "--seed", "2", "--workdir", workdir, "--device", "cpu").ExitCode);
        string seed1 = Path.Combine(workdir, "maps_16_12_seed1"), seed2 = Path.Combine(workdir, "maps_16_12_seed2");
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(seed1, "vol_003.mrc")), File.ReadAllBytes(Path.Combine(seed2, "vol_003.mrc")));
        // The figures are recorded with what made them, as every command's are.
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(workdir, "bench.manifest.json")))!;
        Assert.Equal("bench", manifest["command"]!.GetValue<string>());
        Assert.Equal(2UL, manifest["parameters"]!["seed"]!.GetValue<ulong>());
        Assert.Equal(16, manifest["results"]!["rows"]![0]!["box"]!.GetValue<int>());
        var row = manifest["results"]!["rows"]![0]!;
        Assert.True(row["total_s"]!.GetValue<double>() > 0);
        // The kernels' seconds lie inside their stages' (the GPU comparison in docs/cuda.md needs both).
        Assert.InRange(row["sketch_kernel_s"]!.GetValue<double>(), 1e-9, row["sketch_s"]!.GetValue<double>());
        Assert.InRange(row["expand_kernel_s"]!.GetValue<double>(), 0, row["expand_s"]!.GetValue<double>());
        Assert.InRange(row["popcounted_share"]!.GetValue<double>(), 0, 1);

        File.WriteAllBytes(Path.Combine(seed1, "vol_005.mrc"), [1, 2, 3]);
        AssertOneError(SirenProcess.Run("bench", "--boxes", "16", "--maps", "12", "--repeats", "1", "--seed", "1", "--workdir", workdir, "--device", "cpu"),
            "vol_005.mrc", "earlier run is damaged", $"Fix: delete '{seed1}'");
    }

    [Theory]
    [InlineData("--jobs", "-1", "--jobs -1")]
    [InlineData("--distinct", "0", "--distinct 0")]
    [InlineData("--box", "100000", "--box 100000")]
    [InlineData("--blocks", "0", "--blocks 0")]
    public void BenchOccupancyRefusesOutOfRangeValues(string option, string value, string named)
    {
        var args = new Dictionary<string, string> { ["--dir"] = TestPaths.NewTempDir(), ["--distinct"] = "2", ["--maps"] = "4", ["--box"] = "8", [option] = value };
        AssertOneError(SirenProcess.Run(["bench-occupancy", .. args.SelectMany(a => new[] { a.Key, a.Value })]), named, "Fix:");
    }

    [Fact]
    public void BenchOccupancyRecordsItsFiguresBesideItsMaps()
    {
        string dir = TestPaths.NewTempDir();
        var r = SirenProcess.Run("bench-occupancy", "--dir", dir, "--distinct", "3", "--maps", "9", "--box", "8", "--blocks", "2");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "bench-occupancy.manifest.json")))!;
        Assert.Equal(9, manifest["parameters"]!["maps"]!.GetValue<int>());
        Assert.True(manifest["results"]!["maps_per_second"]!.GetValue<double>() > 0);
    }
}
