using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Siren.Core.Ensemble;
using Siren.Core.IO;

namespace Siren.Core.Thresholding;

/// <summary>One map's predicted level: on the model's scale and in map units.</summary>
/// <param name="Background">The box-64 map's median voxel — its solvent, which fills most of a box — as a share of its
/// maximum (NaN when only its normalized map was read).</param>
public sealed record ThresholdPrediction(int MapId, double Prediction, double Denormalized, MapStats Stats, double Background = double.NaN);

/// <summary>
/// Runs a threshold model with ONNX Runtime on the CPU. The contract (ours, and what
/// training/convert_original.py produces from the original's weights): input "map" [N,1,64,64,64] float32
/// normalized maps, output "threshold" [N,1] normalized levels; our models add "features" [N,F], the
/// pooled vector the head (<see cref="ThresholdHead"/>) reads, so a fine-tuned head can replace the
/// built-in last layers.
/// </summary>
public sealed class ThresholdPredictor : IDisposable
{
    public const string InputName = "map";
    public const string ThresholdOutput = "threshold";
    public const string FeaturesOutput = "features";
    public const string ShippedModelResource = "Siren.Core.Thresholds.siren_threshold.onnx";
    public const string ShippedHeadResource = "Siren.Core.Thresholds.siren_threshold_head.json";
    /// <summary>Maps per ONNX Runtime call: 4 ran the shipped model fastest on a 2-core CPU (docs/thresholds.md).</summary>
    public const int DefaultBatchSize = 4;
    private const int Box = Preprocess.ModelBox;
    private const int Voxels = Box * Box * Box;

    private readonly InferenceSession _session;
    private readonly ThresholdHead? _head;

    /// <param name="modelPath">An ONNX file with the contract above; null for the model shipped inside Siren.Core.</param>
    /// <param name="head">A fine-tuned head that replaces the model's own last layers (needs a "features" output).</param>
    public ThresholdPredictor(string? modelPath = null, ThresholdHead? head = null, int threads = 0)
    {
        // ONNX Runtime's own log would print a failure a second time, natively formatted; failures reach
        // the user as exceptions, turned into one error line.
        // More threads than cores only slows ONNX Runtime, and a typo (100000) would start that many.
        if (threads < 0 || threads > Environment.ProcessorCount)
            throw new SirenException($"--threads {threads} is outside 0 (all cores) to {Environment.ProcessorCount}, this machine's logical processors. Fix: omit it (all cores) or give a count up to {Environment.ProcessorCount}.");
        // The session keeps what it needs of the options once created.
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        if (threads > 0) options.IntraOpNumThreads = threads;
        ModelSource = modelPath is null ? "shipped model" : Path.GetFullPath(modelPath);
        byte[] model = modelPath is null ? ReadResource(ShippedModelResource) : InputFile.ReadAllBytes(modelPath, "an ONNX model", "pass the .onnx file itself (--model)");
        if (modelPath is not null && IsPyTorchCheckpoint(model))
            throw new SirenException($"'{modelPath}' is a PyTorch checkpoint (the original's weights.pth), not an ONNX model. Fix: python3 training/convert_original.py {modelPath} original.onnx, then pass --model original.onnx.");
        // Levels are only comparable between runs of the same model: the manifest records which.
        ModelSha256 = InputFile.Sha256(model);
        try
        {
            _session = new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new SirenException($"cannot load threshold model {ModelSource}: {OneLine(e.Message)} Fix: pass an ONNX file with input 'map' [N,1,64,64,64] and output 'threshold' [N,1] (see training/convert_original.py).", e);
        }
        if (!_session.InputMetadata.ContainsKey(InputName) || !_session.OutputMetadata.ContainsKey(ThresholdOutput))
            throw new SirenException($"{ModelSource} has inputs [{string.Join(", ", _session.InputMetadata.Keys)}] and outputs [{string.Join(", ", _session.OutputMetadata.Keys)}]; expected input '{InputName}' and output '{ThresholdOutput}'. Fix: export it with training/export or convert_original.py.");
        SingleMapBatches = RequireContractInput(_session.InputMetadata[InputName]);
        RequireContractOutput(_session.OutputMetadata[ThresholdOutput]);
        HasFeatures = _session.OutputMetadata.ContainsKey(FeaturesOutput);
        if (head is not null && !HasFeatures)
            throw new SirenException($"{ModelSource} has no '{FeaturesOutput}' output, so a fine-tuned head cannot be used with it. Fix: use the shipped model (omit --model) with --head.");
        _head = head;
    }

    public string ModelSource { get; }

    /// <summary>The model was exported with its batch axis fixed at 1: maps go to it one at a time.</summary>
    public bool SingleMapBatches { get; }

    /// <summary>
    /// Checks the input against the contract before any map is read (ONNX Runtime would only refuse it at the
    /// first batch, in several lines); returns whether the batch axis is fixed at 1, which a one-map export has.
    /// </summary>
    private bool RequireContractInput(NodeMetadata input)
    {
        int[] dims = input.Dimensions;
        int[] contract = [-1, 1, Box, Box, Box];
        bool matches = input.ElementType == typeof(float) && dims.Length == contract.Length
            && dims.Skip(1).Zip(contract.Skip(1), (d, c) => d == c || d < 0).All(ok => ok)
            && dims[0] is < 0 or 1;
        if (!matches)
            throw new SirenException($"{ModelSource} takes '{InputName}' as {DescribeShape(dims)} of {DescribeType(input)}; the contract is [N,1,64,64,64] of float32. Fix: export it for box-64 maps with a free batch axis (training/convert_original.py does).");
        return dims[0] == 1;
    }

    /// <summary>
    /// A model that declares its levels in another shape ([N], [N,2]) breaks the contract even when its
    /// value count happens to match, so it is refused on load, before any map is read. ONNX Runtime gives no
    /// dimensions for an output whose shape the graph leaves open; <see cref="Run"/> checks what it returns.
    /// </summary>
    private void RequireContractOutput(NodeMetadata output)
    {
        int[] dims = output.Dimensions;
        if (output.ElementType != typeof(float) || dims.Length is 1 or > 2 || dims.Length == 2 && (dims[0] is >= 0 and not 1 || dims[1] is >= 0 and not 1))
            throw new SirenException($"{ModelSource} gives '{ThresholdOutput}' as {DescribeShape(dims)} of {DescribeType(output)}; the contract is [N,1] of float32, one normalized level per map. Fix: export it with one output value per map (training/convert_original.py does).");
    }

    private static string DescribeType(NodeMetadata node) => node.ElementType == typeof(float) ? "float32" : node.ElementType.Name.ToLowerInvariant();

    private static string DescribeShape(IEnumerable<int> dims) =>
        "[" + string.Join(",", dims.Select(d => d < 0 ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";

    /// <summary>ONNX Runtime's messages span lines; an error is one line.</summary>
    private static string OneLine(string message) => string.Join("; ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>SHA-256 of the ONNX model's bytes.</summary>
    public string ModelSha256 { get; } = "";
    public bool HasFeatures { get; }

    /// <summary>The head shipped with the built-in model (equal to its last layers).</summary>
    public static ThresholdHead ShippedHead()
    {
        using var stream = new MemoryStream(ReadResource(ShippedHeadResource));
        return ThresholdHead.Read(stream, "shipped head");
    }

    /// <summary>Normalized predictions (and features, when the model has them) for a batch of normalized box-64 maps.</summary>
    /// <param name="names">The maps' files, for an error that names the map the model failed on; or null.</param>
    public (float[] Predictions, float[][]? Features) Run(IReadOnlyList<float[]> maps, IReadOnlyList<string>? names = null)
    {
        int n = maps.Count;
        var input = new float[(long)n * Voxels];
        for (int i = 0; i < n; i++)
        {
            if (maps[i].Length != Voxels) throw new ArgumentException($"map {i} has {maps[i].Length} values; expected 64³");
            maps[i].CopyTo(input, (long)i * Voxels);
        }
        var tensor = new DenseTensor<float>(input, [n, 1, Box, Box, Box]);
        var outputs = HasFeatures ? new[] { ThresholdOutput, FeaturesOutput } : new[] { ThresholdOutput };
        IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results;
        try
        {
            results = _session.Run([NamedOnnxValue.CreateFromTensor(InputName, tensor)], outputs);
        }
        catch (OnnxRuntimeException e)
        {
            throw new SirenException($"{ModelSource} failed on a batch of {n} maps: {OneLine(e.Message)} Fix: check that the model takes 'map' [N,1,64,64,64] float32 (see training/convert_original.py).", e);
        }
        using var _ = results;
        var levels = results.First(r => r.Name == ThresholdOutput).AsTensor<float>();
        // A symbolic axis in the declared shape is checked only here, on what the model returned.
        if (levels.Dimensions.Length != 2 || levels.Dimensions[0] != n || levels.Dimensions[1] != 1)
            throw new SirenException($"{ModelSource} returned '{ThresholdOutput}' as {DescribeShape(levels.Dimensions.ToArray())} for {n} maps; the contract is [N,1]. Fix: re-export the model with one output value per map.");
        float[] predictions = levels.ToArray();
        if (Array.FindIndex(predictions, p => !float.IsFinite(p)) is var bad and >= 0)
            throw new SirenException($"{ModelSource} returned {predictions[bad]} for {(names is null ? $"map {bad + 1} of a batch of {n}" : $"'{names[bad]}'")}. Fix: check the model (a conversion from weights.pth should give finite levels on normalized maps).");
        float[][]? features = null;
        if (HasFeatures)
        {
            float[] flat = results.First(r => r.Name == FeaturesOutput).AsEnumerable<float>().ToArray();
            int f = flat.Length / n;
            features = new float[n][];
            for (int i = 0; i < n; i++) features[i] = flat.AsSpan(i * f, f).ToArray();
            if (_head is not null)
                for (int i = 0; i < n; i++) predictions[i] = (float)_head.Predict(features[i]);
        }
        return (predictions, features);
    }

    /// <summary>Predicts levels for prepared maps, in batches, for the maps <paramref name="levels"/> names.</summary>
    /// <param name="batchTimed">Called after each batch with its map count and the model's time on it.</param>
    /// <param name="log">Receives the warning for maps whose level is no contour (<see cref="RequireContours"/>).</param>
    public IReadOnlyList<ThresholdPrediction> Predict(IReadOnlyList<PreparedMap> maps, int batchSize = DefaultBatchSize, LevelScale levels = LevelScale.FullBox,
        IProgress<double>? progress = null, Action<int, TimeSpan>? batchTimed = null, Action<string>? log = null) =>
        WarnedOfRaisedBackgrounds(RequireContours(PredictBatches(maps, batchSize, levels, progress, batchTimed), log), log);

    private List<ThresholdPrediction> PredictBatches(IReadOnlyList<PreparedMap> maps, int batchSize, LevelScale levels,
        IProgress<double>? progress, Action<int, TimeSpan>? batchTimed)
    {
        if (batchSize < 1) throw new SirenException($"batch size {batchSize} must be at least 1. Fix: pass --batch-size {DefaultBatchSize}.");
        if (SingleMapBatches) batchSize = 1;
        var result = new List<ThresholdPrediction>(maps.Count);
        var clock = new System.Diagnostics.Stopwatch();
        for (int start = 0; start < maps.Count; start += batchSize)
        {
            var batch = maps.Skip(start).Take(batchSize).ToList();
            clock.Restart();
            var (predictions, _) = Run(batch.Select(m => m.Normalized).ToList(), batch.Select(m => m.SourcePath).ToList());
            batchTimed?.Invoke(batch.Count, clock.Elapsed);
            var levelled = new ThresholdPrediction[batch.Count];
            Parallel.For(0, batch.Count, i => levelled[i] = Level(batch[i], predictions[i], levels));
            result.AddRange(levelled);
            progress?.Report((double)result.Count / maps.Count);
        }
        return result;
    }

    /// <summary>
    /// The lowest model level kept. Levels a little below -1 are contours in a map's noise floor, below its
    /// smallest positive density (p = -1): labels of simulated maps reach -1.03 (8 of the 6,000 training maps
    /// lie below -1), and the shipped model gives down to -1.01 (2,000 maps of make-training-set --seed 11
    /// --raw-maps). p = -1.1 is a level 5 % of the
    /// map's positive range below zero, deep in the noise; further down the surface soon encloses the whole box.
    /// </summary>
    public const float LowestLevel = -1.1f;

    /// <summary>
    /// A level is a contour between -1 (<see cref="LowestLevel"/>, a little below) and the map's maximum
    /// (p = 1): above, its surface encloses no voxel; far below, the whole box, noise and all. A few maps
    /// outside are maps the model cannot read (empty, inverted, a shape far from its training): they keep
    /// their level with a warning, and binarization drops an empty map and names a full one, so one map does
    /// not stop an ensemble of thousands. Most of the ensemble outside means the model or the head is wrong.
    /// With --head the head gave the level, not the model, so the messages name the head.
    /// </summary>
    internal IReadOnlyList<ThresholdPrediction> RequireContours(IReadOnlyList<ThresholdPrediction> predictions, Action<string>? log)
    {
        var outside = predictions.Where(p => p.Prediction > 1 || p.Prediction < LowestLevel).ToList();
        if (outside.Count == 0) return predictions;
        string source = _head is null ? ModelSource : _head.Source is { } file ? $"--head '{file}'" : "the fine-tuned head";
        string maps = string.Join(", ", outside.Take(5).Select(p => FormattableString.Invariant($"map {p.MapId} (p = {p.Prediction:G4})"))) + (outside.Count > 5 ? ", …" : "");
        if (2 * outside.Count > predictions.Count)
            throw new SirenException($"{source} gave levels outside [{LowestLevel}, 1], where no surface is a contour, for {outside.Count} of {predictions.Count} maps: {maps}. " +
                (_head is null
                    ? "Fix: check that --model follows the contract (normalized levels in [-1, 1])."
                    : "Fix: make the head again with siren fine-tune (a smaller --lr, labels in the maps' units), or omit --head for the model's own levels."));
        log?.Invoke($"warning: {source} gave levels outside [{LowestLevel}, 1] for {outside.Count} of {predictions.Count} maps: {maps}; they are kept (above 1 the level lies above the map's 99.999th percentile and encloses almost nothing; far below -1 it encloses the whole box). Fix: look at those maps (empty or inverted?), or set their levels by hand.");
        return predictions;
    }

    /// <summary>Model level <paramref name="p"/> of one map in map units; a preprocessed folder has no full-box values, so its full-box levels are linear.</summary>
    private static ThresholdPrediction Level(PreparedMap map, float p, LevelScale levels)
    {
        double background = map.Box64 is { } box64 ? SampledMedian(box64) / map.Stats.Max : double.NaN;
        if (levels == LevelScale.Downsampled || map.RawStats is not { } raw)
            return new ThresholdPrediction(map.MapId, p, map.Stats.Denormalize(p), map.Stats, background);
        double level = levels == LevelScale.FullBox && map.FullBox is not null ? FullBoxLevels.FromModel(map, p) : raw.Denormalize(p);
        return new ThresholdPrediction(map.MapId, p, level, raw, background);
    }

    /// <summary>
    /// The median of every 7th voxel: the solvent's level well within the 7 % the warning needs, at a seventh
    /// of the whole map's cost (which was a third of the model's time per map). 7 is prime to the box's 64.
    /// </summary>
    private static double SampledMedian(float[] values)
    {
        var sample = new float[(values.Length + 6) / 7];
        for (int i = 0; i < sample.Length; i++) sample[i] = values[7 * i];
        return MapNormalization.Percentile(sample, 50);
    }

    /// <summary>
    /// Above this share of its maximum a map's median (its solvent) does not sit at 0: on the 20 EMPIAR-10076
    /// maps it is −0.3 % to 0, on simulated maps (offset by up to ±3 % of their peak, noise and all) up to 5 %
    /// (1 of the demo's 300 maps; 0 of 500 evaluation maps above 5 %), and on a real map raised by 0.5 (a tenth
    /// of its peak, 20 % fewer voxels enclosed at the model's level) 9 %.
    /// </summary>
    private const double MaxBackground = 0.07;

    /// <summary>
    /// Normalization keeps the positive part of a map, as the original's does, so it reads the solvent at 0:
    /// a map raised or lowered by a constant (a display offset, another program's scaling) is normalized on
    /// another range, and its level misses (on vol_018 raised by 1, 276 voxels enclosed instead of 1,199).
    /// Named, not refused. A map whose molecule fills most of its box has protein for its median and may be
    /// named wrongly.
    /// </summary>
    private static IReadOnlyList<ThresholdPrediction> WarnedOfRaisedBackgrounds(IReadOnlyList<ThresholdPrediction> predictions, Action<string>? log)
    {
        var offset = predictions.Where(p => Math.Abs(p.Background) > MaxBackground).ToList();
        if (offset.Count == 0) return predictions;
        string maps = string.Join(", ", offset.Take(5).Select(p => FormattableString.Invariant($"map {p.MapId} (median {p.Background:P0} of its maximum)"))) + (offset.Count > 5 ? ", …" : "");
        log?.Invoke($"warning: {offset.Count} of {predictions.Count} maps have their solvent well away from 0: {maps}. The model reads solvent at 0, as cryoDRGN writes it, so an offset background shifts their levels. Fix: subtract the background (the solvent's mean) from those maps first.");
        return predictions;
    }

    /// <summary>
    /// Levels for every map of a folder: raw maps of any box are preprocessed as they are read; a folder
    /// written by <c>siren preprocess</c> (normalized maps with map_stats_*.csv) is read as it is.
    /// </summary>
    public IReadOnlyList<ThresholdPrediction> Predict(string voldir, int batchSize = DefaultBatchSize, LevelScale levels = LevelScale.FullBox,
        IProgress<double>? progress = null, Action<string>? log = null)
    {
        var reader = Reader(voldir, levels);
        reader.LogSource(levels, log);
        return Predict(reader, batchSize, levels, progress, log: log);
    }

    /// <summary>The reader <see cref="Predict(string, int, LevelScale, IProgress{double}?, Action{string}?)"/> uses: it keeps full-box values only when the levels need them.</summary>
    public static PreparedMapReader Reader(string voldir, LevelScale levels) =>
        new(voldir, rawLevels: levels != LevelScale.Downsampled, keepFullBox: levels == LevelScale.FullBox);

    /// <summary>Levels for the maps of <paramref name="reader"/>, read a chunk at a time, so memory does not grow with the ensemble.</summary>
    public IReadOnlyList<ThresholdPrediction> Predict(PreparedMapReader reader, int batchSize = DefaultBatchSize, LevelScale levels = LevelScale.FullBox,
        IProgress<double>? progress = null, Action<int, TimeSpan>? batchTimed = null, Action<string>? log = null)
    {
        var result = new List<ThresholdPrediction>(reader.Files.Count);
        foreach (var chunk in reader.Chunks(Math.Max(batchSize, PreparedMapReader.DefaultChunk)))
        {
            result.AddRange(PredictBatches(chunk, batchSize, levels, null, batchTimed));
            progress?.Report((double)result.Count / reader.Files.Count);
        }
        return WarnedOfRaisedBackgrounds(RequireContours(result, log), log);
    }

    public const string PredictionsFile = "predictions.csv";

    /// <summary>
    /// Predicts every map of <paramref name="voldir"/>, writes <paramref name="csvPath"/> (the original's
    /// columns) and returns the thresholds read back from it, so later stages (siren expand) can find them.
    /// </summary>
    public Thresholds PredictThresholds(string voldir, string csvPath, int batchSize = DefaultBatchSize, IProgress<double>? progress = null, Action<string>? log = null)
    {
        WriteCsv(csvPath, Predict(voldir, batchSize, progress: progress, log: log));
        return Thresholds.FromCsv(csvPath);
    }

    /// <summary>predictions.csv as the original's eval_model writes it: vol_id, prediction, denormalized_predictions, vol_min, vol_max.</summary>
    public static void WriteCsv(string path, IEnumerable<ThresholdPrediction> predictions)
    {
        var sb = new System.Text.StringBuilder("vol_id,prediction,denormalized_predictions,vol_min,vol_max\n");
        foreach (var p in predictions)
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"{p.MapId},{p.Prediction:R},{p.Denormalized:R},{p.Stats.Min:R},{p.Stats.Max:R}\n");
        IO.AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>
    /// torch.save writes a zip archive (PyTorch ≥ 1.6) or a bare pickle (0x80 and the protocol, 2 to 5); an
    /// ONNX file starts with a protobuf tag.
    /// </summary>
    private static bool IsPyTorchCheckpoint(byte[] file) =>
        file.AsSpan().StartsWith("PK\u0003\u0004"u8) || (file.Length >= 2 && file[0] == 0x80 && file[1] is >= 2 and <= 5);

    private static byte[] ReadResource(string name)
    {
        using var stream = typeof(ThresholdPredictor).Assembly.GetManifestResourceStream(name)
            ?? throw new SirenException($"this build has no embedded '{name}'. Fix: rebuild Siren.Core (the model is src/Siren.Core/Thresholds/Models/), or pass --model.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public void Dispose() => _session.Dispose();
}
