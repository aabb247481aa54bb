using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Siren.Core;
using Siren.Core.Blocks;
using Siren.Core.IO;
using Siren.Core.Thresholding;

namespace Siren.Cli.Commands;

/// <summary>
/// Hidden: simulated maps with known contour levels for training/train.sh.
/// Example: siren make-training-set --out /tmp/thr/train --count 2000 --seed 1 --ribosome ../shared/data/ecoli50s_model
/// </summary>
public static class MakeTrainingSetCommand
{
    public static Command Create()
    {
        var outOpt = new Option<string>("--out") { Description = "Output folder (labels.csv plus normalized_f16.bin, or maps/ with --raw-maps).", Required = true };
        var countOpt = new Option<int>("--count") { Description = "Number of maps.", DefaultValueFactory = _ => 2000 };
        var seedOpt = new Option<ulong>("--seed") { Description = "Seed for every random choice (map i uses seed and i).", DefaultValueFactory = _ => 1 };
        var familiesOpt = new Option<string>("--families") { Description = $"Comma-separated shape families (training: {string.Join(",", TrainingSet.TrainingFamilies)}; held out: {string.Join(",", TrainingSet.HeldOutFamilies)}).", DefaultValueFactory = _ => string.Join(",", TrainingSet.TrainingFamilies) };
        var ribosomeOpt = new Option<string?>("--ribosome") { Description = "Folder of the 50S model PDB files (needed for ribosome_subset)." };
        var rawOpt = new Option<bool>("--raw-maps") { Description = "Write each map as maps/vol_NNNNN.mrc instead of the packed normalized float16 file." };
        var cropOpt = new Option<string?>("--crop-from") { Description = $"LO-HI: render each map at a box drawn from LO–HI (even, factors 2, 3, 5, 7; {TrainingSet.Box}–{TrainingSet.MaxCropBox}) and Fourier-crop it to {TrainingSet.Box}, as preprocess crops a user's map. Default: render at {TrainingSet.Box}." };
        var cropShareOpt = new Option<double>("--crop-share") { Description = "With --crop-from: the share of maps cropped (the others rendered at 64).", DefaultValueFactory = _ => 1.0 };
        var cmd = new Command("make-training-set", "Simulated maps with known contour levels for training the threshold model (see docs/thresholds.md).")
        {
            outOpt, countOpt, seedOpt, familiesOpt, ribosomeOpt, rawOpt, cropOpt, cropShareOpt,
        };
        cmd.Hidden = true;
        var help = new HelpOption();
        help.Action = new HiddenCommandHelp(cmd, (SynchronousCommandLineAction)help.Action!);
        cmd.Options.Add(help);
        cmd.SetAction(pr =>
        {
            string outdir = pr.GetValue(outOpt)!;
            var families = pr.GetValue(familiesOpt)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string[] outputs = pr.GetValue(rawOpt) ? [TrainingSet.LabelsFile] : [TrainingSet.LabelsFile, TrainingSet.PackedFile];
            int[]? cropBoxes = pr.GetValue(cropOpt) is { } range ? ParseCropRange(range) : null;
            double cropShare = pr.GetValue(cropShareOpt);
            if (cropBoxes is null && pr.GetResult(cropShareOpt) is { Implicit: false })
                throw new SirenException("--crop-share needs --crop-from, the boxes the cropped maps are rendered at. Fix: add --crop-from 64-320.");
            TrainingSet.RequireCropShare(cropShare);
            // A set that cannot be made must not cost the earlier one.
            TrainingSet.Validate(outdir, pr.GetValue(countOpt), families, pr.GetValue(ribosomeOpt), pr.GetValue(rawOpt));
            ReplaceEarlierSet(AtomicFile.EnsureDirectory(outdir, "--out"));
            var manifest = new RunManifest("make-training-set")
                .Parameter("out", Path.GetFullPath(outdir)).Parameter("count", pr.GetValue(countOpt)).Parameter("seed", pr.GetValue(seedOpt))
                .Parameter("families", string.Join(",", families)).Parameter("ribosome", pr.GetValue(ribosomeOpt) is { } r ? Path.GetFullPath(r) : null)
                .Parameter("raw_maps", pr.GetValue(rawOpt)).Parameter("crop_from", pr.GetValue(cropOpt)).Parameter("crop_share", cropBoxes is null ? null : cropShare).Outputs(outputs);
            manifest.Time("generate", () => TrainingSet.Write(outdir, pr.GetValue(countOpt), pr.GetValue(seedOpt), families,
                pr.GetValue(ribosomeOpt), pr.GetValue(rawOpt), CliHost.Progress("simulate"), cropBoxes, cropShare));
            manifest.Result("maps", pr.GetValue(countOpt))
                .Write(outdir);
            CliHost.Log($"wrote {pr.GetValue(countOpt)} maps to {outdir}");
            return 0;
        });
        return cmd;
    }

    private static int[] ParseCropRange(string range)
    {
        string[] ends = range.Split('-');
        if (ends.Length != 2 || !int.TryParse(ends[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int low)
            || !int.TryParse(ends[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int high))
            throw new SirenException($"--crop-from '{range}' is not a box range LO-HI. Fix: pass two whole numbers, e.g. --crop-from 64-320.");
        return TrainingSet.CropBoxes(low, high);
    }

    /// <summary>
    /// A set is its labels beside its maps: a rerun that left the earlier set's packed file or maps beside new
    /// labels would train on mismatched pairs, so the earlier set's files (its manifest lists them, and maps/ with
    /// raw maps) go first. Files this command did not write there — another command's manifest, a user's
    /// labels.csv or maps/ — are refused, not replaced.
    /// </summary>
    private static void ReplaceEarlierSet(string outdir)
    {
        string maps = Path.Combine(outdir, TrainingSet.MapsFolder);
        string[] files = [TrainingSet.LabelsFile, TrainingSet.PackedFile];
        bool ours = RunManifest.CommandIn(outdir) == "make-training-set";
        // maps/ is the earlier set's only when that set was written as raw maps (its manifest's raw_maps).
        bool ourMaps = ours && RunManifest.ReadParameters(outdir)["raw_maps"] is System.Text.Json.Nodes.JsonValue raw && raw.TryGetValue(out bool wasRaw) && wasRaw;
        if (Directory.Exists(maps) && !ourMaps)
            throw new SirenException($"'{maps}' exists and siren make-training-set did not write it. Fix: choose another --out, or move that folder away.");
        // A set written before manifests listed their outputs: its manifest names the command, and its files are the set's.
        if (ours && RunManifest.EarlierOutputs(outdir, "make-training-set").Length == 0)
            foreach (string f in files) File.Delete(Path.Combine(outdir, f));
        else
            RunManifest.RequireOwnOutputs(outdir, "make-training-set", files, option: "--out");
        if (ourMaps && Directory.Exists(maps)) Directory.Delete(maps, recursive: true);
        RunManifest.RemoveEarlierOutputs(outdir, "make-training-set");
    }

    /// <summary>
    /// System.CommandLine writes nothing for --help on a hidden command, while its parse errors send the user
    /// to that help; the command is shown just while its own help is written, and stays out of the root's list.
    /// </summary>
    private sealed class HiddenCommandHelp(Command command, SynchronousCommandLineAction builtIn) : SynchronousCommandLineAction
    {
        // As the built-in help: --help with a required option missing is still a request for help.
        public override bool ClearsParseErrors => builtIn.ClearsParseErrors;

        public override int Invoke(ParseResult parseResult)
        {
            command.Hidden = false;
            try
            {
                return builtIn.Invoke(parseResult);
            }
            finally
            {
                command.Hidden = true;
            }
        }
    }
}
