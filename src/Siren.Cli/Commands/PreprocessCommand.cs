using System.CommandLine;
using Siren.Core.IO;
using Siren.Core.Thresholding;

namespace Siren.Cli.Commands;

/// <summary>
/// siren preprocess: Fourier-crop maps to box 64 and normalize them for the threshold model, as the original.
/// Example: siren preprocess --voldir maps/ --outdir prep/ --labels labels.csv
/// </summary>
public static class PreprocessCommand
{
    public static Command Create()
    {
        var voldir = new Option<string>("--voldir") { Description = "Folder of maps (vol_000.mrc, …) or one .mrc file, any cubic box ≥ 64.", Required = true };
        var outdir = new Option<string>("--outdir") { Description = "Output folder; results go to OUTDIR/normalized/.", Required = true };
        var labels = new Option<string?>("--labels") { Description = "CSV with vol_id, contour_level (levels of the box-64 maps) to normalize into normalized_labels.csv." };
        var cmd = new Command("preprocess", """
            Prepare maps for the threshold model, as the original SIREn: maps not at box 64 are Fourier-cropped
            to 64 (written to OUTDIR/normalized/downsampled/ with the voxel size scaled); every map is clipped to
            its 0.001–99.999 percentiles, values ≤ 0 set to 0 and [smallest positive, max] mapped to [-1, 1].
            Writes OUTDIR/normalized/*.mrc, map_stats_downsampled.csv (and map_stats_raw.csv for cropped maps)
            with vol_id, vol_min, vol_max, and with --labels normalized_labels.csv.
            Example: siren preprocess --voldir maps/ --outdir prep/
            """)
        {
            voldir, outdir, labels,
        };
        cmd.SetAction(pr =>
        {
            string outRoot = AtomicFile.EnsureDirectory(pr.GetValue(outdir)!);
            var maps = Preprocess.Run(pr.GetValue(voldir)!, outRoot, pr.GetValue(labels), CliHost.Log, CliHost.Progress("preprocess"));
            CliHost.Log($"normalized {maps.Count} maps into {Path.Combine(outRoot, Preprocess.NormalizedFolder)}");
            return 0;
        });
        return cmd;
    }
}
