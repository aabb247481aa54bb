using Siren.Core.Thresholding;

namespace Siren.Core.Tests.Thresholding;

/// <summary>
/// The shipped model's histogram branch (training/model.py, histograms and level_sums) bins each voxel by
/// a closed form of the levels and sums the bins with ScatterElements and CumSum in the ONNX graph. This
/// scalar oracle compares every voxel with every level directly, so the graph ONNX Runtime runs is checked
/// against the definition in docs/thresholds.md, not against PyTorch.
/// </summary>
public class HistogramBranchTests
{
    const int Levels = 48, Box = 64;
    const int Conv = 96;

    [Fact]
    public void ShippedFeaturesEqualTheLevelSumsComputedVoxelByVoxel()
    {
        using var predictor = new ThresholdPredictor();
        var maps = ThresholdPredictorTests.SyntheticMaps(3, 70).Select(m => m.Normalized).ToList();
        var (_, features) = predictor.Run(maps);

        for (int m = 0; m < maps.Count; m++)
        {
            float[] f = features![m];
            Assert.Equal(Conv + Levels + 2 + 4 * Levels, f.Length);
            var fine = LevelSums(maps[m], Box);
            var coarse = LevelSums(AveragePool2(maps[m]), Box / 2);
            double sum = 0, sumSquares = 0;
            foreach (float v in maps[m])
            {
                double d = Math.Max(0, (v + 1) * 0.5);
                sum += d; sumSquares += d * d;
            }
            for (int k = 0; k < Levels; k++)
            {
                Assert.Equal(Math.Log(fine[k, 0] + 1e-4), f[Conv + k], 1e-5);
                Assert.Equal(Math.Log(fine[k, 1] + 1e-6), f[Conv + Levels + 2 + k], 1e-3);
                Assert.Equal(Math.Log(fine[k, 2] + 1e-8), f[Conv + 2 * Levels + 2 + k], 1e-3);
                Assert.Equal(Math.Log(coarse[k, 1] + 1e-6), f[Conv + 3 * Levels + 2 + k], 1e-3);
                Assert.Equal(Math.Log(coarse[k, 2] + 1e-8), f[Conv + 4 * Levels + 2 + k], 1e-3);
            }
            // The graph sums 262,144 float32 values; counts are exact in float32, sums of reals are not.
            Assert.Equal(Math.Log(sum / maps[m].Length + 1e-6), f[Conv + Levels], 1e-3);
            Assert.Equal(Math.Log(sumSquares / maps[m].Length + 1e-6), f[Conv + Levels + 1], 1e-3);
        }
    }

    /// <summary>Per level L_k = -1 + 1.95 (k/47)²: means over the grid of [v > L], [v > L]·|∇v|, [v > L]·|∇v|²,
    /// ∇ by central differences, 0 on the border.</summary>
    static double[,] LevelSums(float[] map, int n)
    {
        var levels = Enumerable.Range(0, Levels).Select(k => -1 + 1.95 * Math.Pow(k / (double)(Levels - 1), 2)).ToArray();
        var sums = new double[Levels, 3];
        for (int z = 0; z < n; z++)
        for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++)
        {
            int i = (z * n + y) * n + x;
            double g2 = 0;
            if (x > 0 && y > 0 && z > 0 && x < n - 1 && y < n - 1 && z < n - 1)
            {
                double gx = map[i + 1] - map[i - 1], gy = map[i + n] - map[i - n], gz = map[i + n * n] - map[i - n * n];
                g2 = 0.25 * (gx * gx + gy * gy + gz * gz);
            }
            for (int k = 0; k < Levels; k++)
            {
                if (map[i] <= levels[k]) break;
                sums[k, 0] += 1; sums[k, 1] += Math.Sqrt(g2); sums[k, 2] += g2;
            }
        }
        double cells = (double)n * n * n;
        for (int k = 0; k < Levels; k++)
            for (int c = 0; c < 3; c++) sums[k, c] /= cells;
        return sums;
    }

    static float[] AveragePool2(float[] map)
    {
        const int h = Box / 2;
        var pooled = new float[h * h * h];
        for (int z = 0; z < Box; z++)
        for (int y = 0; y < Box; y++)
        for (int x = 0; x < Box; x++)
            pooled[((z / 2) * h + y / 2) * h + x / 2] += map[(z * Box + y) * Box + x] / 8f;
        return pooled;
    }
}
