using System.Numerics;

namespace Siren.Core.Simulation;

/// <summary>
/// xoshiro256** seeded through SplitMix64: a fast, platform-independent generator, so a seed gives the
/// same ensemble on every machine and thread count. Each map draws its noise from its own stream
/// (<see cref="ForStream"/>), so maps can be generated in parallel in any order.
/// </summary>
internal struct RandomStream
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareGaussian;
    private bool _hasSpare;

    public RandomStream(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
        _spareGaussian = 0; _hasSpare = false;
    }

    /// <summary>An independent stream for item <paramref name="index"/> of a run seeded with <paramref name="seed"/>.</summary>
    public static RandomStream ForStream(ulong seed, ulong index, ulong purpose = 0)
    {
        ulong x = seed ^ 0x9E3779B97F4A7C15UL * (index + 1) ^ purpose * 0xD1B54A32D192ED03UL;
        return new RandomStream(SplitMix(ref x));
    }

    public ulong NextULong()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    public int NextInt(int exclusiveMax) => (int)(NextDouble() * exclusiveMax);

    /// <summary>Standard normal by the Box–Muller transform (pairs cached).</summary>
    public double NextGaussian()
    {
        if (_hasSpare) { _hasSpare = false; return _spareGaussian; }
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1)), phi = 2 * Math.PI * u2;
        _spareGaussian = r * Math.Sin(phi); _hasSpare = true;
        return r * Math.Cos(phi);
    }

    public void Shuffle<T>(T[] items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
