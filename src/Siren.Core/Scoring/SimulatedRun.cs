using System.Diagnostics;
using Siren.Core.Blocks;
using Siren.Core.Ensemble;
using Siren.Core.Kernels;
using Siren.Core.Simulation;

namespace Siren.Core.Scoring;

/// <summary>
/// One simulate → thresholds → sketch → expand → score run, with the wall time of each step (seconds);
/// ThresholdSeconds is the configure callback's (predicting the levels), DetectSeconds sketch and expand alone.
/// </summary>
public sealed record SimulatedRunResult(SimulationResult Simulation, DetectionResult Detection, ScoreReport Score,
    double SimulateSeconds, double ThresholdSeconds, double DetectSeconds, double ScoreSeconds);

/// <summary>
/// The end-to-end check behind siren demo, the uL2 titration tests and the benchmark script: simulate
/// an ensemble into OUT/maps, detect blocks into OUT/00_sketch and OUT/02_expand at the simulator's true
/// thresholds or those the configure callback sets (siren demo predicts them with the shipped model), and score OUT/02_expand against the truth into OUT/score.json.
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
        DetectionOptions configured = configure?.Invoke(options) ?? options;
        double thresholdSeconds = Lap(sw);
        DetectionResult detection = BlockDetection.Run(configured, root, backend, log, progress);
        double detectSeconds = Lap(sw);

        ScoreReport score = BlockScorer.Score(detection.Expand.Blocks, simulation.Truth,
            Path.Combine(root, BlockDetection.ExpandFolder), Path.Combine(mapsDir, SimulationTruth.FileName));
        score.Write(Path.Combine(root, ScoreReport.FileName));
        return new SimulatedRunResult(simulation, detection, score, simulateSeconds, thresholdSeconds, detectSeconds, Lap(sw));
    }

    private static double Lap(Stopwatch sw)
    {
        double s = sw.Elapsed.TotalSeconds;
        sw.Restart();
        return s;
    }
}
