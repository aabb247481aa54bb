using Siren.Core.Occupancy;
using Siren.Core.Pipeline;
using Siren.Core.Blocks;
using Siren.Core.Simulation;

namespace Siren.Core.Tests.Pipeline;

/// <summary>`siren run` as a user runs it: predicted thresholds, and the other commands writing into its folder.</summary>
public class RunCommandTests
{
    [Fact]
    public void RunWithoutThresholdsPredictsThemWithTheShippedModelAndReusesThem()
    {
        string maps = TestPaths.NewTempDir(), outdir = TestPaths.NewTempDir();
        SimulationSetup setup = SimulationPresets.DemoSetup(seed: 5);
        SimulationResult sim = EnsembleSimulator.Run(setup.Model, setup.Spec, maps, seed: 5, maps: 60);

        var first = SirenProcess.Run("run", "--voldir", maps, "--outdir", outdir, "--classes", "2", "--device", "cpu");
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("predicting thresholds", first.Stderr);
        string csv = Path.Combine(outdir, "01_thresholds", "predictions.csv");
        string[] rows = File.ReadAllLines(csv);
        Assert.Equal("vol_id,prediction,denormalized_predictions,vol_min,vol_max", rows[0]);
        Assert.Equal(61, rows.Length);
        Assert.NotEmpty(BlockSet.Read(Path.Combine(outdir, BlockDetection.ExpandFolder)).Blocks);
        Assert.Contains("(predicted by the shipped threshold model, stage 01_thresholds)", File.ReadAllText(Path.Combine(outdir, RunPipeline.ReportFile)));

        var second = SirenProcess.Run("run", "--voldir", maps, "--outdir", outdir, "--classes", "2", "--device", "cpu");
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Contains("thresholds: outputs and stamp match, skipped", second.Stderr);
        Assert.Contains("sketch+expand: outputs and stamp match, skipped", second.Stderr);
        Assert.True(sim.Truth.Regions.Count > 0);

        // Other maps in another folder under the same names, with the same times (cp -p): the folder is in the
        // stamp, so their levels are predicted anew. (In place, a map rewritten at the same size and time is not seen.)
        string other = TestPaths.NewTempDir();
        EnsembleSimulator.Run(setup.Model, setup.Spec, other, seed: 6, maps: 60);
        foreach (string m in Directory.GetFiles(maps, "*.mrc"))
            File.SetLastWriteTimeUtc(Path.Combine(other, Path.GetFileName(m)), File.GetLastWriteTimeUtc(m));
        var third = SirenProcess.Run("run", "--voldir", other, "--outdir", outdir, "--classes", "2", "--device", "cpu");
        Assert.True(third.ExitCode == 0, third.Stderr);
        Assert.Contains("predicting thresholds", third.Stderr);
        Assert.NotEqual(rows, File.ReadAllLines(csv));

        // Given thresholds, a run does not leave the levels it predicted before beside them.
        var given = SirenProcess.Run("run", "--voldir", other, "--thresholds", Path.Combine(other, EnsembleSimulator.ThresholdsFileName), "--outdir", outdir, "--classes", "2", "--device", "cpu");
        Assert.True(given.ExitCode == 0, given.Stderr);
        Assert.False(Directory.Exists(Path.Combine(outdir, "01_thresholds")));
    }

    /// <summary>
    /// A homogeneous ensemble (the paper's 100 %-intact control) has no blocks: the run succeeds and its report
    /// says so. Run into a folder where blocks were found before, it leaves no occupancy, classes or script of them.
    /// </summary>
    [Fact]
    public void AHomogeneousEnsembleEndsWithAReportOfNoBlocks()
    {
        const int box = 12;
        string varying = TestPaths.NewTempDir(), homogeneous = TestPaths.NewTempDir(), outdir = TestPaths.NewTempDir();
        Synthetic.WriteEnsemble(varying, box, 80, Synthetic.Cube(box, 2, 2, 2, 4), [new Synthetic.Region(Synthetic.Cube(box, 7, 2, 2, 3), 0.3)], seed: 2);
        Synthetic.WriteEnsemble(homogeneous, box, 80, Synthetic.Cube(box, 2, 2, 2, 4), [], seed: 2);
        var first = SirenProcess.Run("run", "--voldir", varying, "--threshold", "0.5", "--outdir", outdir, "--classes", "2", "--device", "cpu");
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.True(File.Exists(Path.Combine(outdir, RunPipeline.ChimeraXFile)));

        var r = SirenProcess.Run("run", "--voldir", homogeneous, "--threshold", "0.5", "--outdir", outdir, "--classes", "2", "--device", "cpu");

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("run: no blocks", r.Stderr);
        Assert.Empty(BlockSet.Read(Path.Combine(outdir, BlockDetection.ExpandFolder)).Blocks);
        string report = File.ReadAllText(Path.Combine(outdir, RunPipeline.ReportFile));
        Assert.Contains("80 maps", report);
        Assert.Contains("no structural blocks", report);
        Assert.Contains("homogeneous ensemble", report);
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(outdir, "manifest.json")))!;
        Assert.Equal(0, manifest["results"]!["blocks"]!.GetValue<int>());
        foreach (string stale in new[] { RunPipeline.OccupancyFolder, RunPipeline.ClassifyFolder, RunPipeline.ChimeraXFile })
            Assert.False(Path.Exists(Path.Combine(outdir, stale)), stale);

        var again = SirenProcess.Run("run", "--voldir", homogeneous, "--threshold", "0.5", "--outdir", outdir, "--classes", "2", "--device", "cpu");
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("sketch+expand: outputs and stamp match, skipped", again.Stderr);
    }

    /// <summary>
    /// Masked maps (solvent exactly 0) at threshold 0: the blocks are found with value &gt; 0, and measured with
    /// MAVEn's ≥ every block was full in every map and classify refused the table. The run measures as it found.
    /// </summary>
    [Fact]
    public void RunMeasuresOccupancyWithTheRuleItFoundTheBlocksWith()
    {
        string maps = TestPaths.NewTempDir(), outdir = TestPaths.NewTempDir();
        const int box = 12;
        Synthetic.WriteEnsemble(maps, box, 120, Synthetic.Cube(box, 2, 2, 2, 4), [new Synthetic.Region(Synthetic.Cube(box, 7, 2, 2, 3), 0.3)], seed: 2, noise: 0f);
        var r = SirenProcess.Run("run", "--voldir", maps, "--threshold", "0", "--outdir", outdir, "--classes", "2", "--device", "cpu", "--linkage", "complete", "--assign-max");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("complete linkage", File.ReadAllText(Path.Combine(outdir, RunPipeline.ReportFile)));
        Assert.Equal(121, File.ReadAllLines(Path.Combine(outdir, RunPipeline.ClassifyFolder, "assignments.csv")).Length);
        var table = OccupancyTable.Read(Path.Combine(outdir, RunPipeline.OccupancyFolder, RunPipeline.OccupanciesFile));
        Assert.Contains(table.Values, row => row.Any(v => v < 0.5));

        string mavenRule = Path.Combine(TestPaths.NewTempDir(), "occ.csv"), above = Path.Combine(TestPaths.NewTempDir(), "occ.csv");
        string blocks = Path.Combine(outdir, BlockDetection.ExpandFolder);
        Assert.Equal(0, SirenProcess.Run("occupancy", "--voldir", maps, "--blocks", blocks, "--threshold", "0", "--per-voxel", "--out", mavenRule).ExitCode);
        Assert.All(OccupancyTable.Read(mavenRule).Values, row => Assert.All(row, v => Assert.Equal(1.0, v)));
        Assert.Equal(0, SirenProcess.Run("occupancy", "--voldir", maps, "--blocks", blocks, "--threshold", "0", "--per-voxel", "--above", "--out", above).ExitCode);
        Assert.Equal(table.Values, OccupancyTable.Read(above).Values);
    }

    [Fact]
    public void ClassesTheMapsCannotTakeLeaveTheEarlierRunsResults()
    {
        string maps = TestPaths.NewTempDir(), outdir = TestPaths.NewTempDir();
        const int box = 12;
        Synthetic.WriteEnsemble(maps, box, 120, Synthetic.Cube(box, 2, 2, 2, 4), [new Synthetic.Region(Synthetic.Cube(box, 7, 2, 2, 3), 0.3)], seed: 2, noise: 0f);
        string[] run = ["run", "--voldir", maps, "--threshold", "0", "--outdir", outdir, "--device", "cpu", "--classes"];
        Assert.Equal(0, SirenProcess.Run([.. run, "2"]).ExitCode);
        string report = File.ReadAllText(Path.Combine(outdir, RunPipeline.ReportFile));
        // Without labels the run checked no numbering, so its select line leaves select's own check on.
        Assert.Contains("--labels labels.pkl --outdir", report);
        Assert.DoesNotContain("--first-map-id", report);
        string classes = Path.Combine(outdir, RunPipeline.ClassifyFolder, "classes.csv");
        byte[] classesBefore = File.ReadAllBytes(classes);

        // Present or absent: a few distinct occupancy rows among 120 maps, so 30 classes would split identical maps.
        var tooMany = SirenProcess.Run([.. run, "30"]);
        Assert.Equal(2, tooMany.ExitCode);
        Assert.Contains("distinct block occupancies", tooMany.Stderr);
        Assert.Equal(report, File.ReadAllText(Path.Combine(outdir, RunPipeline.ReportFile)));
        Assert.Equal(classesBefore, File.ReadAllBytes(classes));
        Assert.Contains("classify: outputs and stamp match, skipped", SirenProcess.Run([.. run, "2"]).Stderr);

        // Every output the report names is in the stamps: a deleted figure or a damaged sketch redoes its stage.
        File.Delete(Path.Combine(outdir, RunPipeline.ClassifyFolder, "heatmap.png"));
        var redrawn = SirenProcess.Run([.. run, "2"]);
        Assert.Contains("classify: done", redrawn.Stderr);
        Assert.True(File.Exists(Path.Combine(outdir, RunPipeline.ClassifyFolder, "heatmap.png")));
        File.WriteAllText(Path.Combine(outdir, "00_sketch", "blocks.json"), "{");
        Assert.Contains("sketch+expand: done", SirenProcess.Run([.. run, "2"]).Stderr);
    }

    /// <summary>
    /// With cryoDRGN's k-means labels the run counts particles, not only maps, in its mixtures, classes and
    /// report; labels that do not number the maps are refused before any stage runs.
    /// </summary>
    [Fact]
    public void RunWithLabelsCountsParticlesAndRedoesOnlyClassifyWhenTheyChange()
    {
        string maps = TestPaths.NewTempDir(), outdir = TestPaths.NewTempDir();
        SimulationSetup setup = SimulationPresets.DemoSetup(seed: 4);
        EnsembleSimulator.Run(setup.Model, setup.Spec, maps, seed: 4, maps: 60);
        string[] run = ["run", "--voldir", maps, "--thresholds", Path.Combine(maps, EnsembleSimulator.ThresholdsFileName), "--outdir", outdir, "--classes", "2", "--device", "cpu"];
        string pkl = Path.Combine(maps, "labels.pkl");
        long[] labels = Enumerable.Range(0, 60).SelectMany(m => Enumerable.Repeat((long)m, m % 3 + 1)).ToArray(); // 120 particles
        Siren.Core.Curation.NumpyPickle.WriteInt64(pkl, labels);

        var wrong = SirenProcess.Run([.. run, "--labels", pkl, "--first-map-id", "1"]);
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("--first-map-id", wrong.Stderr);
        Assert.False(Directory.Exists(Path.Combine(outdir, BlockDetection.ExpandFolder)));

        var first = SirenProcess.Run([.. run, "--labels", pkl]);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var mixtures = Ensemble.CsvTable.Read(Path.Combine(outdir, "04_classify", "mixtures.csv"));
        int high = mixtures.Column("particles_high"), fraction = mixtures.Column("fraction_particles_high");
        Assert.All(mixtures.Rows, r => Assert.Equal(long.Parse(r[high]) / 120.0, double.Parse(r[fraction], System.Globalization.CultureInfo.InvariantCulture), 12));
        string report = File.ReadAllText(Path.Combine(outdir, "report.md"));
        Assert.Contains("| class | maps | particles |", report);
        Assert.Contains("fraction of particles high", report);
        // The report's select line, as a user pastes it from OUT, with the numbering the run used.
        string select = System.Text.RegularExpressions.Regex.Match(report, "`siren (select [^`]*)`").Groups[1].Value;
        Assert.Contains($"--labels {pkl} --first-map-id 0", select);
        string[] args = select.Replace("--class K", "--class 1", StringComparison.Ordinal).Replace("select_K", "select_1", StringComparison.Ordinal).Split(' ');
        var selected = SirenProcess.Run(args);
        Assert.True(selected.ExitCode == 0, selected.Stderr);

        var plain = SirenProcess.Run(run);
        Assert.Contains("occupancy: outputs and stamp match, skipped", plain.Stderr);
        Assert.Contains("classify: done", plain.Stderr);
        Assert.DoesNotContain("particles", File.ReadAllText(Path.Combine(outdir, "04_classify", "mixtures.csv")));
    }

    /// <summary>
    /// sketch, expand, occupancy and classify into a run's folder replace what a run stage made: what the run
    /// derived from it goes (no report describes the replaced outputs) and the next run redoes the stage.
    /// </summary>
    [Fact]
    public void OtherCommandsIntoARunsFolderMakeItRedoTheirStages()
    {
        string maps = TestPaths.NewTempDir(), outdir = TestPaths.NewTempDir();
        SimulationSetup setup = SimulationPresets.DemoSetup(seed: 3);
        EnsembleSimulator.Run(setup.Model, setup.Spec, maps, seed: 3, maps: 120);
        string thresholds = Path.Combine(maps, EnsembleSimulator.ThresholdsFileName);
        SirenProcess.Result Run() => SirenProcess.Run("run", "--voldir", maps, "--thresholds", thresholds, "--outdir", outdir, "--classes", "2", "--device", "cpu");
        string report = Path.Combine(outdir, "report.md");

        Assert.Equal(0, Run().ExitCode);
        var expand = SirenProcess.Run("expand", "--outdir", outdir, "--exp-frac", "0.5", "--device", "cpu");
        Assert.True(expand.ExitCode == 0, expand.Stderr);
        Assert.Contains("siren run remakes them", expand.Stderr);
        Assert.False(File.Exists(report));
        Assert.False(Directory.Exists(Path.Combine(outdir, "03_occupancy")));
        Assert.Contains("sketch+expand: done", Run().Stderr);

        string occ = Path.Combine(outdir, "03_occupancy", "occupancies.csv");
        var occupancy = SirenProcess.Run("occupancy", "--voldir", maps, "--blocks", Path.Combine(outdir, "02_expand"), "--out", occ);
        Assert.True(occupancy.ExitCode == 0, occupancy.Stderr);
        Assert.False(File.Exists(report));
        // The run's classes of the replaced occupancies went with their stamp, so classify may write there.
        Assert.False(File.Exists(Path.Combine(outdir, "04_classify", "classes.csv")));
        var classifyAfterOccupancy = SirenProcess.Run("classify", "--occupancies", occ, "--outdir", Path.Combine(outdir, "04_classify"), "--classes", "2");
        Assert.True(classifyAfterOccupancy.ExitCode == 0, classifyAfterOccupancy.Stderr);
        var again = Run();
        Assert.Contains("sketch+expand: outputs and stamp match, skipped", again.Stderr);
        Assert.Contains("occupancy: done", again.Stderr);

        var classify = SirenProcess.Run("classify", "--occupancies", occ, "--outdir", Path.Combine(outdir, "04_classify"), "--classes", "3");
        Assert.True(classify.ExitCode == 0, classify.Stderr);
        Assert.False(File.Exists(report));
        var chimerax = SirenProcess.Run("chimerax", "--map", Path.Combine(maps, "vol_000.mrc"), "--thresholds", thresholds, "--blocks", Path.Combine(outdir, "02_expand"), "--out", Path.Combine(outdir, "blocks.cxc"));
        Assert.True(chimerax.ExitCode == 0, chimerax.Stderr);
        Assert.True(File.Exists(Path.Combine(outdir, "blocks.manifest.json")));
        var last = Run();
        Assert.False(File.Exists(Path.Combine(outdir, "blocks.manifest.json"))); // run rewrote the script that manifest described
        Assert.Contains("occupancy: outputs and stamp match, skipped", last.Stderr);
        Assert.Contains("classify: done", last.Stderr);
        Assert.Contains("2 classes", last.Stderr);

        // The run's script may be drawn again by chimerax (the README's step), and chimerax's again by itself.
        string[] redraw = ["chimerax", "--map", Path.Combine(maps, "vol_001.mrc"), "--thresholds", thresholds, "--blocks", Path.Combine(outdir, "02_expand"), "--out", Path.Combine(outdir, "blocks.cxc")];
        var overRun = SirenProcess.Run(redraw);
        Assert.True(overRun.ExitCode == 0, overRun.Stderr);
        var overOwn = SirenProcess.Run(redraw);
        Assert.True(overOwn.ExitCode == 0, overOwn.Stderr);
    }

    /// <summary>Commands sharing a folder keep each other's records: predict-thresholds names its manifest after predictions.csv.</summary>
    [Fact]
    public void PredictThresholdsAndRunShareAFolderAndRunRefusesAnotherCommandsManifest()
    {
        string maps = TestPaths.NewTempDir(), outdir = TestPaths.NewTempDir();
        SimulationSetup setup = SimulationPresets.DemoSetup(seed: 3);
        EnsembleSimulator.Run(setup.Model, setup.Spec, maps, seed: 3, maps: 120);
        Assert.Equal(0, SirenProcess.Run("predict-thresholds", "--voldir", maps, "--outdir", outdir).ExitCode);
        var run = SirenProcess.Run("run", "--voldir", maps, "--thresholds", Path.Combine(outdir, "predictions.csv"), "--outdir", outdir, "--classes", "2", "--device", "cpu");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("\"command\": \"predict-thresholds\"", File.ReadAllText(Path.Combine(outdir, "predictions.manifest.json")));
        var again = SirenProcess.Run("predict-thresholds", "--voldir", maps, "--outdir", outdir);
        Assert.True(again.ExitCode == 0, again.Stderr); // refreshing the levels the run uses, in their own folder

        new Siren.Core.Blocks.RunManifest("simulate").Write(maps);
        BadInput(SirenProcess.Run("run", "--voldir", maps, "--thresholds", Path.Combine(outdir, "predictions.csv"), "--outdir", maps, "--classes", "2", "--device", "cpu"));
        Assert.Contains("\"command\": \"simulate\"", File.ReadAllText(Path.Combine(maps, "manifest.json")));
    }

    private static void BadInput(SirenProcess.Result r) => Siren.Core.Tests.Cli.BadInputTests.AssertOneError(r, "manifest.json of siren simulate", "Fix:");
}
