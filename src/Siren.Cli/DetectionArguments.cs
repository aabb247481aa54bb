using System.CommandLine;
using Siren.Core;
using Siren.Core.Blocks;
using Siren.Core.Ensemble;
using Siren.Core.Kernels;
using Siren.Core.Statistics;
using Siren.Interop.Cuda;

namespace Siren.Cli;

/// <summary>The options sketch, expand and run share, declared once so their names and defaults agree.</summary>
public sealed class DetectionArguments
{
    public Option<string> VolDir { get; } = new("--voldir") { Description = "Folder of aligned maps (vol_000.mrc …), all of one cubic box." };
    public Option<double?> Threshold { get; } = new("--threshold", "--bin") { Description = "One binarization threshold for every map (occupied: value > threshold)." };
    public Option<string?> ThresholdsCsv { get; } = new("--thresholds") { Description = "Per-map thresholds CSV with columns vol_id, denormalized_predictions (siren predict-thresholds output)." };
    public Option<bool> Filter { get; } = new("--filter") { Description = "Drop maps whose threshold lies outside mean ± 2σ of all thresholds." };
    /// <summary>Each command describes what it reads and writes there.</summary>
    public Option<string> OutDir { get; } = new("--outdir") { DefaultValueFactory = _ => "." };
    public Option<int> Subsample { get; } = new("--subsample") { Description = "Sketch tests all pairs among 1/subsample of the union voxels, chosen at random.", DefaultValueFactory = _ => 2 };
    public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed of every random choice: the sample of union voxels the sketch tests (--subsample) and, in siren run, the mixture fits' starts.", DefaultValueFactory = _ => 0UL };
    public Option<double> PosP { get; } = new("--posp") { Description = "p for positive co-occupancy before Bonferroni correction (used by --cutoffs exact; the reference level does not depend on it).", DefaultValueFactory = _ => DetectionOptions.DefaultPosP };
    public Option<double> NegP { get; } = new("--negp") { Description = "p for negative co-occupancy before Bonferroni correction (used by --cutoffs exact; the reference level does not depend on it).", DefaultValueFactory = _ => DetectionOptions.DefaultNegP };
    public Option<CutoffRule> Cutoffs { get; } = ChoiceOption.Create("--cutoffs", "reference: the original's bootstrap level (≈ max of 1000 draws); exact: binomial quantile at 1 − p/m.", DetectionOptions.DefaultCutoffs);
    public Option<double?> Apix { get; } = new("--apix") { Description = "Å per voxel for the locality factor (default: the maps' header)." };
    public Option<double> ExpFrac { get; } = new("--exp-frac") { Description = "Fraction of a seed block a voxel must be related to in order to join it.", DefaultValueFactory = _ => DetectionOptions.DefaultExpFrac };
    public Option<PassSelection> Pass { get; } = ChoiceOption.Create("--pass", "positive (the paper's method), complement (co-absence), or both.", DetectionOptions.DefaultPasses);
    public Option<string> Device { get; } = DeviceOption();

    /// <summary>--device for every command that counts co-occupancy (sketch, expand, run, demo, bench).</summary>
    public static Option<string> DeviceOption() => new("--device") { Description = "Co-occupancy backend: cuda (the GPU, or an error saying why not), cpu, or auto (cuda when the driver, a GPU and the kernels load, else cpu; logs which and why).", DefaultValueFactory = _ => "auto" };

    /// <summary>
    /// For expand: --posp, --negp, --cutoffs and --pass default to the values the sketch recorded, so help
    /// must not show the sketch's own defaults as expand's.
    /// </summary>
    public void DefaultStatisticsToSketch()
    {
        PosP.DefaultValueFactory = null;
        NegP.DefaultValueFactory = null;
        Cutoffs.Description = Cutoffs.Description!.Replace(ChoiceOption.DefaultText(DetectionOptions.DefaultCutoffs), "", StringComparison.Ordinal).TrimEnd();
        Pass.Description = Pass.Description!.Replace(ChoiceOption.DefaultText(DetectionOptions.DefaultPasses), "", StringComparison.Ordinal).TrimEnd();
        foreach (Option option in new Option[] { PosP, NegP, Cutoffs, Pass })
            option.Description += " Default: the sketch's (its manifest).";
    }

    public void AddEnsembleOptions(Command command)
    {
        VolDir.Required = true;
        command.Options.Add(VolDir);
        command.Options.Add(Threshold);
        command.Options.Add(ThresholdsCsv);
        command.Options.Add(Filter);
        command.Options.Add(Subsample);
        command.Options.Add(Seed);
        command.Options.Add(Apix);
    }

    public void AddStatisticsOptions(Command command)
    {
        command.Options.Add(PosP);
        command.Options.Add(NegP);
        command.Options.Add(Cutoffs);
        command.Options.Add(Pass);
        command.Options.Add(Device);
    }

    public Thresholds ReadThresholds(ParseResult parse) =>
        ReadThresholds(parse.GetValue(Threshold), parse.GetValue(ThresholdsCsv))
        ?? throw new SirenException("no binarization threshold. Fix: pass --threshold X for all maps or --thresholds predictions.csv (siren predict-thresholds).");

    /// <summary>--threshold (one level for all maps) or --thresholds (a per-map CSV), for every command that takes them; null when neither is given, an error when both are.</summary>
    public static Thresholds? ReadThresholds(double? level, string? csv) => (level, csv) switch
    {
        (not null, not null) => throw new SirenException("give either --threshold or --thresholds, not both. Fix: drop one: --threshold for one level for all maps, or --thresholds for per-map levels."),
        (double l, null) => Thresholds.Constant(l),
        (null, string c) => Thresholds.FromCsv(c),
        _ => null,
    };

    /// <summary>Whether --threshold or --thresholds was given.</summary>
    public bool HasThresholds(ParseResult parse) => parse.GetValue(Threshold) is not null || parse.GetValue(ThresholdsCsv) is not null;

    public DetectionOptions ReadDetection(ParseResult parse, Thresholds? thresholds = null) => new DetectionOptions
    {
        VolDir = parse.GetValue(VolDir)!,
        Thresholds = thresholds ?? ReadThresholds(parse),
        Filter = parse.GetValue(Filter),
        Subsample = parse.GetValue(Subsample),
        Seed = parse.GetValue(Seed),
        Apix = parse.GetValue(Apix),
        ExpFrac = Declared(parse, ExpFrac) ? parse.GetValue(ExpFrac) : DetectionOptions.DefaultExpFrac,
    }.WithStatistics(this, parse);

    /// <summary>Whether the running command declares <paramref name="option"/>: GetValue of an undeclared option is default(T), not its default value.</summary>
    public static bool Declared(ParseResult parse, Option option) => parse.CommandResult.Command.Options.Contains(option);

    public ICooccurrenceBackend CreateBackend(ParseResult parse) => DeviceSelection.Create(parse.GetValue(Device)!, CliHost.Log);
}

public static class DetectionOptionsCli
{
    /// <summary>
    /// The statistics options given on the command line, the rest kept from <paramref name="o"/>: for sketch
    /// and run the defaults, for expand the sketch's own (its seeds were found with those cutoffs and that pass,
    /// so a plain expand after `sketch --cutoffs exact` must not quietly fall back to the reference level).
    /// </summary>
    public static DetectionOptions WithStatistics(this DetectionOptions o, DetectionArguments args, ParseResult parse)
    {
        DetectionOptions given = o with
        {
            PosP = parse.ValueOr(args.PosP, o.PosP),
            NegP = parse.ValueOr(args.NegP, o.NegP),
            Cutoffs = parse.ValueOr(args.Cutoffs, o.Cutoffs),
            Passes = parse.ValueOr(args.Pass, o.Passes),
        };
        // A p that changes nothing would pass for a stricter or looser test (docs/method.md, reference mode);
        // a p that is no probability at all is the error to show, not this.
        given.Validate();
        if (given.Cutoffs == CutoffRule.Reference && (parse.Given(args.PosP) || parse.Given(args.NegP)))
            CliHost.Log("warning: --posp/--negp do not change the reference cutoffs (the original's bootstrap level is the maximum of 1000 draws at any real test count). Fix: add --cutoffs exact for a Bonferroni bound at that p.");
        return given;
    }
}
