using System.CommandLine;
using Siren.Core.Blocks;
using Siren.Core.Classification;
using Siren.Core.Kernels;
using Siren.Core.Pipeline;

namespace Siren.Cli.Commands;

/// <summary>
/// siren run: the whole analysis over one folder of maps, resumable.
/// Example: siren run --voldir vols --thresholds thresholds.csv --outdir OUT --classes 4
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var args = new DetectionArguments();
        var classes = new Option<int>("--classes") { Description = "Cut the map dendrogram into this many classes.", DefaultValueFactory = _ => 4 };
        var distance = new Option<double?>("--distance") { Description = "Cut the map dendrogram at this height instead of into --classes." };
        var linkage = new Option<string>("--linkage") { Description = "ward (default), average or complete.", DefaultValueFactory = _ => "ward" };
        var assignMax = new Option<bool>("--assign-max") { Description = "Also assign each map to its block of maximal occupancy (04_classify/assignments.csv)." };
        var particleLabels = new ParticleLabelArguments(ParticleLabelArguments.ClassifyUse);
        var command = new Command("run", """
            Run the whole analysis over a folder of maps: sketch → expand (blocks) → occupancy of every block in every
            map block detection kept (binarized as the blocks were, value > each map's threshold; normalized by block
            size) → classify (low/high mixtures per block, hierarchical classes of maps; with --labels also counted in
            particles) → OUT/blocks.cxc (ChimeraX) and OUT/report.md with the parameters, block table, plots and file
            list. Resumable: each stage writes stage.json; a stage whose stamp matches the current parameters and
            inputs and whose outputs are those it wrote (by SHA-256) is skipped, so rerunning after an interruption or
            with a changed late option only redoes what changed. Thresholds: --threshold or --thresholds (e.g. the CSV of
            siren predict-thresholds or siren simulate); with neither, the shipped threshold model predicts them into
            OUT/01_thresholds/predictions.csv, a stage of its own (redone when the maps' folder, names, sizes or times,
            or the model, change). A stage that runs first removes its folder and what later stages made from it.
            Example: siren run --voldir vols --thresholds thresholds.csv --outdir OUT --classes 4
            """);
        args.AddEnsembleOptions(command);
        args.AddStatisticsOptions(command);
        command.Options.Add(args.ExpFrac);
        args.OutDir.Description = "Output folder: 00_sketch, 01_thresholds (when predicted), 02_expand, 03_occupancy, 04_classify, blocks.cxc, report.md and manifest.json.";
        command.Options.Add(args.OutDir);
        command.Options.Add(classes);
        command.Options.Add(distance);
        command.Options.Add(linkage);
        command.Options.Add(assignMax);
        particleLabels.AddTo(command);
        command.SetAction(parse =>
        {
            ClassifyCommand.RefuseClassesWithDistance(parse, classes, distance);
            var classify = new ClassifyOptions
            {
                Classes = parse.GetValue(classes),
                Distance = parse.GetValue(distance),
                Linkage = ClassifyCommand.ParseLinkage(parse.GetValue(linkage)!),
                AssignMax = parse.GetValue(assignMax),
            };
            // A mistyped option, a map of another box or labels of other maps surface now, not after thresholds and
            // blocks took minutes (without --threshold(s), a placeholder level lets the rest be checked before the
            // model predicts the real ones).
            Siren.Core.Ensemble.Thresholds? given = args.HasThresholds(parse) ? args.ReadThresholds(parse) : null;
            DetectionOptions checkedOptions = args.ReadDetection(parse, given ?? Siren.Core.Ensemble.Thresholds.Constant(0));
            var preflight = new RunOptions
            {
                Detection = checkedOptions,
                Device = parse.GetValue(args.Device)!,
                Classify = classify with { Seed = checkedOptions.Seed },
                Labels = parse.GetValue(particleLabels.Labels),
                FirstMapId = parse.GetValue(particleLabels.FirstMapId),
            };
            RunPipeline.Preflight(preflight, parse.GetValue(args.OutDir)!, out _);
            particleLabels.WarnIfUnused(parse);
            var options = given is not null ? preflight : preflight with
            {
                Detection = checkedOptions with
                {
                    Thresholds = RunPipeline.PredictedThresholds(parse.GetValue(args.VolDir)!, parse.GetValue(args.OutDir)!, CliHost.Log, CliHost.Progress),
                },
            };
            using ICooccurrenceBackend backend = args.CreateBackend(parse);
            RunResult result = RunPipeline.Run(options, parse.GetValue(args.OutDir)!, backend, CliHost.Log, CliHost.Progress);
            CliHost.Log(result.Classes is null ? $"run: no blocks; report: {result.Report}" : $"run: {result.Blocks.Blocks.Count} blocks, {result.Classes.Classes.Max()} classes; report: {result.Report}");
            return 0;
        });
        return command;
    }
}
