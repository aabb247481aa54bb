using System.Numerics;

namespace Siren.Core;

/// <summary>
/// The one random generator of Siren.Native: xoshiro256** seeded through SplitMix64 (Blackman &amp;
/// Vigna). Our own rather than System.Random, so that a --seed gives the same blocks and the same
/// simulated ensembles on every .NET version, platform and thread count. Work done in parallel draws
/// from independent streams (<see cref="ForStream"/>), so results do not depend on scheduling.
/// </summary>
public sealed class SirenRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareGaussian;
    private bool _hasSpare;

    public SirenRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    /// <summary>An independent stream for item <paramref name="index"/> of a run seeded with <paramref name="seed"/>.</summary>
    public static SirenRandom ForStream(ulong seed, ulong index, ulong purpose = 0)
    {
        ulong x = seed ^ 0x9E3779B97F4A7C15UL * (index + 1) ^ purpose * 0xD1B54A32D192ED03UL;
        return new SirenRandom(SplitMix(ref x));
    }

    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [0, bound); the bias of scaling 53 random bits is below 2⁻²⁰ for any int bound.</summary>
    public int NextInt(int bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound));
        return (int)(NextDouble() * bound);
    }

    /// <summary>A standard normal deviate (Box–Muller, the second value of each pair kept for the next call).</summary>
    public double NextGaussian()
    {
        if (_hasSpare) { _hasSpare = false; return _spareGaussian; }
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1)), phi = 2 * Math.PI * u2;
        _spareGaussian = r * Math.Sin(phi); _hasSpare = true;
        return r * Math.Cos(phi);
    }

    /// <summary>Fills <paramref name="values"/> with standard normals (Box–Muller in single precision, both outputs used).</summary>
    public void FillGaussian(Span<float> values)
    {
        int i = 0;
        for (; i + 1 < values.Length; i += 2)
        {
            float u1 = (float)(1.0 - NextDouble()), u2 = (float)NextDouble();
            float r = MathF.Sqrt(-2f * MathF.Log(u1));
            (float sin, float cos) = MathF.SinCos(2f * MathF.PI * u2);
            values[i] = r * cos;
            values[i + 1] = r * sin;
        }
        if (i < values.Length) values[i] = (float)NextGaussian();
    }

    public void Shuffle<T>(T[] items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary><paramref name="count"/> distinct values from [0, n), ascending (partial Fisher–Yates).</summary>
    public int[] SampleSorted(int n, int count)
    {
        if (count < 0 || count > n) throw new ArgumentOutOfRangeException(nameof(count));
        int[] pool = new int[n];
        for (int i = 0; i < n; i++) pool[i] = i;
        for (int i = 0; i < count; i++)
        {
            int j = i + NextInt(n - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        int[] sample = pool[..count];
        Array.Sort(sample);
        return sample;
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
