using Siren.Core.Mrc;

namespace Siren.Core.Benchmarking;

/// <summary>
/// A timing workload that scales with the box: a core sphere present in every map and six surface
/// subunits with their own presence rates (two of them always together), at density 1 with Gaussian
/// noise of σ 0.15, binarized at 0.5. Geometry is in fractions of the box, so union voxels grow as B³
/// (≈ 8k at 64³, as in a typical cryoDRGN ensemble of a ribosome).
/// </summary>
public static class BenchmarkEnsemble
{
    public const double Threshold = 0.5;

    private static readonly (double X, double Y, double Z, double Presence)[] Subunits =
    [
        (0.5, 0.5, 0.5 + 0.26, 0.30),
        (0.5, 0.5 + 0.26, 0.5, 0.45),
        (0.5 + 0.26, 0.5, 0.5, 0.45),
        (0.5, 0.5, 0.5 - 0.26, 0.60),
        (0.5 - 0.26, 0.5, 0.5, 0.20),
        (0.5, 0.5 - 0.26, 0.5, 0.35),
    ];

    /// <summary>Writes vol_000.mrc … into <paramref name="dir"/> in parallel; deterministic per seed.</summary>
    public static void Write(string dir, int box, int maps, ulong seed, float apix = 6.55f, IProgress<double>? progress = null)
    {
        Directory.CreateDirectory(dir);
        double coreRadius = 0.17 * box, subRadius = 0.08 * box;
        var core = Ball(box, 0.5, 0.5, 0.5, coreRadius);
        var subs = Subunits.Select(s => Ball(box, s.X, s.Y, s.Z, subRadius)).ToArray();
        var presence = new bool[maps][];
        var random = new SirenRandom(seed);
        for (int m = 0; m < maps; m++)
        {
            presence[m] = Subunits.Select(s => random.NextDouble() < s.Presence).ToArray();
            presence[m][2] = presence[m][1];
        }
        int done = 0;
        SirenException.Unwrapped(() => Parallel.For(0, maps, m =>
        {
            var noise = new SirenRandom(seed * 1_000_003UL + (ulong)m + 1);
            var vol = MrcVolume.Zeros(box, Vec3.All(apix), Vec3.All(0));
            foreach (int v in core) vol.Data[v] = 1;
            for (int s = 0; s < subs.Length; s++)
                if (presence[m][s]) foreach (int v in subs[s]) vol.Data[v] = 1;
            for (int i = 0; i < vol.Data.Length; i++) vol.Data[i] += 0.15f * (float)noise.NextGaussian();
            MrcWriter.Write(Path.Combine(dir, $"vol_{m:D3}.mrc"), vol);
            progress?.Report((double)Interlocked.Increment(ref done) / maps);
        }));
    }

    private static int[] Ball(int box, double fx, double fy, double fz, double radius)
    {
        var list = new List<int>();
        double cx = fx * (box - 1), cy = fy * (box - 1), cz = fz * (box - 1);
        for (int z = 0; z < box; z++)
            for (int y = 0; y < box; y++)
                for (int x = 0; x < box; x++)
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) + (z - cz) * (z - cz) <= radius * radius)
                        list.Add(z * box * box + y * box + x);
        return list.ToArray();
    }
}
