using System.CommandLine;
using System.Text.Json.Nodes;
using Siren.Core.Blocks;
using Siren.Core.IO;
using Siren.Core.Scoring;

namespace Siren.Cli.Commands;

/// <summary>
/// siren score: blocks against a simulation's truth regions.
/// Example: siren score --blocks out/02_expand --truth sim/truth.json
/// </summary>
public static class ScoreCommand
{
    public static Command Create()
    {
        var blocks = new Option<string>("--blocks") { Description = "A stage folder holding blocks.json (e.g. OUT/02_expand) or the file itself.", Required = true };
        var truth = new Option<string>("--truth") { Description = "truth.json written by siren simulate (or its folder).", Required = true };
        var outdir = new Option<string?>("--outdir") { Description = "Where score.json and manifest.json go (default: OUT/03_score beside the blocks' stage folder OUT/02_expand or OUT/00_sketch; for blocks elsewhere, 03_score in their folder)." };
        var command = new Command("score",
            $"Score blocks against a simulated ensemble's true variable regions: for each region the best block and its Jaccard index " +
            $"(found when ≥ {BlockScorer.FoundJaccard}), the fraction of that block inside the region (covered) and of the region recovered (recall); " +
            $"blocks matching no region (Jaccard < {BlockScorer.FalseJaccard} with all, and less than half inside any) are false blocks. " +
            "Prints a table and a one-line summary; writes score.json.\n\n" +
            "Example:\n  siren score --blocks out/02_expand --truth sim/truth.json")
        {
            blocks, truth, outdir,
        };
        command.SetAction(pr =>
        {
            string blocksPath = pr.GetValue(blocks)!, truthPath = pr.GetValue(truth)!;
            var manifest = new RunManifest("score").Parameter("blocks", Path.GetFullPath(blocksPath)).Parameter("truth", Path.GetFullPath(truthPath));
            // OUT/03_score beside a stage folder (02_expand/ with the slash tab completion adds names it too); blocks
            // in any other folder are scored into that folder's 03_score, never into its parent.
            string stageFolder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Directory.Exists(blocksPath) ? blocksPath : Path.GetDirectoryName(Path.GetFullPath(blocksPath))!));
            bool isStage = Path.GetFileName(stageFolder) is BlockDetection.SketchFolder or BlockDetection.ExpandFolder;
            string folder = AtomicFile.EnsureDirectory(pr.GetValue(outdir) ?? Path.Combine(isStage ? Path.GetDirectoryName(stageFolder)! : stageFolder, BlockDetection.ScoreFolder));
            // A score.json that siren score did not write here (a demo's, the user's) is not its to replace.
            RunManifest.RequireOwnOutputs(folder, "score", [ScoreReport.FileName]);
            ScoreReport report = manifest.Time("score", () => BlockScorer.Score(blocksPath, truthPath));
            report.Write(Path.Combine(folder, ScoreReport.FileName));
            manifest.Result("found", report.Found).Result("regions", report.Regions.Count).Result("false_blocks", report.FalseBlocks)
                .Result("summary", JsonValue.Create(report.Summary)).Outputs([ScoreReport.FileName]).Write(folder);
            Console.WriteLine(report.FormatTable());
            return 0;
        });
        return command;
    }
}
