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
    public void Demo_RecoversEveryVariableRegionWithoutFalseBlocks()
    {
        SimulatedRunResult run = SimulatedRun.Run(SimulationPresets.DemoSetup(), TestPaths.NewTempDir(), new CpuCooccurrenceBackend(), seed: 0, maps: 200);

        Assert.Equal(5, run.Score.PrimaryRegions);
        Assert.True(run.Score.Found == run.Score.PrimaryRegions, run.Score.FormatTable());
        Assert.True(run.Score.FalseBlocks == 0, run.Score.FormatTable());
        Assert.True(run.Detection.Ensemble.Dropped.Count >= 1, "the demo's junk maps should be dropped by --filter");
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
