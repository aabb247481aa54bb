using System.Diagnostics;
using System.Numerics;

namespace Siren.Core.Benchmarking;

/// <summary>
/// This machine's popcount ceiling: 64-bit POPCNT over an L1-resident array with independent
/// accumulators, on every core at once. Kernel throughput is reported against it.
/// </summary>
public static class PopcountPeak
{
    /// <summary>Word popcounts per second over all cores.</summary>
    public static double Measure(TimeSpan duration)
    {
        int threads = Environment.ProcessorCount;
        var rates = new double[threads];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var words = new ulong[512];
            var random = new SirenRandom((ulong)t + 1);
            for (int i = 0; i < words.Length; i++) words[i] = random.NextUInt64();
            long counted = 0;
            int sink = 0;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < duration)
            {
                for (int rep = 0; rep < 64; rep++)
                {
                    int s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                    for (int i = 0; i < words.Length; i += 4)
                    {
                        s0 += BitOperations.PopCount(words[i]);
                        s1 += BitOperations.PopCount(words[i + 1]);
                        s2 += BitOperations.PopCount(words[i + 2]);
                        s3 += BitOperations.PopCount(words[i + 3]);
                    }
                    sink += s0 + s1 + s2 + s3;
                }
                counted += 64L * words.Length;
            }
            rates[t] = counted / sw.Elapsed.TotalSeconds + (sink == int.MinValue ? 1 : 0);
        });
        return rates.Sum();
    }
}
