using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Siren.Core.Blocks;
using Siren.Core.ChimeraX;
using Siren.Core.Classification;
using Siren.Core.Curation;
using Siren.Core.Ensemble;
using Siren.Core.IO;
using Siren.Core.Kernels;
using Siren.Core.Occupancy;

namespace Siren.Core.Pipeline;

public sealed record RunOptions
{
    public required DetectionOptions Detection { get; init; }
    public ClassifyOptions Classify { get; init; } = new();
    public string Device { get; init; } = "auto";

    /// <summary>cryoDRGN k-means labels.pkl: classify also counts the particles each map stands for; or null.</summary>
    public string? Labels { get; init; }

    /// <summary>Map id of k-means class 0 (<see cref="Curation.ParticleSelection.ParticlesOfMaps"/>); null: 0, not given, so maps numbered from 1 are refused.</summary>
    public int? FirstMapId { get; init; }
}

/// <summary>What one stage of a run did: ran, or skipped because its outputs and stamp matched.</summary>
public sealed record StageOutcome(string Stage, bool Skipped, double Seconds);

/// <summary>What a run made; <see cref="Classes"/> is null when it found no block (nothing to classify).</summary>
public sealed record RunResult(IReadOnlyList<StageOutcome> Stages, BlockSet Blocks, ClassifyResult? Classes, string Report);

/// <summary>
/// siren run: sketch → expand → occupancy → classify over one folder of maps, then a ChimeraX script and
/// OUT/report.md. Each stage leaves stage.json beside its outputs with its parameters and those of every
/// stage before it (including fingerprints of the maps and threshold files); a rerun skips a stage whose
/// outputs exist and whose stamp equals what it would write now, so changing a late option reruns only
/// the late stages and an interrupted run resumes where it stopped.
/// </summary>
public static class RunPipeline
{
    public const string StampFile = "stage.json";
    public const string OccupancyFolder = "03_occupancy";
    public const string ClassifyFolder = "04_classify";
    public const string ReportFile = "report.md";
    public const string ChimeraXFile = "blocks.cxc";

    public const string ThresholdsFolder = "01_thresholds";
    public const string OccupanciesFile = "occupancies.csv";

    /// <summary>
    /// The thresholds stage of a run given no --thresholds: the shipped model's levels for every map,
    /// predicted once into OUT/01_thresholds and reused while the maps (folder, names, sizes, times) and the
    /// model are those its stamp records.
    /// </summary>
    public static Thresholds PredictedThresholds(string voldir, string outdir, Action<string>? log = null,
        Func<string, IProgress<double>?>? progress = null)
    {
        // The run's manifest.json would replace another command's record of its files in this folder.
        RunManifest.RequireOwnOutputs(AtomicFile.EnsureDirectory(outdir), "run", []);
        string folder = Path.Combine(outdir, ThresholdsFolder);
        string csv = Path.Combine(folder, Thresholding.ThresholdPredictor.PredictionsFile);
        using var predictor = new Thresholding.ThresholdPredictor();
        var stamp = new JsonObject { ["maps"] = MapsFingerprint(VolumeFolder.List(voldir)), ["model_sha256"] = predictor.ModelSha256 };
        string[] derived = [Path.Combine(outdir, BlockDetection.SketchFolder), Path.Combine(outdir, BlockDetection.ExpandFolder), .. DerivedFromBlocks(outdir)];
        Stage("thresholds", folder, stamp, [csv], derived, log, () =>
        {
            log?.Invoke($"run: predicting thresholds with {predictor.ModelSource} → {csv}");
            predictor.PredictThresholds(voldir, csv, progress: progress?.Invoke("predict thresholds"), log: log);
        });
        return Thresholds.FromCsv(csv);
    }

    /// <summary>
    /// Everything a run checks that does not need the thresholds: the options, the output folder, the maps
    /// (one cubic grid, enough for the classes) and the labels' numbering of them. siren run calls it before
    /// predicting thresholds, so a mistake costs no model time; <see cref="Run"/> calls it again.
    /// </summary>
    public static IReadOnlyList<VolumeFile> Preflight(RunOptions options, string outdir, out long[]? labels)
    {
        DetectionOptions d = options.Detection;
        d.Validate();
        RunManifest.RequireOwnOutputs(AtomicFile.EnsureDirectory(outdir), "run", []);
        options.Classify.Validate();
        ParticleSelection.RequireFirstMapId(options.FirstMapId);
        IReadOnlyList<VolumeFile> maps = VolumeFolder.List(d.VolDir);
        VolumeFolder.RequireOneGrid(maps);
        if (options.Classify.Distance is null && options.Classify.Classes > maps.Count)
            throw new SirenException($"cannot cut {maps.Count} maps into {options.Classify.Classes} classes. Fix: choose --classes between 1 and {maps.Count}.");
        labels = null;
        if (options.Labels is string labelsPath)
        {
            labels = NumpyPickle.ReadInt64(labelsPath);
            ParticleSelection.ParticlesPerMap(labels, maps.Select(m => m.MapId).ToArray(), d.VolDir, options.FirstMapId, labelsPath, out _);
        }
        return maps;
    }

    public static RunResult Run(RunOptions options, string outdir, ICooccurrenceBackend backend, Action<string>? log = null,
        Func<string, IProgress<double>?>? progress = null)
    {
        DetectionOptions d = options.Detection;
        outdir = AtomicFile.EnsureDirectory(outdir);
        IReadOnlyList<VolumeFile> maps = Preflight(options, outdir, out long[]? labels);
        d.Thresholds.RequireAll(maps);
        var stages = new List<StageOutcome>();

        var detectStamp = new JsonObject
        {
            ["maps"] = MapsFingerprint(maps),
            ["thresholds"] = ThresholdsFingerprint(d.Thresholds),
            ["filter"] = d.Filter, ["subsample"] = d.Subsample, ["seed"] = d.Seed, ["posp"] = d.PosP, ["negp"] = d.NegP,
            ["cutoffs"] = d.Cutoffs.ToString(), ["apix"] = d.Apix, ["exp_frac"] = d.ExpFrac, ["passes"] = d.Passes.ToString(),
            ["min_seed_exclusive"] = d.MinSeedExclusive,
        };
        string expandFolder = Path.Combine(outdir, BlockDetection.ExpandFolder);
        string occFolder = Path.Combine(outdir, OccupancyFolder), classFolder = Path.Combine(outdir, ClassifyFolder);
        string cxc = Path.Combine(outdir, ChimeraXFile), report = Path.Combine(outdir, ReportFile);
        string[] summaries = Summaries(outdir);
        // Levels an earlier run predicted would sit beside a run on the user's own, looking like its thresholds.
        string predicted = Path.Combine(outdir, ThresholdsFolder);
        if (summaries.Length > 0 && (d.Thresholds.IsPerMap ? InputFile.RealPath(d.Thresholds.Source) : d.Thresholds.Source)
                != InputFile.RealPath(Path.Combine(predicted, Thresholding.ThresholdPredictor.PredictionsFile)))
            RemovePredictedThresholds(outdir);
        string sketchManifest = Path.Combine(outdir, BlockDetection.SketchFolder, RunManifest.FileName);
        // Every file the report and later stages read is in the stamp, so a damaged one redoes the stage.
        string[] detected = [Path.Combine(expandFolder, BlockSet.FileName), Path.Combine(expandFolder, RunManifest.FileName), sketchManifest,
            Path.Combine(outdir, BlockDetection.SketchFolder, BlockSet.FileName)];
        stages.Add(Stage("sketch+expand", expandFolder, detectStamp, detected, DerivedFromBlocks(outdir), log, () =>
        {
            DetectionResult r = BlockDetection.Run(d, outdir, backend, log, progress);
            log?.Invoke($"run: {r.Expand.Blocks.Blocks.Count} blocks from {r.Ensemble.Kept.Count} maps");
        }, alsoRecorded: ["block_*.mrc"]));
        BlockSet blocks = BlockSet.Read(expandFolder);
        // The maps the blocks were found in: --filter's outliers and empty maps are left out of block detection,
        // and measured at an outlying level they would be classified and counted as if sound.
        IReadOnlyList<VolumeFile> analysed = KeptBySketch(sketchManifest, maps);
        if (analysed.Count < maps.Count)
            log?.Invoke($"run: occupancy and classes over the {analysed.Count} maps block detection kept ({maps.Count - analysed.Count} left out: {sketchManifest} lists why)");
        if (options.Classify.Distance is null && options.Classify.Classes > analysed.Count)
            throw new SirenException($"cannot cut the {analysed.Count} maps block detection kept into {options.Classify.Classes} classes. Fix: choose --classes between 1 and {analysed.Count}.");

        if (blocks.Blocks.Count == 0)
            return NoBlocks(options, maps, analysed, blocks, stages, outdir, backend, detectStamp, log);

        // Occupancy as the paper measures blocks: each map binarized at its threshold, normalized by block size;
        // occupied as the blocks were found (value > level), or maps whose solvent sits exactly at the level
        // would fill every block.
        var occStamp = new JsonObject { ["after"] = detectStamp.DeepClone(), ["normalization"] = "per-voxel", ["binarized"] = "above" };
        string occCsv = Path.Combine(occFolder, OccupanciesFile);
        stages.Add(Stage("occupancy", occFolder, occStamp, [occCsv], [classFolder, .. summaries], log, () =>
        {
            var masks = blocks.Blocks.Select(b => OccupancyMask.FromBlock(b, blocks.Box)).ToList();
            var occOptions = new OccupancyOptions { Thresholds = d.Thresholds, Normalization = OccupancyNormalization.PerVoxel, StrictlyAbove = true };
            OccupancyCalculator.WriteCsv(occCsv, analysed, masks, occOptions, progress?.Invoke("occupancy"));
        }));

        ClassifyOptions c = options.Classify;
        var classStamp = new JsonObject
        {
            ["after"] = occStamp.DeepClone(), ["linkage"] = c.Linkage.ToString(), ["classes"] = c.Classes, ["distance"] = c.Distance,
            ["seed"] = c.Seed, ["starts"] = c.Starts, ["assign_max"] = c.AssignMax, ["plots"] = c.Plots,
        };
        OccupancyTable table = OccupancyTable.Read(occCsv);
        long[]? particles = null;
        if (labels is not null)
        {
            // The labels' content, not their path: another k-means run written over the same file changes the counts.
            classStamp["labels"] = $"{Path.GetFullPath(options.Labels!)} sha256:{InputFile.Sha256(options.Labels!)}";
            // The whole folder's numbering was checked up front; the maps block detection kept may lack map 0.
            classStamp["first_map_id"] = options.FirstMapId ?? 0;
            particles = ParticleSelection.ParticlesPerMap(labels, table.MapIds, occCsv, options.FirstMapId ?? 0, options.Labels!, log);
        }
        // Computed before the stage removes the earlier classes and report (it is fast and deterministic, and a
        // skipped stage needs it for the report too): options these maps cannot take (more classes than
        // distinct maps) fail with the earlier run's results still in place.
        ClassifyResult classes = Classifier.Run(table, c, particles);
        foreach (string warning in classes.Mixtures.Select(m => m.Warning).Append(classes.CutWarning).OfType<string>())
            log?.Invoke(warning);
        stages.Add(Stage("classify", classFolder, classStamp, [Path.Combine(classFolder, "classes.csv"), Path.Combine(classFolder, "mixtures.csv")], summaries, log,
            () => Classifier.Write(classFolder, table, classes, c), alsoRecorded: Classifier.FileNamePatterns));

        string exemplar = analysed[0].Path;
        // The script is a convenience: a path it cannot quote costs the script, not the run's results.
        try
        {
            AtomicFile.WriteAllText(cxc, ChimeraXScript.Build(exemplar, d.Thresholds.For(analysed[0].MapId), ChimeraXScript.BlockMasks(expandFolder)));
        }
        catch (SirenException e)
        {
            log?.Invoke($"warning: no {ChimeraXFile}: {e.Message}");
        }
        RemoveChimeraxManifest(outdir);
        AtomicFile.WriteAllText(report, Report(options, maps, analysed, blocks, table, classes, stages, outdir, exemplar));
        WriteManifest(outdir, classStamp, options, backend, stages, blocks.Blocks.Count, classes.Classes.Max());
        return new RunResult(stages, blocks, classes, report);
    }

    /// <summary>A siren chimerax that wrote OUT/blocks.cxc before left its manifest beside it; it describes that script, not the run's.</summary>
    private static void RemoveChimeraxManifest(string outdir)
    {
        string chimeraxManifest = Path.Combine(outdir, RunManifest.NameBeside(Path.Combine(outdir, ChimeraXFile)));
        if (File.Exists(chimeraxManifest)) File.Delete(chimeraxManifest);
    }

    /// <summary>
    /// The run's manifest.json: the last stage's stamp as parameters, every stage's outcome, and the counts. It
    /// lists the summaries it wrote in OUT (the script, when written, and the report), which siren chimerax may
    /// then replace (RunManifest.RequireOwnFile).
    /// </summary>
    private static void WriteManifest(string outdir, JsonObject stamp, RunOptions options, ICooccurrenceBackend backend, List<StageOutcome> stages, int blocks, int? classes)
    {
        var manifest = new RunManifest("run").Outputs(new[] { ChimeraXFile, ReportFile }.Where(f => File.Exists(Path.Combine(outdir, f))));
        foreach (var (key, value) in stamp) manifest.Parameter(key, value?.DeepClone());
        manifest.Parameter("device", options.Device).Parameter("backend", backend.Name)
            .Result("stages", new JsonArray(stages.Select(s => (JsonNode)new JsonObject { ["stage"] = s.Stage, ["skipped"] = s.Skipped, ["seconds"] = s.Seconds }).ToArray()))
            .Result("blocks", blocks).Result("classes", classes);
        manifest.Write(outdir);
    }

    /// <summary>
    /// No structural block: a homogeneous ensemble (the paper's 100 %-intact control) or too few maps to show
    /// their variation. That is a result, not an error: the report says so and the run ends there, with
    /// nothing to measure or classify. Occupancy and classes of earlier blocks went when these were found.
    /// </summary>
    private static RunResult NoBlocks(RunOptions options, IReadOnlyList<VolumeFile> maps, IReadOnlyList<VolumeFile> analysed, BlockSet blocks,
        List<StageOutcome> stages, string outdir, ICooccurrenceBackend backend, JsonObject detectStamp, Action<string>? log)
    {
        log?.Invoke($"run: no structural blocks in {analysed.Count} maps, so no occupancy or classes; {ReportFile} says why this can be the answer");
        RemoveChimeraxManifest(outdir);
        string report = Path.Combine(outdir, ReportFile);
        AtomicFile.WriteAllText(report, Report(options, maps, analysed, blocks, null, null, stages, outdir, analysed[0].Path));
        WriteManifest(outdir, detectStamp, options, backend, stages, 0, null);
        return new RunResult(stages, blocks, null, report);
    }

    /// <summary>
    /// The ChimeraX script, the report and the run's manifest: stale once any stage's outputs change, but
    /// only when siren run wrote them. In another folder (a first run into a simulation's folder, or the
    /// user's) a report.md or manifest.json is someone else's, and a successful run replaces them at its end.
    /// </summary>
    private static string[] Summaries(string outdir) => IsRunFolder(outdir)
        ? [Path.Combine(outdir, ChimeraXFile), Path.Combine(outdir, ReportFile), Path.Combine(outdir, RunManifest.FileName)]
        : [];

    /// <summary>
    /// What a run derived from its blocks: occupancies, classes and the <see cref="Summaries"/>. New blocks (a
    /// stage of this run, or siren sketch/expand into a run's folder) make them stale.
    /// </summary>
    private static string[] DerivedFromBlocks(string outdir) =>
        [Path.Combine(outdir, OccupancyFolder), Path.Combine(outdir, ClassifyFolder), .. Summaries(outdir)];

    private static readonly string[] StageFolders = [ThresholdsFolder, BlockDetection.ExpandFolder, OccupancyFolder, ClassifyFolder];

    /// <summary>
    /// For a standalone command (predict-thresholds, occupancy, classify, demo) writing into one of a run's
    /// stage folders: the stage's stamp would vouch for those outputs as run's own, and the run's own files
    /// there would sit beside them looking current, so both go, with the stamps of the later stages (made
    /// from the replaced outputs) and the run's summaries; the next siren run redoes them. The run's files of
    /// a later occupancy or classify stage go too: made from what is replaced, and unstamped they would be
    /// nobody's, so a standalone classify into 04_classify after occupancy would be refused their names. The
    /// blocks (02_expand) stay. Any other folder is left as it is.
    /// </summary>
    public static void LeaveStage(string folder, Action<string>? log = null)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)); // --outdir out/04_classify/ names the stage too
        int stage = Array.IndexOf(StageFolders, Path.GetFileName(full));
        if (Path.GetDirectoryName(full) is not { } outdir || stage < 0 || !IsRunFolder(outdir)) return;
        string[] stamps = StageFolders[stage..].Select(f => Path.Combine(outdir, f, StampFile)).ToArray();
        string[] present = Summaries(outdir).Concat(stamps).Where(File.Exists).ToArray();
        // Only when the run made this stage: a run on given thresholds never read 01_thresholds, and levels
        // predicted there change none of its results.
        if (File.Exists(stamps[0]))
        {
            if (StageFiles.ContainsKey(StageFolders[stage])) Remove(full);
            foreach (string later in StageFolders[(stage + 1)..].Where(StageFiles.ContainsKey).Select(f => Path.Combine(outdir, f)))
                if (File.Exists(Path.Combine(later, StampFile)))
                {
                    log?.Invoke($"removed the run's files in {Path.GetFileName(later)}: they were made from what {StageFolders[stage]} held");
                    Remove(later);
                }
        }
        foreach (string path in present.Where(File.Exists)) File.Delete(path);
        if (present.Length > 0)
            log?.Invoke($"removed {string.Join(", ", present.Select(p => Path.GetRelativePath(outdir, p)))} from '{outdir}': siren run redoes its stages from {StageFolders[stage]}");
    }

    /// <summary>
    /// For siren sketch and expand writing into a run's folder: removes what the run derived from the
    /// previous blocks, so no report or class table describes blocks that are gone.
    /// </summary>
    public static void RemoveDerivedFromBlocks(string outdir, Action<string>? log = null)
    {
        // Only in a folder siren run wrote: elsewhere 03_occupancy or 04_classify may be the user's own.
        if (!IsRunFolder(outdir)) return;
        string[] present = DerivedFromBlocks(outdir).Where(p => File.Exists(p) || Directory.Exists(p)).ToArray();
        foreach (string path in present) Remove(path);
        if (present.Length > 0)
            log?.Invoke($"removed {string.Join(", ", present.Select(Path.GetFileName))} from '{outdir}': they described the previous blocks; siren run remakes them");
    }

    /// <summary>A folder siren run wrote: a later stage's stamp, or the run's manifest, is in it.</summary>
    private static bool IsRunFolder(string outdir) =>
        File.Exists(Path.Combine(outdir, OccupancyFolder, StampFile)) || File.Exists(Path.Combine(outdir, ClassifyFolder, StampFile))
        || RunManifest.CommandIn(outdir) == "run";

    /// <summary>
    /// Runs <paramref name="work"/> unless stage.json in <paramref name="folder"/> records this stamp and the
    /// SHA-256 of every output as it is now. The digests cover <paramref name="outputs"/> and the folder's files
    /// matching <paramref name="alsoRecorded"/> (a stage's block MRCs): a deleted or truncated output would
    /// otherwise be skipped as current and fail a later stage with an error about a file the user never wrote.
    /// A stage that runs first removes its own files from its folder (<see cref="Remove"/>: outputs of other
    /// options, such as assignments.csv, must not survive) and the <paramref name="derived"/> outputs of later
    /// stages, so a run that fails here leaves nothing that describes the previous inputs.
    /// </summary>
    private static StageOutcome Stage(string name, string folder, JsonObject stamp, string[] outputs, string[] derived, Action<string>? log, Action work,
        string[]? alsoRecorded = null)
    {
        string stampPath = Path.Combine(folder, StampFile);
        if (outputs.All(File.Exists) && File.Exists(stampPath) && StampMatches(stampPath, stamp))
        {
            log?.Invoke($"run: {name}: outputs and stamp match, skipped");
            return new StageOutcome(name, true, 0);
        }
        foreach (string path in derived.Prepend(folder)) Remove(path);
        var sw = Stopwatch.StartNew();
        work();
        var digests = new JsonObject();
        foreach (string file in outputs.Concat((alsoRecorded ?? []).SelectMany(p => Directory.EnumerateFiles(folder, p))).Distinct().Order(StringComparer.Ordinal))
            digests[Path.GetRelativePath(folder, file)] = InputFile.Sha256(file);
        AtomicFile.WriteAllText(stampPath, new JsonObject { ["stamp"] = stamp.DeepClone(), ["outputs_sha256"] = digests }.ToJsonString());
        log?.Invoke($"run: {name}: done in {sw.Elapsed.TotalSeconds:F1} s");
        return new StageOutcome(name, false, Math.Round(sw.Elapsed.TotalSeconds, 3));
    }


    /// <summary>
    /// The files each stage folder's stage writes (patterns), which a rerun of it may remove; anything else in
    /// the folder (a select run into 04_classify/class2, the user's notes) is not the run's and stays. The
    /// detection's folders (00_sketch, 02_expand) are Siren's alone and are swapped in whole.
    /// </summary>
    private static readonly Dictionary<string, string[]> StageFiles = new()
    {
        [ThresholdsFolder] = [Thresholding.ThresholdPredictor.PredictionsFile, RunManifest.NameBeside(Thresholding.ThresholdPredictor.PredictionsFile), StampFile],
        [OccupancyFolder] = [OccupanciesFile, Path.ChangeExtension(OccupanciesFile, ".manifest.json"), StampFile],
        [ClassifyFolder] = [.. Classifier.FileNamePatterns, StampFile],
    };

    /// <summary>The command that writes a stage's files standalone; its manifest there describes them and goes with them.</summary>
    private static readonly Dictionary<string, string> StageCommands = new() { [ClassifyFolder] = "classify" };

    /// <summary>
    /// Removes a stage folder's own files (<see cref="StageFiles"/>), a detection folder whole, or a summary
    /// file; a folder where a summary file goes (report.md/ made by hand) is the user's and stays.
    /// </summary>
    private static void Remove(string path)
    {
        string name = Path.GetFileName(path);
        if (StageFiles.TryGetValue(name, out string[]? owned))
        {
            if (!Directory.Exists(path)) return;
            bool commandManifest = StageCommands.TryGetValue(name, out string? command) && RunManifest.CommandIn(path) == command;
            foreach (string file in owned.SelectMany(p => Directory.EnumerateFiles(path, p)).Distinct().ToArray()) File.Delete(file);
            if (commandManifest) File.Delete(Path.Combine(path, RunManifest.FileName));
            if (!Directory.EnumerateFileSystemEntries(path).Any()) Directory.Delete(path);
        }
        else if (name is BlockDetection.SketchFolder or BlockDetection.ExpandFolder)
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        else if (File.Exists(path)) File.Delete(path);
    }

    /// <summary>
    /// Removes levels an earlier run (or demo) predicted into OUT/01_thresholds: beside a run on other levels
    /// they would look like its thresholds. Other files there (a user's own levels) stay.
    /// </summary>
    public static void RemovePredictedThresholds(string outdir)
    {
        string folder = Path.Combine(outdir, ThresholdsFolder);
        // Levels siren predict-thresholds wrote there (its manifest, no run stamp) are its output, not a run's.
        if (File.Exists(Path.Combine(folder, RunManifest.NameBeside(Thresholding.ThresholdPredictor.PredictionsFile))) && !File.Exists(Path.Combine(folder, StampFile))) return;
        Remove(folder);
    }

    private static bool StampMatches(string path, JsonObject wanted)
    {
        try
        {
            if (JsonNode.Parse(File.ReadAllText(path)) is not JsonObject recorded || !JsonNode.DeepEquals(recorded["stamp"], wanted)
                || recorded["outputs_sha256"] is not JsonObject digests)
                return false;
            string folder = Path.GetDirectoryName(path)!;
            foreach (var (file, digest) in digests)
            {
                string output = Path.Combine(folder, file);
                if (!File.Exists(output) || digest?.GetValue<string>() != InputFile.Sha256(output)) return false;
            }
            return true;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException) { return false; } // ArgumentException: a key twice; InvalidOperationException: a digest not a string
    }

    /// <summary>Names, sizes and modification times of the maps: a changed, added or removed map reruns everything.</summary>
    private static string MapsFingerprint(IReadOnlyList<VolumeFile> maps)
    {
        var sb = new StringBuilder(Path.GetFullPath(Path.GetDirectoryName(maps[0].Path)!)).Append('\n');
        foreach (VolumeFile m in maps)
        {
            FileInfo info = InputFile.Target(m.Path); // a linked map changes when its target does
            sb.Append(CultureInfo.InvariantCulture, $"{Path.GetFileName(m.Path)} {info.Length} {info.LastWriteTimeUtc.Ticks}\n");
        }
        return InputFile.Sha256OfText(sb.ToString());
    }

    private static string ThresholdsFingerprint(Thresholds t) => $"{t.Source} levels-sha256:{t.Digest()}";

    /// <summary>The maps of <paramref name="maps"/> that the sketch's manifest lists as kept, in folder order.</summary>
    private static IReadOnlyList<VolumeFile> KeptBySketch(string sketchManifest, IReadOnlyList<VolumeFile> maps)
    {
        string folder = Path.GetDirectoryName(sketchManifest)!;
        HashSet<string> kept;
        try
        {
            kept = RunManifest.ReadResults(folder)["kept_maps"]!.AsArray().Select(n => n!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new SirenException($"'{sketchManifest}' lists no kept maps ({e.Message}). Fix: remove '{folder}' and run again.", e);
        }
        return maps.Where(m => kept.Contains(Path.GetFileName(m.Path))).ToList();
    }

    private static string Report(RunOptions options, IReadOnlyList<VolumeFile> maps, IReadOnlyList<VolumeFile> analysed, BlockSet blocks, OccupancyTable? table, ClassifyResult? classes,
        IReadOnlyList<StageOutcome> stages, string outdir, string exemplar)
    {
        var inv = CultureInfo.InvariantCulture;
        DetectionOptions d = options.Detection;
        ClassifyOptions c = options.Classify;
        var r = new StringBuilder();
        r.Append("# Siren.Native run\n\n");
        string leftOut = analysed.Count < maps.Count
            ? $" ({maps.Count - analysed.Count} of the folder's {maps.Count} left out of block detection by --filter or as empty, and so of the occupancies and classes; `{BlockDetection.SketchFolder}/{RunManifest.FileName}` lists them)"
            : "";
        string found = classes is null ? "no structural blocks" : $"{blocks.Blocks.Count} structural blocks; {classes.Classes.Max()} classes of maps";
        r.Append(inv, $"{analysed.Count} maps from `{Path.GetFullPath(d.VolDir)}`{leftOut}; {found}. Siren.Native {RunManifest.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.\n\n");

        r.Append("## Parameters\n\n| parameter | value |\n|---|---|\n");
        void P(string k, object? v) => r.Append(inv, $"| {k} | {v} |\n");
        // Levels the run predicted are its own stage's: said, with the stage folder they are in.
        bool predicted = Path.GetFullPath(d.Thresholds.Source) == Path.GetFullPath(Path.Combine(outdir, ThresholdsFolder, Thresholding.ThresholdPredictor.PredictionsFile));
        P("thresholds", predicted ? $"{d.Thresholds.Source} (predicted by the shipped threshold model, stage {ThresholdsFolder})" : d.Thresholds.Source);
        P("filter (mean ± 2σ of thresholds)", d.Filter);
        P("subsample", d.Subsample);
        P("seed", d.Seed);
        P("posp / negp", $"{d.PosP.ToString(inv)} / {d.NegP.ToString(inv)}");
        P("cutoffs", d.Cutoffs.ToString().ToLowerInvariant());
        P("exp_frac", d.ExpFrac.ToString(inv));
        P("passes", d.Passes.ToString().ToLowerInvariant());
        P("device", options.Device);
        P("occupancy", "binarized at each map's threshold (occupied: value > threshold, as the blocks), divided by block size (0–1)");
        P("classify", $"{c.Linkage.ToString().ToLowerInvariant()} linkage, " + (c.Distance is double dist ? $"cut at distance {dist.ToString(inv)}" : $"{c.Classes} classes") + $", GMM seed {c.Seed}, {c.Starts} starts");

        r.Append("\n## Stages\n\n| stage | status | seconds |\n|---|---|---|\n");
        foreach (StageOutcome s in stages) r.Append(inv, $"| {s.Stage} | {(s.Skipped ? "skipped (up to date)" : "ran")} | {s.Seconds:F1} |\n");

        if (classes is null)
        {
            r.Append("\n## No blocks\n\nNo set of more than 5 sampled voxels is co-occupied (with --pass complement or both, also co-absent) more often than chance at these thresholds and p-values, " +
                     "so there is nothing to measure or classify. That is the expected answer for a homogeneous ensemble (the paper's 100 %-intact " +
                     "control finds none). If the maps do vary, check that the thresholds enclose the molecule in every map " +
                     "(a level in the noise leaves nothing co-occupied), and that there are enough maps for the variable part's frequency; " +
                     "loosening --posp/--negp (with --cutoffs exact) trades this for false blocks.\n");
            r.Append(inv, $"\n## Files\n\n- no blocks: `{BlockDetection.ExpandFolder}/blocks.json` (seeds in `{BlockDetection.SketchFolder}/`, with the maps kept and the cutoffs in its `{RunManifest.FileName}`)\n");
            return r.ToString();
        }

        r.Append("\n## Blocks\n\nOccupancy per block: two-component Gaussian mixture with tied variance; a map is *high* when its posterior for the upper component exceeds ½.\n\n");
        bool weighed = classes.Particles is not null;
        r.Append(weighed
            ? "| block | pass | voxels | mean low | mean high | maps high | fraction high | particles high | fraction of particles high | histogram |\n|---|---|---|---|---|---|---|---|---|---|\n"
            : "| block | pass | voxels | mean low | mean high | maps high | fraction high | histogram |\n|---|---|---|---|---|---|---|---|\n");
        var byName = classes.Mixtures.ToDictionary(m => m.Block);
        foreach (Block b in blocks.Blocks)
        {
            string name = $"block_{b.Id}";
            if (!byName.TryGetValue(name, out BlockMixture? m)) continue;
            r.Append(inv, $"| {name} | {b.Pass} | {b.Voxels.Length} | {m.Fit.MeanLow:F3} | {m.Fit.MeanHigh:F3} | {m.HighCount} | {m.FractionHigh:F3} |");
            if (weighed) r.Append(inv, $" {m.ParticlesHigh} | {m.FractionParticlesHigh:F3} |");
            r.Append(inv, $" [png]({ClassifyFolder}/mixture_{name}.png) |\n");
        }

        r.Append(weighed ? "\n## Classes\n\n| class | maps | particles |\n|---|---|---|\n" : "\n## Classes\n\n| class | maps |\n|---|---|\n");
        foreach (var g in classes.Classes.Select((k, row) => (k, row)).GroupBy(x => x.k).OrderBy(g => g.Key))
        {
            r.Append(inv, $"| {g.Key} | {g.Count()} |");
            if (weighed) r.Append(inv, $" {g.Sum(x => classes.Particles![x.row])} |");
            r.Append('\n');
        }
        if (c.Plots) r.Append(inv, $"\n![maps × blocks, dendrogram order]({ClassifyFolder}/heatmap.png)\n");

        r.Append(inv, $"\n## Files\n\n- blocks: `{BlockDetection.ExpandFolder}/block_<id>.mrc`, `{BlockDetection.ExpandFolder}/blocks.json` (seeds in `{BlockDetection.SketchFolder}/`)\n");
        r.Append(inv, $"- occupancies: `{OccupancyFolder}/occupancies.csv`\n");
        r.Append(inv, $"- classes: `{ClassifyFolder}/classes.csv`, low/high labels `{ClassifyFolder}/labels.csv`, mixtures `{ClassifyFolder}/mixtures.csv`\n");
        // Quoted as ChimeraX needs, so the line can be pasted when the path holds a space (the script exists only if its paths could be quoted).
        if (File.Exists(Path.Combine(outdir, ChimeraXFile)) && ChimeraXScript.TryQuote(Path.Combine(outdir, ChimeraXFile)) is { } script)
            r.Append(inv, $"- ChimeraX: `open {script}` shows `{Path.GetFileName(exemplar)}` at its threshold with every block coloured\n");
        // Pasted from anywhere: absolute paths. With labels, the numbering the run checked against the whole map
        // folder is said (the classes table lacks any map --filter dropped); without, select checks it itself.
        static string Arg(string path) => path.Contains(' ', StringComparison.Ordinal) ? $"\"{path}\"" : path;
        string numbering = options.Labels is null ? "" : $" --first-map-id {options.FirstMapId ?? 0}";
        r.Append(inv, $"- particles: `siren select --classes {Arg(Path.Combine(Path.GetFullPath(outdir), ClassifyFolder, "classes.csv"))} --class K --labels {(options.Labels is null ? "labels.pkl" : Arg(Path.GetFullPath(options.Labels)))}{numbering} --outdir {Arg(Path.Combine(Path.GetFullPath(outdir), "select_K"))}` (cryoDRGN k-means labels)\n");
        return r.ToString();
    }
}
