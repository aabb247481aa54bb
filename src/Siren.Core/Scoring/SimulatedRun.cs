using System.Diagnostics;
using Siren.Core.Blocks;
using Siren.Core.Ensemble;
using Siren.Core.Kernels;
using Siren.Core.Simulation;

namespace Siren.Core.Scoring;

/// <summary>One simulate → sketch → expand → score run, with the wall time of each step (seconds).</summary>
public sealed record SimulatedRunResult(SimulationResult Simulation, DetectionResult Detection, ScoreReport Score,
    double SimulateSeconds, double DetectSeconds, double ScoreSeconds)
{
    public double TotalSeconds => SimulateSeconds + DetectSeconds + ScoreSeconds;
}

/// <summary>
/// The end-to-end check behind siren demo, the uL2 titration tests and the benchmark script: simulate
/// an ensemble into OUT/maps, detect blocks with the simulator's true thresholds (until a threshold model
/// predicts them) into OUT/00_sketch and OUT/02_expand, and score OUT/02_expand against the truth into OUT/score.json.
/// </summary>
public static class SimulatedRun
{
    public const string MapsFolder = "maps";

    /// <param name="configure">Adjusts the detection options (defaults: the paper's, --filter on, seed = <paramref name="seed"/>).</param>
    public static SimulatedRunResult Run(SimulationSetup setup, string outdir, ICooccurrenceBackend backend, ulong seed = 0, int? maps = null,
        Func<DetectionOptions, DetectionOptions>? configure = null, Action<string>? log = null, Func<string, IProgress<double>?>? progress = null)
    {
        string root = IO.AtomicFile.EnsureDirectory(outdir);
        string mapsDir = Path.Combine(root, MapsFolder);
        var sw = Stopwatch.StartNew();
        SimulationResult simulation = EnsembleSimulator.Run(setup.Model, setup.Spec, mapsDir, seed, maps, log, progress?.Invoke("simulate"));
        double simulateSeconds = Lap(sw);

        var options = new DetectionOptions
        {
            VolDir = mapsDir,
            Thresholds = Thresholds.FromCsv(Path.Combine(mapsDir, EnsembleSimulator.ThresholdsFileName)),
            Filter = true,
            Seed = seed,
        };
        DetectionResult detection = BlockDetection.Run(configure?.Invoke(options) ?? options, root, backend, log, progress);
        double detectSeconds = Lap(sw);

        ScoreReport score = BlockScorer.Score(detection.Expand.Blocks, simulation.Truth,
            Path.Combine(root, BlockDetection.ExpandFolder), Path.Combine(mapsDir, SimulationTruth.FileName));
        score.Write(Path.Combine(root, ScoreReport.FileName));
        return new SimulatedRunResult(simulation, detection, score, simulateSeconds, detectSeconds, Lap(sw));
    }

    private static double Lap(Stopwatch sw)
    {
        double s = sw.Elapsed.TotalSeconds;
        sw.Restart();
        return s;
    }
}
