namespace Siren.Core.Thresholding;

/// <summary>A user-labelled map reduced to what fine-tuning needs.</summary>
/// <param name="Features">The shipped model's pooled feature vector for the map (ONNX "features").</param>
/// <param name="Label">The user's level on the model's scale (normalized).</param>
public sealed class FineTuneExample
{
    private const int Bins = 2048;

    public FineTuneExample(int mapId, float[] normalized, float[] features, double label)
    {
        MapId = mapId; Features = features; Label = label;
        Sorted = (float[])normalized.Clone();
        Array.Sort(Sorted);
        // The loss depends on the voxels only through their values, so a fine histogram (bin width ~0.001
        // on the [-1, 1] scale, far below the sigmoid's 0.1 width) stands in for 262,144 voxels.
        float lo = Sorted[0], hi = Sorted[^1];
        double width = Math.Max(hi - lo, 1e-6) / Bins;
        var counts = new double[Bins];
        var sums = new double[Bins];
        foreach (float v in Sorted)
        {
            int b = Math.Min(Bins - 1, (int)((v - lo) / width));
            counts[b]++; sums[b] += v;
        }
        var values = new List<double>(); var weights = new List<double>();
        for (int b = 0; b < Bins; b++)
            if (counts[b] > 0) { values.Add(sums[b] / counts[b]); weights.Add(counts[b] / Sorted.Length); }
        Values = values.ToArray(); Weights = weights.ToArray();
    }

    public int MapId { get; }
    public float[] Features { get; }
    public double Label { get; }
    internal float[] Sorted { get; }
    internal double[] Values { get; }
    internal double[] Weights { get; }

    /// <summary>Voxels above a normalized level (the enclosed volume in voxels).</summary>
    public int EnclosedVoxels(double level)
    {
        int lo = 0, hi = Sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (Sorted[mid] > level) hi = mid; else lo = mid + 1;
        }
        return Sorted.Length - lo;
    }
}

/// <summary>Loss per epoch and the held-out error before and after fine-tuning.</summary>
/// <param name="TrainLoss">The training loss at each epoch, before its step: the first is the starting head's.</param>
/// <param name="TrainLossAfter">The training loss of the head returned, after the last step.</param>
public sealed record FineTuneReport(IReadOnlyList<double> TrainLoss, double TrainLossAfter, double HeldOutLossBefore, double HeldOutLossAfter,
    double HeldOutVolumeErrorBefore, double HeldOutVolumeErrorAfter, int TrainMaps, int HeldOutMaps);

/// <summary>
/// Retrains the output layer of the model's head (<see cref="ThresholdHead"/>) on a few user-labelled maps, in C#, with the
/// paper's soft enclosed-fraction loss: mean over voxels of (σ(10(v − p)) − σ(10(v − t)))², where p is
/// the predicted and t the labelled level (the original's fine_tune trains the whole network with it).
/// Full-batch Adam on the head's output layer, with a small pull toward the shipped weights so 20–40 maps do not undo them.
/// </summary>
public static class FineTuner
{
    public const double Slope = 10;

    /// <summary>The paper's loss for one map at predicted level p, and its derivative in p.</summary>
    public static (double Loss, double Gradient) SoftEnclosedLoss(FineTuneExample example, double p)
    {
        double loss = 0, grad = 0;
        for (int i = 0; i < example.Values.Length; i++)
        {
            double v = example.Values[i], w = example.Weights[i];
            double a = Sigmoid(Slope * (v - p)), b = Sigmoid(Slope * (v - example.Label));
            loss += w * (a - b) * (a - b);
            grad += w * 2 * (a - b) * a * (1 - a) * -Slope;
        }
        return (loss, grad);
    }

    /// <summary>Median |log(enclosed volume at prediction / at label)| over maps.</summary>
    public static double MedianVolumeError(ThresholdHead head, IReadOnlyList<FineTuneExample> maps)
    {
        if (maps.Count == 0) return double.NaN;
        var errors = maps.Select(m =>
        {
            double predicted = Math.Max(1, m.EnclosedVoxels(head.Predict(m.Features)));
            double labelled = Math.Max(1, m.EnclosedVoxels(m.Label));
            return Math.Abs(Math.Log(predicted / labelled));
        }).Order().ToArray();
        int n = errors.Length;
        return n % 2 == 1 ? errors[n / 2] : (errors[n / 2 - 1] + errors[n / 2]) / 2;
    }

    public static double MeanLoss(ThresholdHead head, IReadOnlyList<FineTuneExample> maps) =>
        maps.Count == 0 ? double.NaN : maps.Average(m => SoftEnclosedLoss(m, head.Predict(m.Features)).Loss);

    public static (ThresholdHead Head, FineTuneReport Report) Train(ThresholdHead start, IReadOnlyList<FineTuneExample> train,
        IReadOnlyList<FineTuneExample> heldOut, int epochs = 300, double learningRate = 1e-3, double anchor = 1e-3,
        Action<int, double>? onEpoch = null)
    {
        if (train.Count == 0) throw new SirenException("no labelled maps to fine-tune on. Fix: pass --labels with vol_id, contour_level rows for maps in --voldir.");
        var head = start.Clone();
        double heldLossBefore = MeanLoss(head, heldOut), heldErrorBefore = MedianVolumeError(head, heldOut);

        // Only the output layer (W2, B2) moves: the shipped head is an ensemble with hundreds of hidden
        // units, and 20–40 maps cannot constrain its ~108,000 first-layer weights (moving the previous
        // head's 47,000 raised the held-out loss tenfold in FineTunerTests), while the hidden activations
        // are a rich, fixed basis. The hidden activations do not change, so they are computed once per map.
        var hidden = train.Select(ex =>
        {
            var h = new double[head.Hidden];
            head.Forward(ex.Features, h);
            return h;
        }).ToArray();
        int count = head.Hidden + 1;
        double[] theta = head.W2.Select(x => (double)x).Append(head.B2).ToArray(), theta0 = (double[])theta.Clone();
        var m = new double[count]; var v = new double[count]; var grad = new double[count];
        const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        var losses = new List<double>(epochs);

        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            Array.Clear(grad);
            double loss = 0;
            for (int n = 0; n < train.Count; n++)
            {
                double p = theta[count - 1];
                for (int h = 0; h < head.Hidden; h++) p += theta[h] * hidden[n][h];
                var (l, dp) = SoftEnclosedLoss(train[n], p);
                loss += l / train.Count;
                dp /= train.Count;
                for (int h = 0; h < head.Hidden; h++) grad[h] += dp * hidden[n][h];
                grad[count - 1] += dp;
            }
            for (int i = 0; i < count; i++)
            {
                double g = grad[i] + 2 * anchor * (theta[i] - theta0[i]);
                m[i] = beta1 * m[i] + (1 - beta1) * g;
                v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                double mHat = m[i] / (1 - Math.Pow(beta1, epoch)), vHat = v[i] / (1 - Math.Pow(beta2, epoch));
                theta[i] -= learningRate * mHat / (Math.Sqrt(vHat) + eps);
            }
            losses.Add(loss);
            onEpoch?.Invoke(epoch, loss);
        }
        for (int h = 0; h < head.Hidden; h++) head.W2[h] = (float)theta[h];
        head.B2 = (float)theta[count - 1];
        var report = new FineTuneReport(losses, MeanLoss(head, train), heldLossBefore, MeanLoss(head, heldOut), heldErrorBefore, MedianVolumeError(head, heldOut), train.Count, heldOut.Count);
        return (head, report);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
