using System.CommandLine;
using Siren.Core;
using Siren.Core.Blocks;
using Siren.Core.Classification;
using Siren.Core.Curation;
using Siren.Core.IO;
using Siren.Core.Occupancy;
using Siren.Core.Pipeline;

namespace Siren.Cli.Commands;

/// <summary>
/// siren classify: low/high mixtures per block, hierarchical classes of maps, max-occupancy assignment.
/// Example: siren classify --occupancies OUT/03_occupancy/occupancies.csv --classes 4 --outdir OUT/04_classify
/// </summary>
public static class ClassifyCommand
{
    public static Command Create()
    {
        var occupancies = new Option<string>("--occupancies") { Description = "occupancies.csv from siren occupancy (best normalized: --per-voxel on binarized maps).", Required = true };
        var outdir = new Option<string>("--outdir") { Description = "Output folder: mixtures.csv, labels.csv, classes.csv, assignments.csv, mixture_<block>.png, heatmap.png, manifest.json (written last); a rerun first removes those an earlier classify wrote there.", Required = true };
        var classes = new Option<int>("--classes") { Description = "Cut the dendrogram into this many classes.", DefaultValueFactory = _ => 4 };
        var distance = new Option<double?>("--distance") { Description = "Cut the dendrogram at this height instead of into --classes." };
        var linkage = new Option<string>("--linkage") { Description = "ward (default), average or complete, on Euclidean distances between maps' block-occupancy vectors.", DefaultValueFactory = _ => "ward" };
        var assign = new Option<string>("--assign") { Description = "max: also assign each map to its block of maximal occupancy (assignments.csv); none: do not.", DefaultValueFactory = _ => "none" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the mixture fits' random starts.", DefaultValueFactory = _ => 0UL };
        var starts = new Option<int>("--starts") { Description = "EM starts per block mixture; the best likelihood wins.", DefaultValueFactory = _ => 10 };
        var noPlots = new Option<bool>("--no-plots") { Description = "Skip the PNG figures." };
        var particleLabels = new ParticleLabelArguments(ParticleLabelArguments.ClassifyUse);
        var command = new Command("classify",
            "Classify maps by block occupancy: per block a two-component Gaussian mixture (tied variance) labels each map low or high " +
            "and gives the fraction high; across blocks, hierarchical clustering of maps (Ward by default) gives classes and a heatmap " +
            "in dendrogram order; --assign max gives each map its block of maximal occupancy.\n" +
            "Example: siren classify --occupancies occupancies.csv --classes 4 --outdir classify\n" +
            "Example: siren classify --occupancies occupancies.csv --assign max --linkage average --distance 0.8 --outdir classify\n" +
            "Example: siren classify --occupancies occupancies.csv --labels labels.pkl --outdir classify   # fractions of particles high")
        {
            occupancies, outdir, classes, distance, linkage, assign, seed, starts, noPlots, particleLabels.Labels, particleLabels.FirstMapId,
        };
        command.SetAction(pr =>
        {
            RefuseClassesWithDistance(pr, classes, distance);
            var options = new ClassifyOptions
            {
                Linkage = ParseLinkage(pr.GetValue(linkage)!),
                Classes = pr.GetValue(classes),
                Distance = pr.GetValue(distance),
                Seed = pr.GetValue(seed),
                Starts = pr.GetValue(starts),
                AssignMax = ParseAssign(pr.GetValue(assign)!),
                Plots = !pr.GetValue(noPlots),
            };
            particleLabels.WarnIfUnused(pr);
            Run(pr.GetValue(occupancies)!, pr.GetValue(outdir)!, options, pr.GetValue(particleLabels.Labels), pr.GetValue(particleLabels.FirstMapId));
            return 0;
        });
        return command;
    }

    /// <summary>
    /// --classes has a default, so its value alone cannot say whether the user asked for a number of classes;
    /// given beside --distance, one of the two would be silently ignored.
    /// </summary>
    public static void RefuseClassesWithDistance(ParseResult parse, Option<int> classes, Option<double?> distance)
    {
        if (parse.GetResult(classes) is { Implicit: false } && parse.GetValue(distance) is not null)
            throw new SirenException("--classes and --distance both say where to cut the dendrogram. Fix: pass only one of them.");
    }

    public static Linkage ParseLinkage(string text) => text.ToLowerInvariant() switch
    {
        "ward" => Linkage.Ward,
        "average" => Linkage.Average,
        "complete" => Linkage.Complete,
        _ => throw new SirenException($"unknown --linkage '{text}'. Fix: use ward, average or complete."),
    };

    private static bool ParseAssign(string text) => text.ToLowerInvariant() switch
    {
        "max" => true,
        "none" => false,
        _ => throw new SirenException($"unknown --assign '{text}'. Fix: use max or none."),
    };

    /// <param name="labels">cryoDRGN k-means labels.pkl, to weigh each map by the particles it stands for; or null.</param>
    public static ClassifyResult Run(string occupanciesCsv, string outdir, ClassifyOptions options, string? labels = null, int? firstMapId = null)
    {
        options.Validate();
        ParticleSelection.RequireFirstMapId(firstMapId);
        OccupancyTable table = OccupancyTable.Read(occupanciesCsv);
        long[]? particles = labels is null ? null
            : ParticleSelection.ParticlesPerMap(NumpyPickle.ReadInt64(labels), table.MapIds, occupanciesCsv, firstMapId, labels, CliHost.Log);
        // A column of a hand-made table names a figure: with a '/' it would land in another folder, where no
        // manifest lists it for a rerun to remove (and "../" outside --outdir).
        if (options.Plots && table.Columns.FirstOrDefault(b => Path.GetFileName(Classifier.MixtureFigure(b)) != Classifier.MixtureFigure(b)) is { } nested)
            throw new SirenException($"'{occupanciesCsv}' has the column '{nested}', whose figure {Classifier.MixtureFigure(nested)} would go into another folder. Fix: rename that column without '/', or pass --no-plots.");
        var manifest = new RunManifest("classify")
            .Parameter("occupancies", Path.GetFullPath(occupanciesCsv))
            .Parameter("linkage", options.Linkage.ToString().ToLowerInvariant())
            .Parameter("classes", options.Distance is null ? options.Classes : null)
            .Parameter("distance", options.Distance)
            .Parameter("seed", options.Seed)
            .Parameter("starts", options.Starts)
            .Parameter("assign", options.AssignMax ? "max" : "none")
            .Parameter("labels", labels is null ? null : Path.GetFullPath(labels))
            .Parameter("first_map_id", labels is null ? null : firstMapId ?? 0);
        ClassifyResult result = manifest.Time("classify", () => Classifier.Run(table, options, particles));
        // Only now is every check behind us: a refused run must not leave new CSVs beside an old manifest.
        outdir = AtomicFile.EnsureDirectory(outdir);
        RunManifest.RequireOwnOutputs(outdir, "classify", Classifier.OutputNames(table, result, options),
            runStage: File.Exists(Path.Combine(outdir, RunPipeline.StampFile)));
        RunPipeline.LeaveStage(outdir, CliHost.Log);
        // An earlier classify's figures or assignments (another table's blocks, without --no-plots, with --assign
        // max) would sit beside the new classes looking current, and beside half of them if this run fails while
        // writing: they and their manifest go first.
        RunManifest.RemoveEarlierOutputs(outdir, "classify", occupanciesCsv);
        // Written now and again at the end, as select does: a run stopped part-way leaves its files listed.
        manifest.Outputs(Classifier.OutputNames(table, result, options)).Write(outdir);
        manifest.Time("write", () => Classifier.Write(outdir, table, result, options));
        foreach (BlockMixture m in result.Mixtures)
            CliHost.Log($"classify: {m.Block}: {m.HighCount}/{m.High.Length} maps high ({m.FractionHigh:P1})" +
                (m.ParticlesHigh is long p ? $", {p}/{particles!.Sum()} particles ({m.FractionParticlesHigh:P1})" : "") +
                $"; means {m.Fit.MeanLow:G4} / {m.Fit.MeanHigh:G4}");
        foreach (BlockMixture m in result.Mixtures)
            if (m.Warning is { } warning) CliHost.Log(warning);
        if (result.CutWarning is { } cut) CliHost.Log(cut);
        CliHost.Log($"classify: {result.Classes.Max()} classes of sizes {string.Join(", ", result.Classes.GroupBy(c => c).OrderBy(g => g.Key).Select(g => g.Count()))}");
        manifest.Result("maps", table.Rows).Result("blocks", table.Columns.Length).Result("classes", result.Classes.Max());
        manifest.Write(outdir);
        return result;
    }
}
