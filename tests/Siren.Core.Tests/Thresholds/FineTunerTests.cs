using Siren.Core.Thresholding;

namespace Siren.Core.Tests.Thresholding;

public class FineTunerTests
{
    [Fact]
    public void FineTuningReducesTheSoftEnclosedLoss()
    {
        // A "user" who contours systematically higher than the simulation's molecular-volume rule.
        using var predictor = new ThresholdPredictor();
        var maps = ThresholdPredictorTests.SyntheticMaps(16, 700);
        var (_, features) = predictor.Run(maps.Select(m => m.Normalized).ToList());
        var examples = maps.Select((m, i) => new FineTuneExample(i, m.Normalized, features![i], m.Label + 0.1)).ToList();
        var train = examples.Take(11).ToList();
        var heldOut = examples.Skip(11).ToList();

        var (head, report) = FineTuner.Train(ThresholdPredictor.ShippedHead(), train, heldOut, epochs: 150, learningRate: 1e-3);

        Assert.Equal(150, report.TrainLoss.Count);
        Assert.True(report.TrainLoss[^1] < 0.7 * report.TrainLoss[0], $"train loss {report.TrainLoss[0]} → {report.TrainLoss[^1]}");
        Assert.True(report.HeldOutLossAfter < report.HeldOutLossBefore, $"held-out loss {report.HeldOutLossBefore} → {report.HeldOutLossAfter}");
        // The last step's loss is taken before its update, so the head's loss after it is a step further down.
        Assert.InRange(FineTuner.MeanLoss(head, train), 0.5 * report.TrainLoss[^1], report.TrainLoss[^1]);
        Assert.Equal(FineTuner.MeanLoss(head, train), report.TrainLossAfter);
    }

    [Fact]
    public void LossGradientMatchesFiniteDifference()
    {
        var map = ThresholdPredictorTests.SyntheticMaps(1, 3)[0];
        var example = new FineTuneExample(0, map.Normalized, new float[4], map.Label);
        const double p = -0.5, h = 1e-5;
        double numeric = (FineTuner.SoftEnclosedLoss(example, p + h).Loss - FineTuner.SoftEnclosedLoss(example, p - h).Loss) / (2 * h);
        Assert.Equal(numeric, FineTuner.SoftEnclosedLoss(example, p).Gradient, 6);
        Assert.Equal(0, FineTuner.SoftEnclosedLoss(example, map.Label).Loss, 12);
    }

    [Fact]
    public void HeadRoundTripsThroughJson()
    {
        var head = ThresholdPredictor.ShippedHead();
        string path = Path.Combine(TestPaths.NewTempDir(), "head.json");
        head.Write(path);
        var back = ThresholdHead.Read(path);
        var f = Enumerable.Range(0, head.Features).Select(i => (float)Math.Sin(i)).ToArray();
        Assert.Equal(head.Predict(f), back.Predict(f), 6);
    }
}
