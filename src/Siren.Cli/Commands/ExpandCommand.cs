using System.CommandLine;
using Siren.Core.Blocks;
using Siren.Core.Kernels;
using Siren.Core.Pipeline;

namespace Siren.Cli.Commands;

/// <summary>
/// siren expand — grow each seed block of OUT/00_sketch by every union voxel related to enough of it.
/// Example: siren expand --outdir out/
/// </summary>
public static class ExpandCommand
{
    public static Command Create()
    {
        var args = new DetectionArguments();
        var command = new Command("expand", """
            Expand seed blocks (SIREn step 2). Reads OUT/00_sketch (seeds, and the maps, thresholds, filter,
            cutoffs, p-values and pass recorded in its manifest; --cutoffs, --posp, --negp and --pass given here
            override the sketch's),
            tests every union voxel against every voxel of each seed block with its own cutoff tables (with
            --cutoffs exact, Bonferroni over N·Σ|seed block| tests; locality factor from the voxel's distance to the
            block's median voxel) and adds the voxel to each block it is related to in at least --exp-frac of the
            block's voxels. Blocks may overlap. Writes OUT/02_expand.
            Example: siren expand --outdir out/ --exp-frac 0.25
            """);
        args.DefaultStatisticsToSketch();
        args.AddStatisticsOptions(command);
        args.OutDir.Description = "Folder holding the sketch's 00_sketch; expand writes OUT/02_expand beside it.";
        command.Options.Add(args.ExpFrac);
        command.Options.Add(args.OutDir);
        command.SetAction(parse =>
        {
            using ICooccurrenceBackend backend = args.CreateBackend(parse);
            string outdir = parse.GetValue(args.OutDir)!;
            StageResult result = BlockDetection.RunExpand(outdir,
                sketched => sketched.WithStatistics(args, parse) with { ExpFrac = parse.GetValue(args.ExpFrac) },
                backend, CliHost.Log, CliHost.Progress);
            RunPipeline.RemoveDerivedFromBlocks(outdir, CliHost.Log);
            CliHost.Log($"expand: {result.Blocks.Blocks.Count} blocks (sizes {string.Join(", ", result.Blocks.Blocks.Select(b => b.Voxels.Length))}) → {Path.Combine(outdir, BlockDetection.ExpandFolder)}");
            return 0;
        });
        return command;
    }
}
