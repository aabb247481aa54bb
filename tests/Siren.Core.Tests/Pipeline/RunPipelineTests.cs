using Siren.Core.Blocks;
using Siren.Core.Classification;
using Siren.Core.Ensemble;
using Siren.Core.Kernels;
using Siren.Core.Pipeline;
using Siren.Core.Simulation;

namespace Siren.Core.Tests.Pipeline;

public class RunPipelineTests
{
    /// <summary>
    /// siren run end to end on the simulator's demo ensemble (two docked subunits present in part of the
    /// maps, an arm in three poses): blocks must be found for at least two true regions, and each such
    /// block's low/high labels must agree with which maps truly have the region and its fraction high
    /// with the true fraction; a rerun skips every stage, a new class count reruns only classify.
    /// </summary>
    [Fact]
    public void FindsTrueRegionsAndLabelsTheirMapsThenResumes()
    {
        string dir = TestPaths.NewTempDir();
        string maps = Path.Combine(dir, "maps");
        SimulationSetup setup = SimulationPresets.DemoSetup(seed: 3);
        SimulationResult sim = EnsembleSimulator.Run(setup.Model, setup.Spec, maps, seed: 3, maps: 120);
        var options = new RunOptions
        {
            Detection = new DetectionOptions { VolDir = maps, Thresholds = Thresholds.FromCsv(Path.Combine(maps, EnsembleSimulator.ThresholdsFileName)) },
            Classify = new ClassifyOptions { Classes = 3 },
        };
        string outdir = Path.Combine(dir, "out");
        using var backend = new CpuCooccurrenceBackend();

        RunResult first = RunPipeline.Run(options, outdir, backend);

        Assert.All(first.Stages, s => Assert.False(s.Skipped));
        var table = Siren.Core.Occupancy.OccupancyTable.Read(Path.Combine(outdir, RunPipeline.OccupancyFolder, "occupancies.csv"));
        var truthById = sim.Truth.Maps.ToDictionary(m => m.Id);
        // Every primary region (a subunit, an arm pose) present in at most half the maps is found. Overlaps of
        // poses need not be (the score's rule), nor regions present in more (docs/method.md: the positive pass
        // cannot relate voxels occupied in more than about 57 % of the maps; D and E are here near 60 %).
        var missed = new List<string>();
        int expected = sim.Truth.Regions.Count(r => r.Primary && r.PresentFraction <= 0.5);
        foreach (TruthRegion region in sim.Truth.Regions)
        {
            var voxels = new HashSet<int>(region.Voxels);
            Block best = first.Blocks.Blocks.MaxBy(b => Synthetic.Jaccard(b.Voxels, voxels))!;
            if (Synthetic.Jaccard(best.Voxels, voxels) < 0.5)
            {
                if (region.Primary && region.PresentFraction <= 0.5) missed.Add(region.Name);
                continue;
            }
            // A map truly has the region when its subunit is present or its arm sits in that pose.
            bool Present(int id) => region.Poses is int[] poses ? poses.Contains(truthById[id].Poses[region.Group]) : truthById[id].Occupancies[region.Group] > 0.5;
            BlockMixture mixture = first.Classes!.Mixtures.Single(m => m.Block == $"block_{best.Id}");
            int agree = table.MapIds.Select((id, r) => mixture.High[r] == Present(id)).Count(a => a);
            Assert.True(agree >= 0.9 * table.Rows, $"{region.Name}: {agree} of {table.Rows} maps labelled as their truth");
            Assert.InRange(mixture.FractionHigh, region.PresentFraction - 0.1, region.PresentFraction + 0.1);
            Assert.Contains($"block_{best.Id}", File.ReadAllText(Path.Combine(outdir, "report.md")));
        }
        Assert.True(missed.Count == 0, $"primary regions not found as blocks: {string.Join(", ", missed)}");
        Assert.Equal(3, expected); // the arm's three poses
        foreach (string f in new[] { "report.md", "blocks.cxc", "manifest.json", "04_classify/heatmap.png", "04_classify/classes.csv" })
            Assert.True(File.Exists(Path.Combine(outdir, f)), f);

        RunResult again = RunPipeline.Run(options, outdir, backend);
        Assert.All(again.Stages, s => Assert.True(s.Skipped, s.Stage));

        RunResult reclassified = RunPipeline.Run(options with { Classify = new ClassifyOptions { Classes = 2 } }, outdir, backend);
        Assert.Equal([true, true, false], reclassified.Stages.Select(s => s.Skipped));
        Assert.Equal(2, reclassified.Classes!.Classes.Max());
    }

    /// <summary>
    /// A map --filter leaves out of block detection (an outlying threshold) is left out of the occupancies and
    /// classes too; the report said "120 maps" and classified it at its outlying level. With labels, the
    /// particles of the dropped map (here the last: its class lies past the table's last map) are not counted.
    /// </summary>
    [Fact]
    public void MapsTheFilterDropsAreNotMeasuredOrClassified()
    {
        var (maps, outdir, options) = DemoEnsemble(new ClassifyOptions { Classes = 2, Plots = false });
        string csv = Path.Combine(maps, EnsembleSimulator.ThresholdsFileName);
        string[] lines = File.ReadAllLines(csv);
        string[] last = lines[^1].Split(',');
        last[1] = "1000";
        lines[^1] = string.Join(',', last);
        string edited = Path.Combine(Path.GetDirectoryName(outdir)!, "thresholds.csv");
        File.WriteAllLines(edited, lines);
        string labels = Path.Combine(Path.GetDirectoryName(outdir)!, "labels.pkl");
        Siren.Core.Curation.NumpyPickle.WriteInt64(labels, Enumerable.Range(0, 240).Select(i => (long)(i / 2)).ToArray());
        using var backend = new CpuCooccurrenceBackend();
        var log = new List<string>();
        RunResult result = RunPipeline.Run(options with { Detection = options.Detection with { Thresholds = Thresholds.FromCsv(edited), Filter = true }, Labels = labels },
            outdir, backend, log.Add);

        var table = Siren.Core.Occupancy.OccupancyTable.Read(Path.Combine(outdir, RunPipeline.OccupancyFolder, RunPipeline.OccupanciesFile));
        Assert.Equal(119, table.Rows);
        Assert.DoesNotContain(int.Parse(last[0]), table.MapIds);
        Assert.Equal(238, result.Classes!.Particles!.Sum());
        Assert.Contains(log, l => l.StartsWith("warning: 2 of 240 particles belong to k-means classes with no map"));
        Assert.Contains("119 maps from", File.ReadAllText(Path.Combine(outdir, RunPipeline.ReportFile)));
        Assert.Contains("1 of the folder's 120 left out", File.ReadAllText(Path.Combine(outdir, RunPipeline.ReportFile)));
    }

    /// <summary>A stage whose outputs were deleted or damaged since it ran is redone, not skipped as current.</summary>
    [Fact]
    public void ADamagedOrMissingOutputRedoesItsStage()
    {
        var (_, outdir, options) = DemoEnsemble(new ClassifyOptions { Classes = 2, Plots = false });
        using var backend = new CpuCooccurrenceBackend();
        RunResult first = RunPipeline.Run(options, outdir, backend);

        File.Delete(Path.Combine(outdir, BlockDetection.ExpandFolder, $"block_{first.Blocks.Blocks[0].Id}.mrc"));
        RunResult missing = RunPipeline.Run(options, outdir, backend);
        Assert.Equal([false, false, false], missing.Stages.Select(s => s.Skipped));
        Assert.True(File.Exists(Path.Combine(outdir, BlockDetection.ExpandFolder, $"block_{first.Blocks.Blocks[0].Id}.mrc")));

        string occ = Path.Combine(outdir, RunPipeline.OccupancyFolder, RunPipeline.OccupanciesFile);
        File.WriteAllLines(occ, File.ReadAllLines(occ)[..10]);
        RunResult truncated = RunPipeline.Run(options, outdir, backend);
        Assert.Equal([true, false, false], truncated.Stages.Select(s => s.Skipped));
        Assert.Equal(121, File.ReadAllLines(occ).Length);
        Assert.All(RunPipeline.Run(options, outdir, backend).Stages, s => Assert.True(s.Skipped, s.Stage));
    }

    /// <summary>The simulator's demo ensemble (120 maps, its true thresholds) and run options on it, with an output folder.</summary>
    private static (string Maps, string Outdir, RunOptions Options) DemoEnsemble(ClassifyOptions classify)
    {
        string dir = TestPaths.NewTempDir();
        string maps = Path.Combine(dir, "maps");
        SimulationSetup setup = SimulationPresets.DemoSetup(seed: 3);
        EnsembleSimulator.Run(setup.Model, setup.Spec, maps, seed: 3, maps: 120);
        var detection = new DetectionOptions { VolDir = maps, Thresholds = Thresholds.FromCsv(Path.Combine(maps, EnsembleSimulator.ThresholdsFileName)) };
        return (maps, Path.Combine(dir, "out"), new RunOptions { Detection = detection, Classify = classify });
    }

    /// <summary>
    /// Outputs that describe other inputs or options must not survive beside the new ones: an option turned
    /// off (assignments.csv), new blocks from siren expand into the run's folder, and a run that fails.
    /// </summary>
    [Fact]
    public void NoOutputOutlivesTheInputsItDescribes()
    {
        var (maps, outdir, options) = DemoEnsemble(new ClassifyOptions { Classes = 2, AssignMax = true });
        using var backend = new CpuCooccurrenceBackend();
        string assignments = Path.Combine(outdir, RunPipeline.ClassifyFolder, "assignments.csv");

        RunPipeline.Run(options, outdir, backend);
        Assert.True(File.Exists(assignments));
        RunPipeline.Run(options with { Classify = options.Classify with { AssignMax = false } }, outdir, backend);
        Assert.False(File.Exists(assignments));

        string blocks = File.ReadAllText(Path.Combine(outdir, BlockDetection.ExpandFolder, BlockSet.FileName));
        BlockDetection.RunExpand(outdir, o => o with { ExpFrac = 0.6 }, backend);
        var log = new List<string>();
        RunPipeline.RemoveDerivedFromBlocks(outdir, log.Add);
        foreach (string derived in new[] { RunPipeline.OccupancyFolder, RunPipeline.ClassifyFolder, RunPipeline.ReportFile, RunPipeline.ChimeraXFile, "manifest.json" })
            Assert.False(Path.Exists(Path.Combine(outdir, derived)), derived);
        Assert.Contains("siren run remakes them", Assert.Single(log));
        RunResult rerun = RunPipeline.Run(options, outdir, backend);
        Assert.All(rerun.Stages, s => Assert.False(s.Skipped, s.Stage)); // the expand's blocks carry no run stamp
        Assert.Equal(blocks, File.ReadAllText(Path.Combine(outdir, BlockDetection.ExpandFolder, BlockSet.FileName)));

        // Other levels read from the same name (a pipe, --thresholds <(…), reads once): the levels are in the stamp.
        var levels = VolumeFolder.List(maps).ToDictionary(m => m.MapId, m => options.Detection.Thresholds.For(m.MapId));
        var piped = options with { Detection = options.Detection with { Thresholds = Thresholds.PerMap(levels, "/dev/fd/63") } };
        RunPipeline.Run(piped, outdir, backend);
        var scaled = levels.ToDictionary(kv => kv.Key, kv => kv.Value * 1.1);
        RunResult other = RunPipeline.Run(piped with { Detection = piped.Detection with { Thresholds = Thresholds.PerMap(scaled, "/dev/fd/63") } }, outdir, backend);
        Assert.False(other.Stages[0].Skipped);

        // Thresholds above every voxel fail the detection: nothing of the previous run may look current.
        var none = options with { Detection = options.Detection with { Thresholds = Thresholds.Constant(1e30) } };
        Assert.Throws<SirenException>(() => RunPipeline.Run(none, outdir, backend));
        foreach (string derived in new[] { RunPipeline.OccupancyFolder, RunPipeline.ClassifyFolder, RunPipeline.ReportFile, RunPipeline.ChimeraXFile, "manifest.json" })
            Assert.False(Path.Exists(Path.Combine(outdir, derived)), derived);
    }

    [Fact]
    public void AFailedFirstRunLeavesTheFolderOwnersFilesAlone()
    {
        string dir = TestPaths.NewTempDir();
        string maps = Path.Combine(dir, "maps");
        SimulationSetup setup = SimulationPresets.DemoSetup(seed: 3);
        EnsembleSimulator.Run(setup.Model, setup.Spec, maps, seed: 3, maps: 20);
        // The simulation's own folder as --outdir: a manifest.json of siren simulate, and a report.md of the user's.
        string theirs = "{\"command\": \"simulate\"}";
        File.WriteAllText(Path.Combine(maps, "manifest.json"), theirs);
        File.WriteAllText(Path.Combine(maps, "report.md"), "my notes");
        var options = new RunOptions { Detection = new DetectionOptions { VolDir = maps, Thresholds = Thresholds.Constant(1e30) } };
        using var backend = new CpuCooccurrenceBackend();

        Assert.Throws<SirenException>(() => RunPipeline.Run(options, maps, backend));
        Assert.Equal(theirs, File.ReadAllText(Path.Combine(maps, "manifest.json")));
        Assert.Equal("my notes", File.ReadAllText(Path.Combine(maps, "report.md")));
    }

    [Fact]
    public void ARerunStageRemovesItsOwnFilesNotTheUsers()
    {
        var (maps, outdir, options) = DemoEnsemble(new ClassifyOptions { Classes = 2 });
        using var backend = new CpuCooccurrenceBackend();
        RunPipeline.Run(options, outdir, backend);
        string subset = Path.Combine(outdir, RunPipeline.ClassifyFolder, "class2", "maps.txt"), notes = Path.Combine(outdir, RunPipeline.OccupancyFolder, "notes.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(subset)!);
        File.WriteAllText(subset, "a select run into the stage folder\n");
        File.WriteAllText(notes, "mine\n");
        // The user's own levels kept beside a run's predicted ones: a run given them must not remove them.
        string levels = Path.Combine(outdir, RunPipeline.ThresholdsFolder, "my_levels.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(levels)!);
        File.Copy(Path.Combine(maps, EnsembleSimulator.ThresholdsFileName), levels);

        RunPipeline.Run(options with { Detection = options.Detection with { Thresholds = Thresholds.FromCsv(levels), Seed = 9 } }, outdir, backend);

        Assert.True(File.Exists(subset) && File.Exists(notes) && File.Exists(levels));
        Assert.True(File.Exists(Path.Combine(outdir, RunPipeline.ClassifyFolder, "classes.csv")));
    }

    [Fact]
    public void LeavingAStageTheRunNeverMadeKeepsItsResults()
    {
        // A run on given thresholds never read 01_thresholds: levels predicted there change none of its results.
        var (_, outdir, options) = DemoEnsemble(new ClassifyOptions { Classes = 2 });
        using var backend = new CpuCooccurrenceBackend();
        RunPipeline.Run(options, outdir, backend);
        RunPipeline.LeaveStage(Path.Combine(outdir, RunPipeline.ThresholdsFolder));
        Assert.True(File.Exists(Path.Combine(outdir, RunPipeline.OccupancyFolder, RunPipeline.OccupanciesFile)));
        Assert.True(File.Exists(Path.Combine(outdir, RunPipeline.ClassifyFolder, "classes.csv")));
    }

    [Fact]
    public void LeavingAStageRemovesTheRunsFilesThereAndTheLaterStamps()
    {
        var (maps, outdir, options) = DemoEnsemble(new ClassifyOptions { Classes = 2, AssignMax = true });
        using var backend = new CpuCooccurrenceBackend();
        RunPipeline.Run(options, outdir, backend);
        // A folder made by hand where a summary goes is the user's, whatever a rerun removes.
        File.Delete(Path.Combine(outdir, RunPipeline.ReportFile));
        Directory.CreateDirectory(Path.Combine(outdir, RunPipeline.ReportFile));
        File.WriteAllText(Path.Combine(outdir, RunPipeline.ReportFile, "precious.txt"), "mine");

        // occupancy of other masks into the run's 03_occupancy: classify's stamp goes too (it vouched for the old
        // table), and so do the classes made from that table, which unstamped would be nobody's.
        string user = Path.Combine(outdir, RunPipeline.ClassifyFolder, "class2");
        Directory.CreateDirectory(user);
        File.WriteAllText(Path.Combine(user, "notes.txt"), "mine");
        RunPipeline.LeaveStage(Path.Combine(outdir, RunPipeline.OccupancyFolder) + Path.DirectorySeparatorChar);
        Assert.False(File.Exists(Path.Combine(outdir, RunPipeline.OccupancyFolder, RunPipeline.StampFile)));
        Assert.False(File.Exists(Path.Combine(outdir, RunPipeline.OccupancyFolder, RunPipeline.OccupanciesFile)));
        Assert.False(File.Exists(Path.Combine(outdir, RunPipeline.ClassifyFolder, RunPipeline.StampFile)));
        Assert.False(File.Exists(Path.Combine(outdir, RunPipeline.ClassifyFolder, "assignments.csv")));
        Assert.False(File.Exists(Path.Combine(outdir, RunPipeline.ClassifyFolder, "heatmap.png")));
        Assert.True(File.Exists(Path.Combine(user, "notes.txt")));
        Assert.True(File.Exists(Path.Combine(outdir, RunPipeline.ReportFile, "precious.txt")));

        // Into 04_classify: the run's figures and assignments go with its stamp, not only the stamp; without a
        // stamp, files there are no longer the run's to remove.
        File.WriteAllText(Path.Combine(outdir, RunPipeline.ClassifyFolder, "assignments.csv"), "vol_id,block\n");
        RunPipeline.LeaveStage(Path.Combine(outdir, RunPipeline.ClassifyFolder));
        Assert.True(File.Exists(Path.Combine(outdir, RunPipeline.ClassifyFolder, "assignments.csv")));
        File.WriteAllText(Path.Combine(outdir, RunPipeline.ClassifyFolder, RunPipeline.StampFile), "{}");
        RunPipeline.LeaveStage(Path.Combine(outdir, RunPipeline.ClassifyFolder));
        Assert.False(File.Exists(Path.Combine(outdir, RunPipeline.ClassifyFolder, "assignments.csv")));
    }
}
