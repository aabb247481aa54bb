using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Siren.Core.Clustering;
using Siren.Core.Ensemble;
using Siren.Core.Kernels;
using Siren.Core.Mrc;
using Siren.Core.Statistics;

namespace Siren.Core.Blocks;

/// <summary>Seeds or expanded blocks with the numbers a manifest and a benchmark report.</summary>
public sealed record StageResult(BlockSet Blocks, JsonObject Results, JsonObject Seconds);

/// <summary>Both stages of one run.</summary>
public sealed record DetectionResult(BinarizedEnsemble Ensemble, StageResult Sketch, StageResult Expand, string Backend);

/// <summary>
/// SIREn's two steps (Methods, "SIREn algorithm design"): sketch seed blocks by label propagation on
/// the graph of significantly co-occupied pairs among a random half of the union voxels, then expand
/// each seed block by every union voxel related to at least <see cref="DetectionOptions.ExpFrac"/> of it.
/// </summary>
public static class BlockDetection
{
    public const string SketchFolder = "00_sketch";
    public const string ExpandFolder = "02_expand";

    /// <summary>Where siren score writes its report on OUT/02_expand by default.</summary>
    public const string ScoreFolder = "03_score";

    /// <summary>Sketch on a loaded ensemble: seed blocks, not yet written.</summary>
    public static StageResult Sketch(BinarizedEnsemble ensemble, DetectionOptions options, ICooccurrenceBackend backend,
        Action<string>? log = null, IProgress<double>? progress = null)
    {
        options.Validate();
        OccupancyMatrix occ = ensemble.Occupancy;
        double apix = ApixOf(ensemble, options, log);
        var seconds = new JsonObject();
        var sw = Stopwatch.StartNew();

        int[] sample = new SirenRandom(options.Seed).SampleSorted(occ.Rows, occ.Rows / options.Subsample);
        if (occ.Rows > 0 && sample.Length == 0)
            throw new SirenException($"--subsample {options.Subsample} keeps none of the {occ.Rows} union voxels. Fix: give at most {occ.Rows} (2, the paper's, keeps half).");
        EdgePass[] passes = PassesOf(options.Passes);
        var rules = new EdgeRule[passes.Length];
        var results = new JsonObject { ["maps"] = occ.Maps, ["union_voxels"] = occ.Rows, ["sampled_voxels"] = sample.Length };
        for (int p = 0; p < passes.Length; p++)
        {
            int[] candidates = Candidates(occ, sample, passes[p]);
            double tests = (double)candidates.Length * (candidates.Length - 1) / 2;
            rules[p] = new EdgeRule(passes[p], SignificanceTable.Build(passes[p], occ.Maps, candidates.Select(r => occ.Counts[r]).ToArray(),
                options.PosP, options.NegP, tests, options.Cutoffs));
            results[$"{Name(passes[p])}_tests"] = tests;
        }
        seconds["cutoff_tables"] = Lap(sw);

        var problem = new PairProblem(occ, new LocalityTable(occ.Box, apix));
        IReadOnlyList<EdgeList> edges = sample.Length >= 2
            ? backend.SketchEdges(problem, sample, rules, progress)
            : passes.Select(_ => new EdgeList([], [])).ToArray();
        seconds["pair_counts"] = Lap(sw);

        var blocks = new List<Block>();
        for (int p = 0; p < passes.Length; p++)
        {
            results[$"{Name(passes[p])}_edges"] = edges[p].Count;
            List<int[]> communities = LabelPropagation.Communities(occ.Rows, edges[p].A, edges[p].B, log);
            blocks.AddRange(communities
                .Where(c => c.Length > options.MinSeedExclusive)
                .Select(c => new Block(0, c.Select(r => occ.Voxels[r]).ToArray(), Name(passes[p]))));
        }
        seconds["label_propagation"] = Lap(sw);
        BlockSet seeds = Number(occ.Box, apix, blocks);
        results["seed_blocks"] = seeds.Blocks.Count;
        results["seed_sizes"] = new JsonArray(seeds.Blocks.Select(b => (JsonNode)b.Voxels.Length).ToArray());
        return new StageResult(seeds, results, seconds);
    }

    /// <summary>Expand on a loaded ensemble: every union voxel against every seed voxel of each block.</summary>
    public static StageResult Expand(BinarizedEnsemble ensemble, BlockSet seeds, DetectionOptions options, ICooccurrenceBackend backend,
        Action<string>? log = null, IProgress<double>? progress = null) =>
        Expand(ensemble, seeds, options, backend, log, progress, ICooccurrenceBackend.MaxExpandCells);

    /// <param name="cellsPerCall">The most counts one backend call returns; the blocks go in batches that fit (tests make it small).</param>
    internal static StageResult Expand(BinarizedEnsemble ensemble, BlockSet seeds, DetectionOptions options, ICooccurrenceBackend backend,
        Action<string>? log, IProgress<double>? progress, int cellsPerCall)
    {
        options.Validate();
        OccupancyMatrix occ = ensemble.Occupancy;
        double apix = ApixOf(ensemble, options, log);
        var seconds = new JsonObject();
        var results = new JsonObject { ["maps"] = occ.Maps, ["union_voxels"] = occ.Rows, ["seed_blocks"] = seeds.Blocks.Count };
        var sw = Stopwatch.StartNew();
        var problem = new PairProblem(occ, new LocalityTable(occ.Box, apix));
        var expanded = new List<Block>();
        var all = Enumerable.Range(0, occ.Rows).ToArray();

        // One bar for the whole expand: each pass with seeds, and in it each batch of blocks, reports within its share.
        EdgePass[] seeded = PassesOf(options.Passes).Where(p => seeds.Blocks.Any(b => b.Pass == Name(p))).ToArray();
        foreach (EdgePass pass in seeded)
        {
            List<Block> passSeeds = seeds.Blocks.Where(b => b.Pass == Name(pass)).ToList();
            double passStart = (double)Array.IndexOf(seeded, pass) / seeded.Length, passWidth = 1.0 / seeded.Length;
            int[] candidates = Candidates(occ, all, pass);
            long seedVoxels = passSeeds.Sum(b => (long)b.Voxels.Length);
            double tests = (double)candidates.Length * seedVoxels;
            var rule = new EdgeRule(pass, SignificanceTable.Build(pass, occ.Maps, candidates.Select(r => occ.Counts[r]).ToArray(),
                options.PosP, options.NegP, tests, options.Cutoffs));
            results[$"{Name(pass)}_tests"] = tests;
            seconds[$"{Name(pass)}_cutoff_tables"] = Lap(sw);

            ExpandBlock[] kernelBlocks = passSeeds.Select(b => ToKernelBlock(occ, b)).ToArray();
            // Counts of every voxel against a batch of blocks at a time: all blocks at once can pass an int
            // index and memory at large boxes (ICooccurrenceBackend.MaxExpandCells).
            int batch = (int)Math.Clamp(cellsPerCall / Math.Max(1, occ.Rows), 1, Math.Max(1, kernelBlocks.Length));
            var joined = new List<int>[kernelBlocks.Length];
            for (int start = 0; start < kernelBlocks.Length; start += batch)
            {
                ExpandBlock[] batchBlocks = kernelBlocks[start..Math.Min(kernelBlocks.Length, start + batch)];
                // Each call reports 0 → 1; the batch's share of the blocks places it on the whole expand's bar.
                IProgress<double>? share = progress is null ? null
                    : new ProgressShare(progress, passStart + passWidth * start / kernelBlocks.Length, passWidth * batchBlocks.Length / kernelBlocks.Length);
                int[] counts = backend.ExpandCounts(problem, batchBlocks, [rule], share);
                for (int j = 0; j < batchBlocks.Length; j++)
                {
                    int size = batchBlocks[j].Rows.Length;
                    joined[start + j] = candidates.Where(v => (double)counts[(long)v * batchBlocks.Length + j] / size >= options.ExpFrac).ToList();
                }
            }
            seconds[$"{Name(pass)}_pair_counts"] = Lap(sw);

            for (int k = 0; k < passSeeds.Count; k++)
            {
                var members = new HashSet<int>(kernelBlocks[k].Rows);
                members.UnionWith(joined[k]);
                int[] voxels = members.Select(r => occ.Voxels[r]).ToArray();
                Array.Sort(voxels);
                expanded.Add(passSeeds[k] with { Voxels = voxels });
            }
        }
        BlockSet blocks = new(occ.Box, apix, expanded);
        if (options.Passes == PassSelection.Both)
        {
            blocks = Number(occ.Box, apix, MergeAcrossPasses(expanded, out int merged));
            results["merged_block_pairs"] = merged;
        }
        results["blocks"] = blocks.Blocks.Count;
        results["block_sizes"] = new JsonArray(blocks.Blocks.Select(b => (JsonNode)b.Voxels.Length).ToArray());
        return new StageResult(blocks, results, seconds);
    }

    /// <summary>Loads the maps, sketches and writes OUT/00_sketch (blocks, masks, manifest).</summary>
    public static StageResult RunSketch(DetectionOptions options, string outdir, ICooccurrenceBackend backend,
        Action<string>? log = null, Func<string, IProgress<double>?>? progress = null)
    {
        options.Validate();
        IO.AtomicFile.EnsureDirectory(outdir);
        BinarizedEnsemble ensemble = LoadTimed(options, log, progress, out double load);
        StageResult sketch = Sketch(ensemble, options, backend, log, progress?.Invoke("sketch pairs"));
        sketch.Seconds["read_and_binarize"] = load;
        // Blocks expanded from the previous seeds would otherwise sit beside these, looking current. They go
        // before the new seeds come in: a sketch stopped in between leaves no expansion of other seeds.
        string staleExpand = Path.Combine(outdir, ExpandFolder);
        if (Directory.Exists(staleExpand))
        {
            Directory.Delete(staleExpand, recursive: true);
            log?.Invoke($"sketch: removed {staleExpand}, expanded from the previous sketch; run siren expand again");
        }
        RemoveStaleScore(outdir, log);
        WriteStage(outdir, SketchFolder, ensemble, options, backend, sketch);
        return sketch;
    }

    /// <summary>A score of the previous OUT/02_expand would sit beside new blocks, still naming that folder.</summary>
    private static void RemoveStaleScore(string outdir, Action<string>? log)
    {
        string score = Path.Combine(outdir, ScoreFolder);
        if (!Directory.Exists(score)) return;
        Directory.Delete(score, recursive: true);
        log?.Invoke($"removed {score}, which scored the previous blocks; run siren score again");
    }

    /// <summary>
    /// Reads OUT/00_sketch (its seeds and the ensemble settings in its manifest), expands and writes
    /// OUT/02_expand. Significance and expansion settings come from <paramref name="expandOptions"/>.
    /// </summary>
    public static StageResult RunExpand(string outdir, Func<DetectionOptions, DetectionOptions> expandOptions, ICooccurrenceBackend backend,
        Action<string>? log = null, Func<string, IProgress<double>?>? progress = null)
    {
        string sketchFolder = Path.Combine(outdir, SketchFolder);
        // The sketch's own folder given as --outdir (out/00_sketch for out): the stage folders lie under OUT.
        if (!Directory.Exists(sketchFolder) && Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(outdir))) is SketchFolder or ExpandFolder)
            throw new SirenException($"'{outdir}' is a stage folder; expand reads OUT/{SketchFolder} and writes OUT/{ExpandFolder} beside it. Fix: pass --outdir {Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(outdir)))}.");
        DetectionOptions options = expandOptions(FromManifest(RunManifest.ReadParameters(sketchFolder), sketchFolder));
        options.Validate();
        BlockSet seeds = BlockSet.Read(sketchFolder);
        IO.AtomicFile.EnsureDirectory(outdir);
        BinarizedEnsemble ensemble = LoadTimed(options, log, progress, out double load);
        if (ensemble.Box != seeds.Box)
            throw new SirenException($"the maps in '{options.VolDir}' are {ensemble.Box}³ but '{sketchFolder}' was sketched at {seeds.Box}³. Fix: rerun siren sketch on these maps.");
        RequireSketchedMaps(ensemble, sketchFolder, options.VolDir);
        StageResult expand = Expand(ensemble, seeds, options, backend, log, progress?.Invoke("expand pairs"));
        expand.Seconds["read_and_binarize"] = load;
        WriteStage(outdir, ExpandFolder, ensemble, options, backend, expand);
        RemoveStaleScore(outdir, log);
        return expand;
    }

    /// <summary>Result key of the binarized ensemble's <see cref="OccupancyMatrix.Digest"/> in a stage's manifest.</summary>
    public const string OccupancyDigest = "occupancy_sha256";

    /// <summary>
    /// Expand re-reads the folder the sketch recorded; seeds found on other maps (one added, removed,
    /// renamed or rewritten since, or binarized at other thresholds) would be expanded against an ensemble
    /// they do not describe.
    /// </summary>
    private static void RequireSketchedMaps(BinarizedEnsemble ensemble, string sketchFolder, string voldir)
    {
        JsonObject sketch = RunManifest.ReadResults(sketchFolder);
        string[] sketched;
        try
        {
            sketched = sketch["kept_maps"]?.AsArray().Select(n => n?.GetValue<string>() ?? "").ToArray() ?? [];
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            throw new SirenException($"the manifest in '{sketchFolder}' has no list of kept maps ({e.Message}). Fix: rerun siren sketch with this --outdir.", e);
        }
        string[] now = ensemble.Kept.Select(m => Path.GetFileName(m.Path)).ToArray();
        if (!sketched.SequenceEqual(now))
        {
            string first = sketched.Except(now).Concat(now.Except(sketched)).FirstOrDefault() ?? "their order";
            throw new SirenException($"the maps in '{voldir}' are not those '{sketchFolder}' was sketched on ({sketched.Length} then, {now.Length} now; first difference: {first}). Fix: rerun siren sketch on these maps.");
        }
        // A sketch written before the digest was recorded is taken on its map names alone.
        if (sketch[OccupancyDigest] is JsonValue recorded && recorded.TryGetValue(out string? digest) && digest != ensemble.Occupancy.Digest())
            throw new SirenException($"the maps in '{voldir}' have the names '{sketchFolder}' was sketched on but binarize differently now (a map rewritten, or its threshold changed). Fix: rerun siren sketch on these maps.");
    }

    /// <summary>Sketch then expand on one in-memory ensemble, writing both stage folders.</summary>
    public static DetectionResult Run(DetectionOptions options, string outdir, ICooccurrenceBackend backend,
        Action<string>? log = null, Func<string, IProgress<double>?>? progress = null)
    {
        options.Validate();
        IO.AtomicFile.EnsureDirectory(outdir);
        BinarizedEnsemble ensemble = LoadTimed(options, log, progress, out double load);
        StageResult sketch = Sketch(ensemble, options, backend, log, progress?.Invoke("sketch pairs"));
        sketch.Seconds["read_and_binarize"] = load;
        WriteStage(outdir, SketchFolder, ensemble, options, backend, sketch);
        StageResult expand = Expand(ensemble, sketch.Blocks, options, backend, log, progress?.Invoke("expand pairs"));
        WriteStage(outdir, ExpandFolder, ensemble, options, backend, expand);
        RemoveStaleScore(outdir, log);
        return new DetectionResult(ensemble, sketch, expand, backend.Name);
    }

    /// <summary>Share of a block's voxels inside a block of the other pass at which the two are one block.</summary>
    public const double MergeFraction = 0.5;

    /// <summary>
    /// In `--pass both`, a positive and a complement block describe one feature when one lies mostly
    /// (≥ 50 % of its voxels) inside the other; such blocks (and chains of them) become one block, the
    /// union of their voxels, marked pass "both". Blocks of one pass are never merged with each other.
    /// </summary>
    private static List<Block> MergeAcrossPasses(List<Block> blocks, out int mergedPairs)
    {
        int n = blocks.Count;
        var parent = Enumerable.Range(0, n).ToArray();
        int Find(int i) => parent[i] == i ? i : parent[i] = Find(parent[i]);
        var sets = blocks.Select(b => new HashSet<int>(b.Voxels)).ToArray();
        mergedPairs = 0;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                if (blocks[i].Pass == blocks[j].Pass) continue;
                int shared = sets[i].Count(sets[j].Contains);
                if (shared >= MergeFraction * sets[i].Count || shared >= MergeFraction * sets[j].Count)
                {
                    parent[Find(i)] = Find(j);
                    mergedPairs++;
                }
            }
        return Enumerable.Range(0, n).GroupBy(Find).Select(g =>
        {
            var members = g.Select(i => blocks[i]).ToList();
            int[] voxels = members.SelectMany(b => b.Voxels).Distinct().Order().ToArray();
            string pass = members.Select(b => b.Pass).Distinct().Count() > 1 ? BlockSet.BothPasses : members[0].Pass;
            return new Block(0, voxels, pass);
        }).ToList();
    }

    /// <summary>Reads and binarizes the maps, reporting the seconds it took (the manifests' read_and_binarize).</summary>
    private static BinarizedEnsemble LoadTimed(DetectionOptions options, Action<string>? log, Func<string, IProgress<double>?>? progress, out double seconds)
    {
        var sw = Stopwatch.StartNew();
        BinarizedEnsemble ensemble = BinarizedEnsemble.Load(options.VolDir, options.Thresholds, options.Filter, log, progress?.Invoke("read maps"));
        seconds = Lap(sw);
        return ensemble;
    }

    internal static string Name(EdgePass pass) => pass == EdgePass.Positive ? BlockSet.PositivePass : BlockSet.ComplementPass;

    private static EdgePass[] PassesOf(PassSelection selection) => selection switch
    {
        PassSelection.Positive => [EdgePass.Positive],
        PassSelection.Complement => [EdgePass.Complement],
        _ => [EdgePass.Positive, EdgePass.Complement],
    };

    /// <summary>
    /// Rows a pass can relate. Voxels occupied in every kept map have no absence to co-vary, so the
    /// complement pass leaves them out (of its tests and of its Bonferroni count).
    /// </summary>
    private static int[] Candidates(OccupancyMatrix occ, int[] rows, EdgePass pass) =>
        pass == EdgePass.Positive ? rows : rows.Where(r => occ.Counts[r] < occ.Maps).ToArray();

    /// <summary>
    /// --apix, else the header's float voxel size as the decimal it was written from (6.55f → 6.55, not
    /// 6.550000190734863). The locality factor takes distances in Å along any axis from this one size.
    /// </summary>
    /// <param name="log">Told when the header's size is 1 Å, what cryoDRGN writes when its --Apix is not given:
    /// the original requires --apix, and at 1 Å the locality factor would treat 6.55 Å voxels as neighbours
    /// out to 15 voxels instead of 2.</param>
    private static double ApixOf(BinarizedEnsemble ensemble, DetectionOptions options, Action<string>? log = null)
    {
        if (options.Apix is { } apix) return apix;
        Vec3 v = ensemble.VoxelSize;
        string map = Path.GetFileName(ensemble.Kept[0].Path);
        if (!VoxelSizes.IsSize(v))
            throw new SirenException($"'{map}' has no voxel size in its header (cell / sampling gives {v.X:G4} × {v.Y:G4} × {v.Z:G4} Å). Fix: pass --apix with the maps' voxel size in Å.");
        if (!VoxelSizes.IsCubic(v))
            throw new SirenException($"'{map}' has voxels of {v.X:G4} × {v.Y:G4} × {v.Z:G4} Å; SIREn's distances assume cubic voxels. Fix: resample the maps to cubic voxels, or pass --apix to measure distances with one size.");
        double header = double.Parse(v.X.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        if (header == 1)
            log?.Invoke($"warning: '{map}' gives 1 Å per voxel, what cryoDRGN writes when its --Apix is not given; the locality factor measures distances with it. Pass --apix with the maps' voxel size if 1 Å is not it.");
        return header;
    }

    /// <summary>Numbers blocks by size, largest first (ties: lowest voxel), so block_0 is the biggest.</summary>
    private static BlockSet Number(int box, double apix, List<Block> blocks)
    {
        var ordered = blocks
            .Select(b => { var v = (int[])b.Voxels.Clone(); Array.Sort(v); return b with { Voxels = v }; })
            .OrderByDescending(b => b.Voxels.Length).ThenBy(b => b.Voxels[0]).ThenBy(b => b.Pass, StringComparer.Ordinal)
            .Select((b, i) => b with { Id = i }).ToList();
        return new BlockSet(box, apix, ordered);
    }

    private static ExpandBlock ToKernelBlock(OccupancyMatrix occ, Block block)
    {
        var rows = new int[block.Voxels.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            int r = Array.BinarySearch(occ.Voxels, block.Voxels[i]);
            if (r < 0)
                throw new SirenException($"block {block.Id} has voxel {block.Voxels[i]}, which is not a union voxel of these maps and thresholds. Fix: rerun siren sketch with the same maps and thresholds.");
            rows[i] = r;
        }
        return new ExpandBlock(rows, TwiceMedian(rows.Select(r => occ.X[r])), TwiceMedian(rows.Select(r => occ.Y[r])), TwiceMedian(rows.Select(r => occ.Z[r])));
    }

    /// <summary>2 × np.median: the middle value doubled, or the sum of the two middle values.</summary>
    private static int TwiceMedian(IEnumerable<int> values)
    {
        int[] v = values.ToArray();
        Array.Sort(v);
        int m = v.Length / 2;
        return v.Length % 2 == 1 ? 2 * v[m] : v[m - 1] + v[m];
    }

    private static double Lap(Stopwatch sw)
    {
        double s = Math.Round(sw.Elapsed.TotalSeconds, 4);
        sw.Restart();
        return s;
    }

    /// <summary>
    /// Writes a stage's folder (OUT/00_sketch or OUT/02_expand) whole, in place of the previous one: a run
    /// that fails leaves the previous stage as it was, or no folder, never an empty or half-written one.
    /// </summary>
    private static void WriteStage(string outdir, string stageFolder, BinarizedEnsemble ensemble, DetectionOptions options, ICooccurrenceBackend backend, StageResult stage) =>
        IO.AtomicFile.WriteDirectory(Path.Combine(outdir, stageFolder), folder =>
            WriteStageFiles(folder, stageFolder == SketchFolder ? "sketch" : "expand", ensemble, options, backend, stage));

    private static void WriteStageFiles(string folder, string command, BinarizedEnsemble ensemble, DetectionOptions options, ICooccurrenceBackend backend, StageResult stage)
    {
        var sw = Stopwatch.StartNew();
        stage.Blocks.Write(folder, ensemble.VoxelSize, ensemble.Origin);
        stage.Seconds["write"] = Lap(sw);
        var manifest = new RunManifest(command);
        foreach (var (key, value) in ToParameters(options, ensemble)) manifest.Parameter(key, value?.DeepClone());
        manifest.Parameter("backend", backend.Name);
        manifest.Result("kept_maps", new JsonArray(ensemble.Kept.Select(m => (JsonNode)Path.GetFileName(m.Path)).ToArray()));
        manifest.Result("dropped_maps", new JsonArray(ensemble.Dropped.Select(d => (JsonNode)new JsonObject
        {
            ["map"] = Path.GetFileName(d.Map.Path),
            ["reason"] = d.Reason,
        }).ToArray()));
        manifest.Result(OccupancyDigest, ensemble.Occupancy.Digest());
        foreach (var (key, value) in stage.Results) manifest.Result(key, value?.DeepClone());
        var seconds = new JsonObject();
        foreach (var (key, value) in stage.Seconds) seconds[key] = value?.DeepClone();
        manifest.Result("seconds", seconds);
        manifest.Write(folder);
    }

    private static JsonObject ToParameters(DetectionOptions o, BinarizedEnsemble ensemble) => new()
    {
        ["voldir"] = Path.GetFullPath(o.VolDir),
        ["thresholds"] = o.Thresholds.Source,
        ["filter"] = o.Filter,
        ["subsample"] = o.Subsample,
        ["seed"] = o.Seed,
        ["posp"] = o.PosP,
        ["negp"] = o.NegP,
        ["cutoffs"] = o.Cutoffs.ToString().ToLowerInvariant(),
        ["apix"] = ApixOf(ensemble, o),
        ["apix_from_header"] = o.Apix is null,
        ["exp_frac"] = o.ExpFrac,
        ["pass"] = o.Passes.ToString().ToLowerInvariant(),
        ["min_seed_exclusive"] = o.MinSeedExclusive,
    };

    private static DetectionOptions FromManifest(JsonObject p, string folder)
    {
        try
        {
            string source = p["thresholds"]!.GetValue<string>(), voldir = p["voldir"]!.GetValue<string>();
            bool constant = source.StartsWith("constant ", StringComparison.Ordinal);
            // Expand reads the maps and levels where the sketch found them; moved since, they are named as the sketch's record.
            if (!Directory.Exists(voldir) || (!constant && !File.Exists(source)))
                throw new SirenException($"the sketch in '{folder}' read {(!Directory.Exists(voldir) ? $"its maps from '{voldir}'" : $"its thresholds from '{source}'")}, which is no longer there. Fix: rerun siren sketch with the maps' and thresholds' present paths.");
            Thresholds thresholds = constant
                ? Thresholds.Constant(double.Parse(source["constant ".Length..], CultureInfo.InvariantCulture))
                : Thresholds.FromCsv(source);
            return new DetectionOptions
            {
                VolDir = voldir,
                Thresholds = thresholds,
                Filter = p["filter"]!.GetValue<bool>(),
                Subsample = p["subsample"]!.GetValue<int>(),
                Seed = p["seed"]!.GetValue<ulong>(),
                PosP = p["posp"]!.GetValue<double>(),
                NegP = p["negp"]!.GetValue<double>(),
                Cutoffs = Enum.Parse<CutoffRule>(p["cutoffs"]!.GetValue<string>(), ignoreCase: true),
                Apix = p["apix_from_header"]!.GetValue<bool>() ? null : p["apix"]!.GetValue<double>(),
                ExpFrac = p["exp_frac"]!.GetValue<double>(),
                Passes = Enum.Parse<PassSelection>(p["pass"]!.GetValue<string>(), ignoreCase: true),
                MinSeedExclusive = p["min_seed_exclusive"]!.GetValue<int>(),
            };
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new SirenException($"the manifest in '{folder}' is incomplete or from another tool ({e.Message}). Fix: rerun siren sketch with this --outdir.", e);
        }
    }
}

/// <summary>One part's progress, 0 → 1, as its share of a whole: reported at once, on the caller's thread (Progress&lt;T&gt; would post it).</summary>
internal sealed class ProgressShare(IProgress<double> whole, double start, double width) : IProgress<double>
{
    public void Report(double value) => whole.Report(start + value * width);
}
