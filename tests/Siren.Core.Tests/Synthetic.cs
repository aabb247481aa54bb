using Siren.Core.Mrc;

namespace Siren.Core.Tests;

/// <summary>
/// Small ensembles with known blocks for tests: a core present in every map and planted regions, each
/// present in a given fraction of maps, with independent noise so nothing else co-varies.
/// </summary>
public static class Synthetic
{
    public sealed record Region(int[] Voxels, double Presence);

    /// <summary>A solid cube of voxels [x0, x0+size) × … as flat indices, ascending.</summary>
    public static int[] Cube(int box, int x0, int y0, int z0, int size)
    {
        var list = new List<int>();
        for (int z = z0; z < z0 + size; z++)
            for (int y = y0; y < y0 + size; y++)
                for (int x = x0; x < x0 + size; x++)
                    list.Add(z * box * box + y * box + x);
        return list.ToArray();
    }

    /// <summary>
    /// Writes vol_000.mrc … with density 1 in the core and in each present region, 0 elsewhere, plus
    /// Gaussian noise of <paramref name="noise"/>; binarize at 0.5. Returns, per map, which regions are present.
    /// </summary>
    public static bool[][] WriteEnsemble(string dir, int box, int maps, int[] core, IReadOnlyList<Region> regions, ulong seed,
        float noise = 0.1f, float apix = 6.55f)
    {
        Directory.CreateDirectory(dir);
        var random = new SirenRandom(seed);
        var present = new bool[maps][];
        for (int m = 0; m < maps; m++)
        {
            var vol = MrcVolume.Zeros(box, Vec3.All(apix), Vec3.All(0));
            foreach (int v in core) vol.Data[v] = 1;
            present[m] = new bool[regions.Count];
            for (int r = 0; r < regions.Count; r++)
            {
                present[m][r] = random.NextDouble() < regions[r].Presence;
                if (present[m][r]) foreach (int v in regions[r].Voxels) vol.Data[v] = 1;
            }
            for (int i = 0; i < vol.Data.Length; i++) vol.Data[i] += noise * (float)random.NextGaussian();
            MrcWriter.Write(Path.Combine(dir, $"vol_{m:D3}.mrc"), vol);
        }
        return present;
    }

    public static double Jaccard(IEnumerable<int> a, IEnumerable<int> b)
    {
        var sa = new HashSet<int>(a);
        var sb = new HashSet<int>(b);
        int inter = sa.Count(sb.Contains);
        int union = sa.Count + sb.Count - inter;
        return union == 0 ? 1 : (double)inter / union;
    }
}
