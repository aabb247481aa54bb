using System.CommandLine;
using Siren.Core;
using Siren.Core.Blocks;
using Siren.Core.Ensemble;
using Siren.Core.IO;
using Siren.Core.Occupancy;
using Siren.Core.Pipeline;

namespace Siren.Cli.Commands;

/// <summary>
/// siren occupancy: MAVEn's calc_occupancy over blocks or MRC masks.
/// Example: siren occupancy --voldir vols --blocks OUT/02_expand --thresholds thresholds.csv --per-voxel --out OUT/03_occupancy/occupancies.csv
/// </summary>
public static class OccupancyCommand
{
    public static Command Create()
    {
        var voldir = new Option<string>("--voldir") { Description = "Folder of maps (vol_000.mrc, …); the map id is the number after the last '_'.", Required = true };
        var blocks = new Option<string?>("--blocks") { Description = "Blocks to measure: a stage folder (OUT/02_expand) or its blocks.json; columns block_<id>." };
        var maskdir = new Option<string?>("--maskdir") { Description = "Folder of MRC masks instead (e.g. MAVEn's Mask_prots1_chainA.mrc); columns are the file stems." };
        var threshold = new Option<double?>("--threshold") { Description = "Binarize every map at this level first (occupied: value >= level, or > with --above). Without a threshold the raw densities are summed." };
        var thresholds = new Option<string?>("--thresholds") { Description = "Per-map levels: CSV with vol_id and denormalized_predictions (siren predict-thresholds output)." };
        var refdir = new Option<string?>("--refdir") { Description = "Normalize by Σ of each mask's reference map (MAVEn naming: Mask_X.mrc ↔ refdir/X.mrc)." };
        var perVoxel = new Option<bool>("--per-voxel") { Description = "Normalize by the mask's voxel count (0–1 on binarized maps, as the paper normalizes blocks)." };
        var output = new Option<string>("--out") { Description = "Output CSV: vol_id, then one column per mask.", DefaultValueFactory = _ => "occupancies.csv" };
        var jobs = new Option<int>("--jobs") { Description = "Maps read in parallel (0: one per core).", DefaultValueFactory = _ => 0 };
        var above = new Option<bool>("--above") { Description = "Binarize as sketch and expand do (occupied: value > level, as siren run measures blocks) instead of MAVEn's value >= level." };

        var command = new Command("occupancy",
            "Occupancy of each block or mask in each map (MAVEn calc_occupancy): Σ(mask × map), on raw or binarized maps, " +
            "optionally divided by a reference map's sum or by the mask size. Streams the maps in parallel; output rows follow map order.\n" +
            "Example: siren occupancy --voldir vols --blocks OUT/02_expand --thresholds thresholds.csv --per-voxel --out occupancies.csv\n" +
            "MAVEn parity: siren occupancy --voldir vols --maskdir masks --refdir refs --out occupancies.csv")
        {
            voldir, blocks, maskdir, threshold, thresholds, refdir, perVoxel, output, jobs, above,
        };
        command.SetAction(pr =>
        {
            var request = new OccupancyRequest(
                pr.GetValue(voldir)!, pr.GetValue(blocks), pr.GetValue(maskdir), pr.GetValue(threshold), pr.GetValue(thresholds),
                pr.GetValue(refdir), pr.GetValue(perVoxel), pr.GetValue(output)!, pr.GetValue(jobs), pr.GetValue(above));
            Run(request);
            return 0;
        });
        return command;
    }

    public sealed record OccupancyRequest(string VolDir, string? Blocks, string? MaskDir, double? Threshold, string? ThresholdsCsv,
        string? RefDir, bool PerVoxel, string Out, int Jobs = 0, bool Above = false);

    public static int Run(OccupancyRequest r)
    {
        if ((r.Blocks is null) == (r.MaskDir is null))
            throw new SirenException("pass exactly one of --blocks (OUT/02_expand) and --maskdir (MRC masks).");
        OccupancyOptions.RequireParallelism(r.Jobs);
        if (r.RefDir is not null && r.PerVoxel)
            throw new SirenException("--refdir and --per-voxel both normalize. Fix: choose one.");
        AtomicFile.RequireOutputFile(r.Out, "--out", "occupancies.csv");
        string outFolder = Path.GetDirectoryName(Path.GetFullPath(r.Out))!;
        RunManifest.RequireOwnFile(r.Out, "occupancy", "--out", runStage: File.Exists(Path.Combine(outFolder, RunPipeline.StampFile)));
        var maps = VolumeFolder.List(r.VolDir);
        var masks = r.Blocks is not null ? OccupancyMask.FromBlocks(r.Blocks) : OccupancyMask.ReadFolder(r.MaskDir!);
        var options = new OccupancyOptions
        {
            Thresholds = DetectionArguments.ReadThresholds(r.Threshold, r.ThresholdsCsv),
            Normalization = r.RefDir is not null ? OccupancyNormalization.Reference : r.PerVoxel ? OccupancyNormalization.PerVoxel : OccupancyNormalization.None,
            RefDir = r.RefDir,
            Parallelism = r.Jobs,
            StrictlyAbove = r.Above,
        };
        if (r.Above && options.Thresholds is null)
            throw new SirenException("--above says how to binarize, but no --threshold or --thresholds was given. Fix: add a threshold, or drop --above to sum raw densities.");
        CliHost.Log($"occupancy: {maps.Count} maps × {masks.Count} masks, {(options.Thresholds is null ? "raw densities" : "binarized at " + options.Thresholds.Source)}, normalization {options.Normalization}");
        var manifest = new RunManifest("occupancy")
            .Parameter("voldir", Path.GetFullPath(r.VolDir))
            .Parameter("masks", Path.GetFullPath(r.Blocks ?? r.MaskDir!))
            .Parameter("thresholds", options.Thresholds?.Source)
            .Parameter("occupied", options.Thresholds is null ? null : r.Above ? "value > level" : "value >= level")
            .Parameter("normalization", options.Normalization.ToString())
            .Parameter("refdir", r.RefDir is null ? null : Path.GetFullPath(r.RefDir));
        RunPipeline.LeaveStage(outFolder, CliHost.Log);
        int count = manifest.Time("occupancy", () => OccupancyCalculator.WriteCsv(r.Out, maps, masks, options, CliHost.Progress("occupancy")));
        manifest.Result("maps", count).Result("masks", masks.Count).Result("output", Path.GetFullPath(r.Out)).Outputs([Path.GetFileName(r.Out)]);
        manifest.WriteBeside(r.Out);
        CliHost.Log($"occupancy: wrote {r.Out}");
        return count;
    }
}
