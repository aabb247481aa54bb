using Siren.Core.Blocks;
using Siren.Core.Simulation;

namespace Siren.Core.Tests.Pipeline;

/// <summary>`siren run` with no threshold option: the shipped model predicts them, once.</summary>
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

        var second = SirenProcess.Run("run", "--voldir", maps, "--outdir", outdir, "--classes", "2", "--device", "cpu");
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Contains("thresholds: outputs and stamp match, skipped", second.Stderr);
        Assert.Contains("sketch+expand: outputs and stamp match, skipped", second.Stderr);
        Assert.True(sim.Truth.Regions.Count > 0);

        // Other maps under the same names, with the same times (cp -p): their levels are predicted anew.
        string other = TestPaths.NewTempDir();
        EnsembleSimulator.Run(setup.Model, setup.Spec, other, seed: 6, maps: 60);
        foreach (string m in Directory.GetFiles(maps, "*.mrc"))
            File.SetLastWriteTimeUtc(Path.Combine(other, Path.GetFileName(m)), File.GetLastWriteTimeUtc(m));
        var third = SirenProcess.Run("run", "--voldir", other, "--outdir", outdir, "--classes", "2", "--device", "cpu");
        Assert.True(third.ExitCode == 0, third.Stderr);
        Assert.Contains("predicting thresholds", third.Stderr);
        Assert.NotEqual(rows, File.ReadAllLines(csv));
    }
}
