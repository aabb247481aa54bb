using Siren.Core.Ensemble;

namespace Siren.Core.Kernels;

/// <summary>
/// Checks every popcount path this CPU supports against the scalar oracle on random rows of awkward
/// lengths. `siren self-test` runs it, and the test suite runs it in child processes with AVX-512 or
/// AVX2 switched off to cover the fallbacks.
/// </summary>
public static class KernelSelfTest
{
    public static (bool Ok, string Report) Run(ulong seed = 1)
    {
        var random = new SirenRandom(seed);
        var paths = Enum.GetValues<PairCounter.Path>().Where(PairCounter.IsSupported).ToArray();
        var lines = new List<string> { $"best path: {PairCounter.Best.ToString().ToLowerInvariant()}", $"supported: {string.Join(", ", paths.Select(p => p.ToString().ToLowerInvariant()))}" };
        foreach (int maps in new[] { 1, 63, 65, 500, 517, 1000, 4097 })
        {
            int words = OccupancyMatrix.PaddedWords(maps);
            for (int trial = 0; trial < 50; trial++)
            {
                var a = new ulong[words];
                var b = new ulong[words];
                for (int m = 0; m < maps; m++)
                {
                    if (random.NextDouble() < 0.4) a[m >> 6] |= 1UL << (m & 63);
                    if (random.NextDouble() < 0.6) b[m >> 6] |= 1UL << (m & 63);
                }
                int oracle = PairCounter.Count(a, b, PairCounter.Path.Scalar);
                foreach (var path in paths)
                {
                    int got = PairCounter.Count(a, b, path);
                    if (got != oracle)
                    {
                        lines.Add($"MISMATCH: {path} gives {got}, scalar {oracle} (V = {maps})");
                        return (false, string.Join(Environment.NewLine, lines));
                    }
                }
            }
        }
        lines.Add("all paths agree with the scalar oracle");
        return (true, string.Join(Environment.NewLine, lines));
    }
}
