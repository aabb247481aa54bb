using System.Globalization;
using System.Text;
using Siren.Core.Blocks;
using Siren.Core.IO;
using Siren.Core.Occupancy;

namespace Siren.Core.Classification;

public sealed record ClassifyOptions
{
    public Linkage Linkage { get; init; } = Linkage.Ward;

    /// <summary>Cut the dendrogram into this many classes (used when <see cref="Distance"/> is null).</summary>
    public int Classes { get; init; } = 4;

    /// <summary>Cut the dendrogram at this height instead of into a number of classes.</summary>
    public double? Distance { get; init; }

    public ulong Seed { get; init; }

    /// <summary>EM starts per block mixture.</summary>
    public int Starts { get; init; } = 10;

    /// <summary>Also assign each map to the block of maximal occupancy (the paper's rotary states).</summary>
    public bool AssignMax { get; init; }

    public bool Plots { get; init; } = true;

    /// <summary>Upper bound on <see cref="Starts"/>: every start is a full EM fit per block, so a million starts runs for minutes with nothing to show.</summary>
    public const int MaxStarts = 1000;

    /// <summary>Refuses options that no occupancy table can satisfy, so callers fail before reading or writing anything.</summary>
    public void Validate()
    {
        if (Classes < 1)
            throw new SirenException($"--classes {Classes} cuts the maps into no class. Fix: choose --classes of at least 1.");
        if (Distance is double d && !(double.IsFinite(d) && d > 0))
            throw new SirenException($"--distance {d.ToString(CultureInfo.InvariantCulture)} is not a height the dendrogram can be cut at. Fix: choose a finite --distance above 0.");
        if (Starts is < 1 or > MaxStarts)
            throw new SirenException($"--starts {Starts} is outside 1–{MaxStarts}. Fix: choose --starts between 1 and {MaxStarts} (10 is the default).");
    }
}

/// <param name="Particles">Per map, the particles it stands for (its k-means class's size), when labels were given.</param>
public sealed record BlockMixture(string Block, TwoComponentFit Fit, bool[] High, long[]? Particles)
{
    public int HighCount => High.Count(h => h);
    public double FractionHigh => (double)HighCount / High.Length;

    /// <summary>Particles of the maps labelled high: what the paper compares with a state's true frequency (Figure 3D).</summary>
    public long? ParticlesHigh => Particles is null ? null : High.Select((h, r) => h ? Particles[r] : 0).Sum();

    /// <summary>Of the particles the table's maps stand for (those of maps --filter dropped are not counted).</summary>
    public double? FractionParticlesHigh => Particles is null ? null : (double)ParticlesHigh!.Value / Particles.Sum();

    /// <summary>
    /// Why this block's low/high split should not be read as two states, or null: its maps look like one
    /// population — one Gaussian fits them as well as two (BIC) and the two fitted lie under 3 σ apart, as EM
    /// leaves them on one hump (2.3–3 σ) — or the two overlap (under 2 σ apart); EM is slow on one hump and may
    /// also not have converged, which is the warning otherwise. BIC alone would flag real two-state blocks of
    /// few maps (a third of 20-map ensembles of states 4 σ apart), whose fitted means lie further apart. A
    /// block that never varies (one component, all low) needs none.
    /// </summary>
    public string? Warning => Fit.MeanLow == Fit.MeanHigh ? null
        : Fit.BicGain <= 0 && Fit.Separation < 3 ? string.Create(CultureInfo.InvariantCulture, $"warning: {Block}: its {High.Length} maps look like one population, not two occupancy states: one Gaussian fits them as well as two (BIC gain {Fit.BicGain:F1}) and the two lie {Fit.Separation:F2} σ apart.")
        : Fit.Separation < 2 ? string.Create(CultureInfo.InvariantCulture, $"warning: {Block}: its low and high components overlap (means {Fit.MeanLow:G4} / {Fit.MeanHigh:G4}, σ {Fit.Sigma:G4}: {Fit.Separation:F2} σ apart, under 2), so many maps lie between its two occupancy states.")
        : !Fit.Converged ? $"warning: {Block}: the mixture had not converged after {Fit.Iterations} EM iterations; its low/high split may not be settled."
        : null;
}

/// <param name="Particles">Per map (table row), the particles it stands for; null without labels.</param>
/// <param name="CutWarning">Why the cut into classes is not settled by the data (a tie in merge heights), or null.</param>
public sealed record ClassifyResult(BlockMixture[] Mixtures, int[] Classes, int[] LeafOrder, int[]? MaxBlock, long[]? Particles, string? CutWarning = null);

/// <summary>
/// siren classify: per block a low/high Gaussian mixture on the occupancies (paper Figure 3C–D), across
/// blocks a hierarchical clustering of maps into classes (Figure 4B), and optionally each map's block of
/// maximal occupancy (Figure 3F).
/// </summary>
public static class Classifier
{
    /// <param name="particles">Per table row, the particles the map stands for (<see cref="Curation.ParticleSelection.ParticlesPerMap"/>), or null.</param>
    public static ClassifyResult Run(OccupancyTable table, ClassifyOptions options, long[]? particles = null)
    {
        if (particles is not null && particles.Length != table.Rows)
            throw new ArgumentException($"{particles.Length} particle counts for {table.Rows} maps", nameof(particles));
        if (table.Rows < 2) throw new SirenException($"classify needs at least 2 maps, the table has {table.Rows}. Fix: measure occupancy over more maps.");
        // The cut refuses more classes than maps; cutting before the mixture fits reports that at once.
        Dendrogram tree = Dendrogram.Build(table.Values, options.Linkage);
        int[] classes = options.Distance is double d ? tree.CutAtDistance(d) : tree.CutIntoClasses(options.Classes);
        var mixtures = new BlockMixture[table.Columns.Length];
        for (int c = 0; c < table.Columns.Length; c++)
        {
            double[] x = table.Column(c);
            // Each block gets its own stream of starts so adding a block does not change the others' fits.
            TwoComponentFit fit = Gmm.FitTwoComponent(x, options.Seed + (ulong)c * 0x9E3779B97F4A7C15UL, options.Starts);
            mixtures[c] = new BlockMixture(table.Columns[c], fit, x.Select(fit.IsHigh).ToArray(), particles);
        }
        int[]? maxBlock = options.AssignMax ? table.Values.Select(ArgMax).ToArray() : null;
        string? cutWarning = options.Distance is null && tree.TiedHeightAtCut(options.Classes) is double tie
            ? string.Create(CultureInfo.InvariantCulture, $"warning: the cut into {options.Classes} classes falls between two merges at the same height ({tie:G6}), so which of them is undone is not decided by the data. Fix: choose another --classes, or cut with --distance above or below {tie:G6}.")
            : null;
        return new ClassifyResult(mixtures, classes, tree.LeafOrder(), maxBlock, particles, cutWarning);
    }

    private const string AssignmentsFile = "assignments.csv", HeatmapFile = "heatmap.png";

    /// <summary>The file name of <paramref name="block"/>'s mixture histogram.</summary>
    public static string MixtureFigure(string block) => $"mixture_{block}.png";

    /// <summary>Every name <see cref="Write"/> may give a file, as patterns: what a rerun of run's classify stage may remove.</summary>
    public static readonly string[] FileNamePatterns = ["mixtures.csv", "labels.csv", "classes.csv", AssignmentsFile, HeatmapFile, MixtureFigure("*")];

    /// <summary>The files <see cref="Write"/> writes for these options and this table's blocks.</summary>
    public static IReadOnlyList<string> OutputNames(OccupancyTable table, ClassifyResult result, ClassifyOptions options)
    {
        var names = new List<string> { "mixtures.csv", "labels.csv", "classes.csv" };
        if (result.MaxBlock is not null) names.Add(AssignmentsFile);
        if (options.Plots) names.AddRange([.. table.Columns.Select(MixtureFigure), HeatmapFile]);
        return names;
    }

    /// <summary>
    /// Writes mixtures.csv, labels.csv, classes.csv, assignments.csv (with AssignMax) and the PNGs (with Plots)
    /// into <paramref name="outdir"/>; returns their names (<see cref="OutputNames"/>), for the manifest.
    /// </summary>
    public static IReadOnlyList<string> Write(string outdir, OccupancyTable table, ClassifyResult result, ClassifyOptions options)
    {
        AtomicFile.EnsureDirectory(outdir);
        IReadOnlyList<string> written = OutputNames(table, result, options);
        var inv = CultureInfo.InvariantCulture;
        bool weighed = result.Particles is not null;
        var mix = new StringBuilder("block,mean_low,mean_high,sigma,weight_high,maps_high,fraction_high,log_likelihood");
        mix.Append(weighed ? ",particles_high,fraction_particles_high\n" : "\n");
        foreach (BlockMixture m in result.Mixtures)
        {
            mix.Append(inv, $"{m.Block},{m.Fit.MeanLow:R},{m.Fit.MeanHigh:R},{m.Fit.Sigma:R},{m.Fit.WeightHigh:R},{m.HighCount},{m.FractionHigh:R},{m.Fit.LogLikelihood:R}");
            if (weighed) mix.Append(inv, $",{m.ParticlesHigh},{m.FractionParticlesHigh:R}");
            mix.Append('\n');
        }
        AtomicFile.WriteAllText(Path.Combine(outdir, "mixtures.csv"), mix.ToString());

        var labels = new StringBuilder("vol_id");
        foreach (string b in table.Columns) labels.Append(',').Append(b);
        labels.Append('\n');
        for (int r = 0; r < table.Rows; r++)
        {
            labels.Append(table.MapIds[r].ToString(inv));
            foreach (BlockMixture m in result.Mixtures) labels.Append(m.High[r] ? ",1" : ",0");
            labels.Append('\n');
        }
        AtomicFile.WriteAllText(Path.Combine(outdir, "labels.csv"), labels.ToString());

        var position = new int[table.Rows];
        for (int i = 0; i < result.LeafOrder.Length; i++) position[result.LeafOrder[i]] = i;
        var classes = new StringBuilder(weighed ? "vol_id,class,dendrogram_order,particles\n" : "vol_id,class,dendrogram_order\n");
        for (int r = 0; r < table.Rows; r++)
        {
            classes.Append(inv, $"{table.MapIds[r]},{result.Classes[r]},{position[r]}");
            if (weighed) classes.Append(inv, $",{result.Particles![r]}");
            classes.Append('\n');
        }
        AtomicFile.WriteAllText(Path.Combine(outdir, "classes.csv"), classes.ToString());

        if (result.MaxBlock is int[] max)
        {
            var assign = new StringBuilder("vol_id,block,occupancy\n");
            for (int r = 0; r < table.Rows; r++)
                assign.Append(inv, $"{table.MapIds[r]},{table.Columns[max[r]]},{table.Values[r][max[r]]:R}\n");
            AtomicFile.WriteAllText(Path.Combine(outdir, AssignmentsFile), assign.ToString());
        }

        if (options.Plots)
        {
            for (int c = 0; c < table.Columns.Length; c++)
                ClassificationPlots.MixtureHistogram(Path.Combine(outdir, MixtureFigure(table.Columns[c])), table.Columns[c], table.Column(c), result.Mixtures[c].Fit);
            ClassificationPlots.ClassHeatmap(Path.Combine(outdir, HeatmapFile), table.Columns, table.Values, result.LeafOrder, result.Classes);
        }
        return written;
    }

    private static int ArgMax(double[] row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }
}
