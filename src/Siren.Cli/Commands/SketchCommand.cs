using System.CommandLine;
using Siren.Core.Blocks;
using Siren.Core.Kernels;
using Siren.Core.Pipeline;

namespace Siren.Cli.Commands;

/// <summary>
/// siren sketch — seed blocks from a random subsample of the union voxels.
/// Example: siren sketch --voldir maps/ --thresholds predictions.csv --outdir out/ --seed 1
/// </summary>
public static class SketchCommand
{
    public static Command Create()
    {
        var args = new DetectionArguments();
        var command = new Command("sketch", """
            Sketch seed blocks (SIREn step 1). Binarizes every map at its threshold, keeps voxels occupied in
            more than 1% of maps, samples 1/subsample of them, tests every pair for significant co-occupancy
            (cutoffs: by default the original's bootstrap level; with --cutoffs exact the binomial null's
            quantile, Bonferroni over C(n,2) tests; locality factor on positive co-occupancy) and
            clusters the graph by semi-synchronous label propagation; communities of more than 5 voxels are
            written to OUT/00_sketch as block_<id>.mrc, blocks.json and manifest.json.
            Example: siren sketch --voldir maps/ --thresholds predictions.csv --outdir out/ --seed 1
            """);
        args.AddEnsembleOptions(command);
        args.AddStatisticsOptions(command);
        args.OutDir.Description = "Output folder; the sketch writes OUT/00_sketch (siren expand reads it there).";
        command.Options.Add(args.OutDir);
        command.SetAction(parse =>
        {
            DetectionOptions options = args.ReadDetection(parse);
            options.Validate();
            using ICooccurrenceBackend backend = args.CreateBackend(parse);
            StageResult result = BlockDetection.RunSketch(options, parse.GetValue(args.OutDir)!, backend, CliHost.Log, CliHost.Progress);
            RunPipeline.RemoveDerivedFromBlocks(parse.GetValue(args.OutDir)!, CliHost.Log);
            CliHost.Log($"sketch: {result.Results["maps"]} maps, {result.Results["union_voxels"]} union voxels, {result.Results["sampled_voxels"]} sampled; " +
                        $"{result.Blocks.Blocks.Count} seed blocks → {Path.Combine(parse.GetValue(args.OutDir)!, BlockDetection.SketchFolder)}");
            return 0;
        });
        return command;
    }
}
