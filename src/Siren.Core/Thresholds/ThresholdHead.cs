using System.Text.Json;
using System.Text.Json.Serialization;
using Siren.Core.IO;

namespace Siren.Core.Thresholding;

/// <summary>
/// The model's last layers, p = w2 · relu(W1 f + b1) + b2, over the pooled feature vector f that the
/// ONNX graph exports as its "features" output. Kept outside the graph so <see cref="FineTuner"/> can
/// retrain it in C# and predict-thresholds can load the result (--head) without Python.
/// </summary>
public sealed class ThresholdHead
{
    public ThresholdHead(int features, int hidden, float[] w1, float[] b1, float[] w2, float b2)
    {
        if (w1.Length != features * hidden || b1.Length != hidden || w2.Length != hidden)
            throw new ArgumentException($"head shapes do not match features={features}, hidden={hidden}");
        Features = features; Hidden = hidden; W1 = w1; B1 = b1; W2 = w2; B2 = b2;
    }

    public int Features { get; }
    public int Hidden { get; }
    /// <summary>Hidden × Features, row-major (PyTorch's Linear.weight layout).</summary>
    public float[] W1 { get; }
    public float[] B1 { get; }
    public float[] W2 { get; }
    public float B2 { get; set; }

    /// <summary>The file it was read from, for errors about its levels; null for a head made in memory.</summary>
    public string? Source { get; private init; }

    public ThresholdHead Clone() => new(Features, Hidden, (float[])W1.Clone(), (float[])B1.Clone(), (float[])W2.Clone(), B2);

    public double Predict(ReadOnlySpan<float> features)
    {
        Span<double> hidden = stackalloc double[Hidden];
        return Forward(features, hidden);
    }

    /// <summary>Forward pass that leaves the post-ReLU hidden activations in <paramref name="hidden"/> for backprop.</summary>
    internal double Forward(ReadOnlySpan<float> features, Span<double> hidden)
    {
        if (features.Length != Features)
            throw new SirenException($"the model exports {features.Length} features but the head expects {Features}. Fix: use the head written for this model.");
        double p = B2;
        for (int h = 0; h < Hidden; h++)
        {
            double a = B1[h];
            ReadOnlySpan<float> row = W1.AsSpan(h * Features, Features);
            for (int f = 0; f < Features; f++) a += row[f] * features[f];
            hidden[h] = a > 0 ? a : 0;
            p += W2[h] * hidden[h];
        }
        return p;
    }

    public void Write(string path) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new HeadFile(Features, Hidden, W1, B1, W2, B2), HeadJson.Default.HeadFile));

    public static ThresholdHead Read(string path)
    {
        byte[] json = InputFile.ReadAllBytes(path, "a head", "pass the head.json file siren fine-tune wrote in it (--head)");
        return Read(new MemoryStream(json, writable: false), path);
    }

    public static ThresholdHead Read(Stream stream, string source)
    {
        try
        {
            var file = JsonSerializer.Deserialize(stream, HeadJson.Default.HeadFile)
                ?? throw new SirenException($"'{source}' is empty. Fix: pass the head.json written by siren fine-tune.");
            string? missing = file.W1 is null ? "w1" : file.B1 is null ? "b1" : file.W2 is null ? "w2" : null;
            if (missing is not null)
                throw new SirenException($"'{source}' is not a threshold head: it has no \"{missing}\". Fix: pass the head.json written by siren fine-tune.");
            // JSON numbers beyond float's range read as infinity; a head with one predicts no level.
            foreach (var (name, values) in new[] { ("w1", file.W1!), ("b1", file.B1!), ("w2", file.W2!), ("b2", new[] { file.B2 }) })
                if (Array.FindIndex(values, v => !float.IsFinite(v)) is var bad and >= 0)
                    throw new SirenException($"'{source}' is not a threshold head: {name}[{bad}] is beyond a 32-bit float's range. Fix: pass the head.json written by siren fine-tune.");
            return new ThresholdHead(file.Features, file.Hidden, file.W1!, file.B1!, file.W2!, file.B2) { Source = source };
        }
        catch (JsonException e)
        {
            // The serializer's own message names .NET types and echoes the file's text; where it failed is what helps.
            string where = e.Path is { Length: > 0 } jsonPath ? $"at {jsonPath}, " : "";
            throw new SirenException($"'{source}' is not a threshold head ({where}line {(e.LineNumber ?? 0) + 1}: not the JSON siren fine-tune writes). Fix: pass the head.json written by siren fine-tune.", e);
        }
        catch (ArgumentException e)
        {
            throw new SirenException($"'{source}' is not a threshold head: {e.Message}. Fix: pass the head.json written by siren fine-tune.", e);
        }
    }

    internal sealed record HeadFile(
        [property: JsonPropertyName("features")] int Features,
        [property: JsonPropertyName("hidden")] int Hidden,
        [property: JsonPropertyName("w1")] float[]? W1,
        [property: JsonPropertyName("b1")] float[]? B1,
        [property: JsonPropertyName("w2")] float[]? W2,
        [property: JsonPropertyName("b2")] float B2);
}

[JsonSerializable(typeof(ThresholdHead.HeadFile))]
internal sealed partial class HeadJson : JsonSerializerContext;
