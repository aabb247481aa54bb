using Siren.Core.Blocks;
using Siren.Core.Ensemble;
using Siren.Core.Kernels;
using Siren.Core.Simulation;

namespace Siren.Core.Tests.Blocks;

/// <summary>The paper's undetected case: intact uL2 in 75 % of 50S maps. With --pass both it is found.</summary>
public class ComplementUl2Tests
{
    [SharedDataFact]
    public void Ul2IntactInThreeQuartersOfMapsIsFoundWithBothPasses()
    {
        SimulationSetup setup = SimulationPresets.Ul2TitrationSetup(Path.Combine(TestPaths.SharedData!, "ecoli50s_model"), 271, 0.75);
        string maps = TestPaths.NewTempDir();
        SimulationResult sim = EnsembleSimulator.Run(setup.Model, setup.Spec, maps, seed: 1, maps: 300);
        int[] ul2 = sim.Truth.Regions.Single().Voxels;

        var options = new DetectionOptions
        {
            VolDir = maps,
            Thresholds = Thresholds.FromCsv(Path.Combine(maps, EnsembleSimulator.ThresholdsFileName)),
            Seed = 1,
            Passes = PassSelection.Both,
        };
        DetectionResult result = BlockDetection.Run(options, TestPaths.NewTempDir(), new CpuCooccurrenceBackend());
        Block best = result.Expand.Blocks.Blocks.MaxBy(b => Synthetic.Jaccard(b.Voxels, ul2))!;
        Assert.True(Synthetic.Jaccard(best.Voxels, ul2) >= 0.5, $"best uL2 Jaccard {Synthetic.Jaccard(best.Voxels, ul2):F2}");
        Assert.NotEqual(BlockSet.PositivePass, best.Pass);
    }
}
