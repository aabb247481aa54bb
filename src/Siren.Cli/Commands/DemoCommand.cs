using System.CommandLine;
using System.Globalization;
using Siren.Core;
using Siren.Core.Blocks;
using Siren.Core.IO;
using Siren.Core.Kernels;
using Siren.Core.Pipeline;
using Siren.Core.Scoring;
using Siren.Core.Simulation;
using Siren.Core.Thresholding;
using Siren.Interop.Cuda;

namespace Siren.Cli.Commands;

/// <summary>
/// siren demo: the first command a new user runs. Simulates the built-in complex, finds its blocks and scores them.
/// Example: siren demo --outdir demo_out
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var outdir = new Option<string>("--outdir") { Description = "Output folder (maps/, 01_thresholds/ with --thresholds-from model, 00_sketch/, 02_expand/, score.json, manifest.json).", DefaultValueFactory = _ => "siren_demo" };
        var seed = new Option<ulong>("--seed") { Description = "Seed for the simulation and the sketch.", DefaultValueFactory = _ => 0UL };
        var count = new Option<int?>("--n") { Description = "Number of maps (default: the preset's; demo 300, ul2-titration 500)." };
        var device = DetectionArguments.DeviceOption();
        var preset = new Option<string?>("--preset") { Description = "Ensemble to run end to end: demo (default), or ul2-titration (with --model, --deletion, --intact)." };
        var spec = new Option<string?>("--spec") { Description = "Instead of a preset: a heterogeneity spec (see siren simulate --help) with --model or --builtin." };
        var builtin = new Option<bool>("--builtin") { Description = "With --spec: simulate the built-in pseudo-complex." };
        preset.AcceptOnlyFromAmong(SimulationPresets.Names);
        var model = new Option<string?>("--model") { Description = "ul2-titration: the 50S model folder (../shared/data/ecoli50s_model); with --spec: any PDB/mmCIF model." };
        var deletion = new Option<int>("--deletion") { Description = "ul2-titration: C-terminal residues of uL2 deleted.", DefaultValueFactory = _ => 271 };
        var levels = new Option<string>("--thresholds-from") { Description = "model: predict each map's threshold with the shipped model (siren predict-thresholds); truth: the simulator's true thresholds.", DefaultValueFactory = _ => "model" };
        levels.AcceptOnlyFromAmong("model", "truth");
        var pass = ChoiceOption.Create("--pass", "positive (the paper's method), complement, or both (docs/method.md).", DetectionOptions.DefaultPasses);
        var intact = new Option<double>("--intact") { Description = "ul2-titration: fraction of maps with intact uL2.", DefaultValueFactory = _ => 0.5 };
        var command = new Command("demo",
            "Run SIREn end to end on a simulated ensemble that needs no input file: the built-in pseudo-complex (three core subunits, " +
            "two docked subunits present in some classes, an arm in three poses) is simulated with per-map resolution, scale, noise, " +
            "partial occupancy and junk maps (siren simulate --preset demo), binarized at thresholds predicted by the shipped model (or the simulator's true ones) with --filter, " +
            "sketched and expanded, and the blocks are scored against the true variable regions (siren score). " +
            "--preset ul2-titration runs the paper's uL2 deletion titration on the 50S model the same way.\n\n" +
            "Examples:\n  siren demo --outdir demo_out\n" +
            "  siren demo --preset ul2-titration --model ../shared/data/ecoli50s_model --deletion 271 --intact 0.5 --outdir ul2_d271_i50")
        {
            outdir, seed, count, device, preset, spec, builtin, model, deletion, intact, pass, levels,
        };
        command.SetAction(pr =>
        {
            ulong seedValue = pr.GetValue(seed);
            string dir = pr.GetValue(outdir)!;
            // simulate alone may write one map; demo goes on to co-occupancy, which needs an ensemble.
            if (pr.GetValue(count) is int n && n < 2)
                throw new SirenException($"--n {n}: demo finds blocks in the maps it simulates, and co-occupancy needs at least 2. Fix: pass --n 2 or more (or omit it for the preset's).");

            string? specPath = pr.GetValue(spec);
            string? presetName = pr.GetValue(preset) ?? (specPath is null ? SimulationPresets.Demo : null);
            SimulateCommand.WarnUnusedTitrationOptions(pr, presetName, deletion, intact);
            // The demo's manifest.json would replace another command's record of its files there (a simulation's).
            RunManifest.RequireOwnOutputs(AtomicFile.EnsureDirectory(dir), "demo", []);
            PassSelection passes = pr.ValueOr(pass, DetectionOptions.DefaultPasses);
            SimulationSetup setup = SimulateCommand.Resolve(presetName, specPath, pr.GetValue(model), pr.GetValue(builtin), pr.GetValue(deletion), pr.GetValue(intact), seedValue);
            using ICooccurrenceBackend backend = DeviceSelection.Create(pr.GetValue(device)!, CliHost.Log);
            CliHost.Log($"demo: simulating {setup.Spec.Name} into {Path.Combine(dir, SimulatedRun.MapsFolder)}");
            SimulatedRunResult run = SimulatedRun.Run(setup, dir, backend, seedValue, pr.GetValue(count),
                configure: o => o with { Passes = passes, Thresholds = pr.GetValue(levels) == "model" ? Predict(o.VolDir, dir) : o.Thresholds },
                log: CliHost.Log, progress: CliHost.Progress);
            RunPipeline.RemoveDerivedFromBlocks(dir, CliHost.Log);
            // Levels predicted for an earlier demo's maps would sit beside a run on the true ones, looking current.
            if (pr.GetValue(levels) != "model") RunPipeline.RemovePredictedThresholds(dir);
            new RunManifest("demo").Parameter("preset", setup.Spec.Name).Parameter("seed", seedValue).Parameter("maps", run.Simulation.Truth.Maps.Count).Parameter("backend", backend.Name).Parameter("pass", passes.ToString().ToLowerInvariant()).Parameter("thresholds_from", pr.GetValue(levels))
                .Result("found", run.Score.Found).Result("regions", run.Score.Regions.Count).Result("false_blocks", run.Score.FalseBlocks)
                .Seconds("simulate", TimeSpan.FromSeconds(run.SimulateSeconds)).Seconds("thresholds", TimeSpan.FromSeconds(run.ThresholdSeconds))
                .Seconds("sketch_expand", TimeSpan.FromSeconds(run.DetectSeconds)).Seconds("score", TimeSpan.FromSeconds(run.ScoreSeconds))
                .Write(dir);
            Console.WriteLine(run.Score.FormatTable());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"demo: {run.Simulation.Truth.Maps.Count} maps ({run.Detection.Ensemble.Kept.Count} kept by --filter); simulate {run.SimulateSeconds:F1} s, " +
                $"thresholds {run.ThresholdSeconds:F1} s, sketch+expand {run.DetectSeconds:F1} s; blocks in {Path.Combine(dir, BlockDetection.ExpandFolder)}, report in {Path.Combine(dir, ScoreReport.FileName)}"));
            return 0;
        });
        return command;
    }

    /// <summary>The threshold model's levels for the simulated maps, written to OUT/01_thresholds/predictions.csv.</summary>
    private static Siren.Core.Ensemble.Thresholds Predict(string voldir, string outdir)
    {
        using var predictor = new ThresholdPredictor();
        string csv = Path.Combine(outdir, RunPipeline.ThresholdsFolder, ThresholdPredictor.PredictionsFile);
        // In a run's folder the run's stamp would vouch for these levels of other maps as its own.
        RunPipeline.LeaveStage(Path.GetDirectoryName(csv)!, CliHost.Log);
        CliHost.Log($"demo: predicting thresholds with {predictor.ModelSource} → {csv}");
        return predictor.PredictThresholds(voldir, csv, progress: CliHost.Progress("predict thresholds"), log: CliHost.Log);
    }
}
