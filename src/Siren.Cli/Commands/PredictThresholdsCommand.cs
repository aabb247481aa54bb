using System.CommandLine;
using System.Diagnostics;
using MathNet.Numerics.Statistics;
using Siren.Core;
using Siren.Core.Blocks;
using Siren.Core.Ensemble;
using Siren.Core.IO;
using Siren.Core.Mrc;
using Siren.Core.Pipeline;
using Siren.Core.Thresholding;

namespace Siren.Cli.Commands;

/// <summary>
/// siren predict-thresholds (alias eval_model): per-map contour levels from the threshold model.
/// Example: siren predict-thresholds --voldir maps/ --outdir thr/ --labels labels.csv
/// </summary>
public static class PredictThresholdsCommand
{
    private const string LabelPlotFile = "predictions_vs_labels.png";

    public static Command Create()
    {
        var voldir = new Option<string>("--voldir") { Description = "Folder of raw maps of any cubic box (or one .mrc file), or OUTDIR/normalized of siren preprocess (normalized maps + map_stats_downsampled.csv).", Required = true };
        var outdir = new Option<string>("--outdir") { Description = "Output folder for predictions.csv.", Required = true };
        var model = new Option<string?>("--model") { Description = "ONNX model with input 'map' [N,1,64,64,64] and output 'threshold' [N,1] (default: the shipped model; see training/convert_original.py for the original's weights)." };
        var head = new Option<string?>("--head") { Description = "head.json from siren fine-tune, replacing the model's last layers." };
        var labels = new Option<string?>("--labels") { Description = "CSV with vol_id, contour_level: also plot predictions against these labels (predictions_vs_labels.png)." };
        var batch = new Option<int>("--batch-size") { Description = "Maps per ONNX Runtime call.", DefaultValueFactory = _ => ThresholdPredictor.DefaultBatchSize };
        var levels = new Option<string>("--levels")
        {
            Description = "'raw': levels for the maps as given (a cropped map's level encloses the same share of its voxels as the model's level in the box-64 map); "
                + "'raw-linear': the original's rule, the box-64 level rescaled to the full-box range (misses large boxes' volumes); 'downsampled': for the box-64 maps.",
            DefaultValueFactory = _ => "raw",
        };
        levels.AcceptOnlyFromAmong("raw", "raw-linear", "downsampled");
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime threads (0: all cores).", DefaultValueFactory = _ => 0 };

        var cmd = new Command("predict-thresholds", """
            Predict each map's contour level with the threshold model (ONNX Runtime, CPU). Maps are Fourier-cropped
            to box 64 and normalized as siren preprocess does; the model's level p ∈ [-1, 1] is turned back into
            map units as t = (p + 1)/2 · (vol_max − vol_min) + vol_min, and for a cropped map carried to the map
            as given by the share of voxels it encloses (--levels). Writes predictions.csv with vol_id,
            prediction, denormalized_predictions, vol_min, vol_max (the file siren sketch --thresholds reads).
            Example: siren predict-thresholds --voldir maps/ --outdir thr/
            """)
        {
            voldir, outdir, model, head, labels, batch, levels, threads,
        };
        cmd.Aliases.Add("eval_model");
        cmd.SetAction(pr =>
        {
            LevelScale scale = pr.GetValue(levels) switch { "raw-linear" => LevelScale.FullBoxLinear, "downsampled" => LevelScale.Downsampled, _ => LevelScale.FullBox };
            var manifest = new RunManifest("predict-thresholds")
                .Parameter("voldir", Path.GetFullPath(pr.GetValue(voldir)!))
                .Parameter("levels", pr.GetValue(levels)).Parameter("batch_size", pr.GetValue(batch));
            ThresholdHead? fineTuned = pr.GetValue(head) is { } h ? ThresholdHead.Read(h) : null;
            using var predictor = new ThresholdPredictor(pr.GetValue(model), fineTuned, pr.GetValue(threads));
            string outRoot = AtomicFile.EnsureDirectory(pr.GetValue(outdir)!);
            string[] outputs = pr.GetValue(labels) is null ? [ThresholdPredictor.PredictionsFile] : [ThresholdPredictor.PredictionsFile, LabelPlotFile];
            // Named after predictions.csv, as occupancy's is: a run or fine-tune writing into this folder keeps its manifest.json.
            string csv = Path.Combine(outRoot, ThresholdPredictor.PredictionsFile), manifestName = RunManifest.NameBeside(csv);
            RunManifest.RequireOwnOutputs(outRoot, "predict-thresholds", outputs, runStage: File.Exists(Path.Combine(outRoot, RunPipeline.StampFile)), manifestName);
            manifest.Parameter("model", predictor.ModelSource).Parameter("model_sha256", predictor.ModelSha256)
                .Parameter("head", pr.GetValue(head) is { } hp ? Path.GetFullPath(hp) : null)
                .Parameter("head_sha256", pr.GetValue(head) is { } hs ? Siren.Core.IO.InputFile.Sha256(hs) : null);

            var maps = ThresholdPredictor.Reader(pr.GetValue(voldir)!, scale);
            maps.LogSource(scale, CliHost.Log);
            // Labels are checked before the work, not after it.
            string? labelsPath = pr.GetValue(labels);
            var labelled = labelsPath is null ? null : Preprocess.ReadLabels(labelsPath, maps.Files);
            if (labelsPath is not null)
                manifest.Parameter("labels", Path.GetFullPath(labelsPath)).Parameter("labels_sha256", InputFile.Sha256(labelsPath));
            // A level that encloses none or all of its map is no contour, and would bend r and the median gap
            // (preprocess and fine-tune refuse it too). Labels are levels of the maps as given; a preprocessed
            // folder holds them normalized, with the range the levels are denormalized with beside them.
            if (labelled is not null && scale != LevelScale.Downsampled)
            {
                var ranges = maps.StatsPath is { } statsPath ? Preprocess.ReadStats(statsPath) : null;
                foreach (VolumeFile f in maps.Files.Where(f => labelled.ContainsKey(f.MapId)))
                {
                    float[] values = MrcReader.Read(f.Path).Data;
                    if (ranges is null) Preprocess.RequireEnclosing(labelsPath!, f.MapId, f.Path, labelled[f.MapId], values);
                    else if (ranges.TryGetValue(f.MapId, out MapStats range))
                        Preprocess.RequireEnclosing(labelsPath!, f.MapId, f.Path, range.Normalize(labelled[f.MapId]), values, normalized: true);
                }
            }
            var batches = new List<(int Maps, TimeSpan Time)>();
            var clock = Stopwatch.StartNew();
            var predictions = predictor.Predict(maps, pr.GetValue(batch), scale, CliHost.Progress("predict"), (n, t) => batches.Add((n, t)), CliHost.Log);
            // Reading and preprocessing alternate with the model, a chunk at a time; the model's share is timed per batch.
            var modelTime = TimeSpan.FromTicks(batches.Sum(b => b.Time.Ticks));
            manifest.Seconds("read_and_preprocess", clock.Elapsed - modelTime).Seconds("model", modelTime);
            var speed = ModelSpeed.Of(batches);
            CliHost.Log($"predicted {predictions.Count} maps in {clock.Elapsed.TotalSeconds:0.00} s ({(clock.Elapsed - modelTime).TotalSeconds:0.00} s reading and preprocessing); {speed}");

            // In a run's thresholds folder these levels are not the shipped model's that its stamp vouches for.
            RunPipeline.LeaveStage(outRoot, CliHost.Log);
            // An earlier run's files and manifest go first, and this run's manifest, listing its files, is written
            // before them and again at the end: a run stopped between the files never leaves these predictions
            // beside another run's record of its model and head.
            RunManifest.RemoveEarlierOutputsListedIn(outRoot, manifestName, "predict-thresholds", pr.GetValue(labels));
            manifest.Outputs(outputs).WriteBeside(csv);
            string plot = Path.Combine(outRoot, LabelPlotFile);
            ThresholdPredictor.WriteCsv(csv, predictions);

            if (labelled is not null)
            {
                var scored = predictions.Where(p => labelled.ContainsKey(p.MapId)).ToList();
                PredictionPlot.Write(plot, scored.Select(p => (labelled[p.MapId], p.Denormalized)).ToList());
                // Both levels in map units, placed in the range they belong to, so maps of different scales
                // compare: the gap as a share of that range, r on that scale.
                double[] predicted = scored.Select(p => p.Stats.Normalize(p.Denormalized)).ToArray();
                double[] label = scored.Select(p => p.Stats.Normalize(labelled[p.MapId])).ToArray();
                double medianGap = predicted.Zip(label, (a, b) => Math.Abs(a - b) / 2).Median();
                double r = scored.Count > 2 ? Correlation.Pearson(predicted, label) : double.NaN;
                CliHost.Log($"{scored.Count} labelled maps: median |prediction − label| {medianGap:P1} of the map's range" +
                            (double.IsFinite(r) ? $", Pearson r {r:0.000} (normalized levels)" : "") + $"; {LabelPlotFile}");
                manifest.Result("labelled_maps", scored.Count).Result("median_gap_of_range", Math.Round(medianGap, 5))
                    .Result("pearson_r_normalized", double.IsFinite(r) ? Math.Round(r, 4) : null);
            }
            manifest.Result("maps", predictions.Count).Result("ms_per_map", Math.Round(speed.MsPerMap, 2))
                .Result("warm_up_batches", speed.WarmUpBatches).Result("warm_up_ms_per_map", speed.WarmUpBatches > 0 ? Math.Round(speed.WarmUpMsPerMap, 2) : null);
            manifest.WriteBeside(csv);
            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// The model's time per map. ONNX Runtime's first two calls plan and allocate its memory (about three
    /// times a warm call on this machine), which would dominate a short run's mean; the steady rate,
    /// after them, is what a long run gets.
    /// </summary>
    private readonly record struct ModelSpeed(double MsPerMap, int WarmUpBatches, double WarmUpMsPerMap)
    {
        private const int WarmUp = 2;

        public static ModelSpeed Of(IReadOnlyList<(int Maps, TimeSpan Time)> batches)
        {
            int skip = batches.Count > WarmUp ? WarmUp : 0;
            return new ModelSpeed(PerMap(batches.Skip(skip)), skip, PerMap(batches.Take(skip)));
        }

        private static double PerMap(IEnumerable<(int Maps, TimeSpan Time)> batches)
        {
            var list = batches.ToList();
            return list.Sum(b => b.Time.TotalMilliseconds) / Math.Max(1, list.Sum(b => b.Maps));
        }

        public override string ToString() => WarmUpBatches > 0
            ? $"model {MsPerMap:0.0} ms per map after its warm-up (first {WarmUpBatches} batches: {WarmUpMsPerMap:0.0} ms per map)"
            : $"model {MsPerMap:0.0} ms per map, including its warm-up";
    }
}
