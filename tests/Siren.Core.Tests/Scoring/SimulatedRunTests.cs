using Siren.Core.Kernels;
using Siren.Core.Scoring;
using Siren.Core.Simulation;

namespace Siren.Core.Tests.Scoring;

/// <summary>
/// End to end on simulated ground truth: the demo complex and the SIREn paper's uL2 titration (Fig. 3),
/// through the real sketch and expand with the simulator's true thresholds and --filter.
/// </summary>
public class SimulatedRunTests
{
    private const int Ul2Maps = 300;

    private static SimulatedRunResult RunUl2(int deletion, double intact) =>
        SimulatedRun.Run(SimulationPresets.Ul2TitrationSetup(Path.Combine(TestPaths.SharedData!, "ecoli50s_model"), deletion, intact),
            TestPaths.NewTempDir(), new CpuCooccurrenceBackend(), seed: 0, maps: Ul2Maps);

    [Fact]
    public void DemoCommand_RecoversEveryVariableRegionWithoutFalseBlocks()
    {
        // The README's first command, run as a user would (200 maps instead of 300 to keep the suite fast).
        string outdir = TestPaths.NewTempDir();
        var demo = SirenProcess.Run("demo", "--n", "200", "--outdir", outdir);

        Assert.True(demo.ExitCode == 0, demo.Stderr);
        Assert.Contains("score: 5/5 regions found", demo.Stdout);
        // --filter drops the wrong-scale junk maps.
        SimulationTruth truth = SimulationTruth.Read(Path.Combine(outdir, SimulatedRun.MapsFolder));
        int wrongScale = truth.Maps.Count(m => m.Junk == "scale");
        Assert.True(wrongScale > 0);
        Assert.Contains($"200 maps ({200 - wrongScale} kept by --filter)", demo.Stdout);
        ScoreReport rescored = BlockScorer.Score(Path.Combine(outdir, "02_expand"), Path.Combine(outdir, SimulatedRun.MapsFolder));
        Assert.True(rescored.Found == 5 && rescored.FalseBlocks == 0, rescored.FormatTable());
        Assert.True(File.Exists(Path.Combine(outdir, ScoreReport.FileName)));
        Assert.True(File.Exists(Path.Combine(outdir, "01_thresholds", "predictions.csv")));
        // Predicting the levels is timed apart from sketch and expand, which the README's speed claims are about.
        var seconds = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(outdir, "manifest.json")))!["seconds"]!;
        foreach (string step in new[] { "simulate", "thresholds", "sketch_expand", "score" })
            Assert.True(seconds[step]!.GetValue<double>() >= 0, step);

        // Again on the simulator's true levels: the model's levels of the first run do not stay beside it.
        var truthRun = SirenProcess.Run("demo", "--n", "60", "--outdir", outdir, "--thresholds-from", "truth");
        Assert.True(truthRun.ExitCode == 0, truthRun.Stderr);
        Assert.False(Directory.Exists(Path.Combine(outdir, "01_thresholds")));
    }

    [SharedDataFact]
    public void Ul2FullDeletionAtHalfIntact_IsFoundAsABlock()
    {
        SimulatedRunResult run = RunUl2(271, 0.5);

        RegionScore ul2 = Assert.Single(run.Score.Regions);
        Assert.True(ul2.Jaccard >= 0.5, run.Score.FormatTable());
        Assert.Equal(0, run.Score.FalseBlocks);
    }

    [SharedDataFact]
    public void Ul2HomogeneousControl_GivesNoBlock()
    {
        SimulatedRunResult run = RunUl2(271, 1.0);

        Assert.Empty(run.Score.Regions);
        Assert.Empty(run.Detection.Expand.Blocks.Blocks);
    }
}
