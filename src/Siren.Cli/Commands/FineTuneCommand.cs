using System.CommandLine;
using System.Globalization;
using System.Text;
using Siren.Core;
using Siren.Core.Blocks;
using Siren.Core.Ensemble;
using Siren.Core.IO;
using Siren.Core.Thresholding;

namespace Siren.Cli.Commands;

/// <summary>
/// siren fine-tune: adapt the shipped model's head to 20–40 user-labelled maps, in C#.
/// Example: siren fine-tune --voldir maps/ --labels labels.csv --outdir ft/ && siren predict-thresholds --voldir maps/ --outdir thr/ --head ft/head.json
/// </summary>
public static class FineTuneCommand
{
    public static Command Create()
    {
        var voldir = new Option<string>("--voldir") { Description = "Maps (raw, any cubic box, or OUTDIR/normalized of siren preprocess).", Required = true };
        var labels = new Option<string>("--labels") { Description = "CSV with vol_id, contour_level: your levels for maps of --voldir, in their units.", Required = true };
        var outdir = new Option<string>("--outdir") { Description = "Output folder for head.json and fine_tune_loss.csv.", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Full-batch Adam steps.", DefaultValueFactory = _ => 300 };
        var rate = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
        var heldOut = new Option<double>("--held-out") { Description = "Fraction of labelled maps kept out of training to measure the error before and after.", DefaultValueFactory = _ => 0.25 };
        var seed = new Option<ulong>("--seed") { Description = "Seed for the held-out split.", DefaultValueFactory = _ => 0UL };
        var cmd = new Command("fine-tune", """
            Fine-tune the output layer of the shipped threshold model's head (the MLP over its pooled
            features) on user-labelled maps, with the paper's soft enclosed-fraction loss: mean over voxels of
            (σ(10(v − p)) − σ(10(v − t)))², p predicted and t labelled (normalized levels). Prints the loss at
            step 1, every tenth of the steps and the last (all steps in fine_tune_loss.csv), and the held-out loss and median volume error |log(V(p)/V(t))| before and after; writes
            OUTDIR/head.json for siren predict-thresholds --head.
            Example: siren fine-tune --voldir maps/ --labels labels.csv --outdir ft/
            """)
        {
            voldir, labels, outdir, epochs, rate, heldOut, seed,
        };
        cmd.SetAction(pr =>
        {
            int total = pr.GetValue(epochs);
            double learningRate = pr.GetValue(rate), heldOutShare = pr.GetValue(heldOut);
            if (total < 1) throw new SirenException($"--epochs {total}: fine-tuning takes at least one step. Fix: omit it (300) or give a positive count.");
            if (total > MaxSteps) throw new SirenException($"--epochs {total}: more than {MaxSteps:N0} full-batch steps, which would run for hours while the loss settles within a few thousand. Fix: omit it (300) or give at most {MaxSteps:N0}.");
            if (!(learningRate > 0 && learningRate <= 1)) throw new SirenException($"--lr {learningRate}: Adam's rate must be above 0 and at most 1. Fix: omit it (1e-3).");
            if (!(heldOutShare >= 0 && heldOutShare < 1)) throw new SirenException($"--held-out {heldOutShare}: the share of maps kept out must be at least 0 and below 1. Fix: omit it (0.25).");
            string outRoot = AtomicFile.EnsureDirectory(pr.GetValue(outdir)!);
            string[] outputs = ["head.json", "fine_tune_loss.csv"];
            RunManifest.RequireOwnOutputs(outRoot, "fine-tune", outputs);
            var labelled = Preprocess.ReadLabels(pr.GetValue(labels)!, VolumeFolder.List(pr.GetValue(voldir)!));
            var reader = new PreparedMapReader(pr.GetValue(voldir)!, include: labelled.ContainsKey);
            if (reader.Files.Count < 2)
                throw new SirenException($"'{pr.GetValue(labels)}' labels {reader.Files.Count} map(s) of --voldir; fine-tuning needs at least 2 (20–40 recommended). Fix: label more maps (vol_id = number after the last '_').");
            // A few maps do train a head, and a quick trial should not be refused; but its held-out error then
            // rests on one or two maps, and the output layer can follow a handful of maps' quirks.
            if (reader.Files.Count < RecommendedMaps)
                CliHost.Log($"warning: '{pr.GetValue(labels)}' labels {reader.Files.Count} maps of --voldir; fine-tuning is meant for 20–40, and with fewer the head can follow a few maps' quirks and its held-out error rests on a few maps. Fix: label at least {RecommendedMaps} maps before using the head.");
            reader.LogSource(LevelScale.FullBox, CliHost.Log);

            var manifest = new RunManifest("fine-tune");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var predictor = new ThresholdPredictor();
            var examples = new List<FineTuneExample>();
            // A chunk at a time, so only a chunk's full-box values are held.
            foreach (var chunk in reader.Chunks(8))
            {
                var (_, features) = predictor.Run(chunk.Select(m => m.Normalized).ToList(), chunk.Select(m => m.SourcePath).ToList());
                for (int i = 0; i < chunk.Count; i++)
                {
                    // Labels are levels of the maps as given; a cropped map's is carried to the box-64 map by the share of voxels it encloses.
                    double label = labelled[chunk[i].MapId];
                    double target = chunk[i].FullBox is not null ? FullBoxLevels.ToModel(chunk[i], label) : (chunk[i].RawStats ?? chunk[i].Stats).Normalize(label);
                    if ((chunk[i].FullBox ?? (chunk[i].RawStats is null ? chunk[i].Box64 : null)) is { } asGiven)
                        Preprocess.RequireEnclosing(pr.GetValue(labels)!, chunk[i].MapId, chunk[i].SourcePath, label, asGiven);
                    else
                        Preprocess.RequireEnclosing(pr.GetValue(labels)!, chunk[i].MapId, chunk[i].SourcePath, target, chunk[i].Normalized, normalized: true);
                    examples.Add(new FineTuneExample(chunk[i].MapId, chunk[i].Normalized, features![i], target));
                }
            }
            manifest.Seconds("read_and_features", clock.Elapsed);
            var rng = new SirenRandom(pr.GetValue(seed));
            FineTuneExample[] shuffled = examples.ToArray();
            rng.Shuffle(shuffled);
            // Any share above 0 keeps at least one map out, and one in, so the error is measured where asked.
            int held = heldOutShare == 0 ? 0 : Math.Clamp((int)Math.Round(shuffled.Length * heldOutShare), 1, shuffled.Length - 1);
            var heldSet = shuffled.Take(held).ToList();
            var trainSet = shuffled.Skip(held).ToList();

            // Each row: a step and the training loss of the head it starts from (the last row's step is then taken).
            // Labels the shipped model already gives (its own predictions, say) leave nothing to learn: the loss is
            // at rounding level from the start, and any step moves it only within that rounding.
            double startLoss = FineTuner.MeanLoss(ThresholdPredictor.ShippedHead(), trainSet);
            if (startLoss < NothingToLearn)
                throw new SirenException($"the shipped model already gives these levels (training loss {startLoss:G3} before any step), so there is nothing to fine-tune; no head written. Fix: use the shipped model as it is, or label the maps where you would contour differently.");
            var lossCsv = new StringBuilder("step,loss\n");
            clock.Restart();
            var (head, report) = FineTuner.Train(ThresholdPredictor.ShippedHead(), trainSet, heldSet, total, learningRate, onEpoch: (e, loss) =>
            {
                lossCsv.Append(CultureInfo.InvariantCulture, $"{e},{loss:R}\n");
                if (e == 1 || e % Math.Max(1, total / 10) == 0 || e == total) CliHost.Log($"step {e}/{total}: loss {loss:G4}");
            });
            // A step too large for the labels overshoots and the loss climbs: that head fits the labelled maps worse
            // than the shipped one, and predict-thresholds would only find out on its levels.
            // A rate too small to move the head leaves the loss where it was, up to rounding (either way): no
            // overshoot, and no fine-tuning either.
            if (Math.Abs(report.TrainLossAfter - report.TrainLoss[0]) <= 1e-6 * report.TrainLoss[0])
                throw new SirenException($"the training loss did not change ({report.TrainLoss[0]:G6} → {report.TrainLossAfter:G6}) over {total} steps, so the head is still the shipped one; no head written. Fix: give a larger --lr (now {learningRate}; default 1e-3), or use the shipped model as it is.");
            if (report.TrainLossAfter > report.TrainLoss[0])
                throw new SirenException($"the training loss rose from {report.TrainLoss[0]:G6} to {report.TrainLossAfter:G6} over {total} steps, so the head fits the labelled maps worse than the shipped one; no head written. Fix: give a smaller --lr (now {learningRate}; default 1e-3), or check that '{pr.GetValue(labels)}' holds levels in the maps' units.");
            manifest.Seconds("train", clock.Elapsed);
            head.Write(Path.Combine(outRoot, "head.json"));
            AtomicFile.WriteAllText(Path.Combine(outRoot, "fine_tune_loss.csv"), lossCsv.ToString());
            CliHost.Log($"trained on {report.TrainMaps} maps, held out {report.HeldOutMaps}");
            if (report.HeldOutMaps > 0)
                CliHost.Log($"held-out loss {report.HeldOutLossBefore:G4} → {report.HeldOutLossAfter:G4}; median volume error {report.HeldOutVolumeErrorBefore:P1} → {report.HeldOutVolumeErrorAfter:P1} (|log V(p)/V(t)|)");
            else
                CliHost.Log("no map held out (--held-out 0): the head's error on maps it did not see is not measured.");
            if (report.HeldOutVolumeErrorAfter > report.HeldOutVolumeErrorBefore)
                CliHost.Log("warning: the held-out error rose, so this head fits the labelled maps at the cost of others; label more maps, or try fewer --epochs or a smaller --lr, before using it.");

            manifest.Outputs(outputs)
                .Parameter("voldir", Path.GetFullPath(pr.GetValue(voldir)!)).Parameter("labels", Path.GetFullPath(pr.GetValue(labels)!))
                .Parameter("epochs", total).Parameter("lr", learningRate).Parameter("held_out", heldOutShare).Parameter("seed", pr.GetValue(seed))
                .Result("train_maps", report.TrainMaps).Result("held_out_maps", report.HeldOutMaps)
                .Result("loss_first", report.TrainLoss[0]).Result("loss_last", report.TrainLossAfter)
                .Result("held_out_loss_before", Finite(report.HeldOutLossBefore)).Result("held_out_loss_after", Finite(report.HeldOutLossAfter))
                .Result("held_out_volume_error_before", Finite(report.HeldOutVolumeErrorBefore)).Result("held_out_volume_error_after", Finite(report.HeldOutVolumeErrorAfter))
                .Write(outRoot);
            return 0;
        });
        return cmd;
    }

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;

    private const int MaxSteps = 100_000;

    /// <summary>The fewest labelled maps fine-tuning is meant for (the 20–40 a user labels in an afternoon).</summary>
    private const int RecommendedMaps = 20;

    /// <summary>A starting loss below this is rounding: the labels are the shipped model's own levels (4e-16 seen).</summary>
    private const double NothingToLearn = 1e-12;
}
