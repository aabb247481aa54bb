using Siren.Core.Statistics;

namespace Siren.Core.Kernels;

/// <summary>
/// For each occupancy count f, the smallest and largest partner count g for which a pair (f, g) can
/// pass any rule at all, whatever its n11. A pass needs x &gt; min(c·L, capX) and y &gt; min(O, capY) where
/// x ≤ capX and y ≤ capY always hold, so a pair with c·L ≥ capX or O ≥ capY can never be an edge. With
/// rows in order of count the kernels only visit partners inside [Min[f], Max[f]]: pairs of two
/// often-occupied voxels (most of a complex's core) are skipped without a popcount. Results are
/// unchanged; pairs inside the hull still take the full test.
/// </summary>
internal sealed class PartnerHull
{
    private PartnerHull(int[] min, int[] max) { Min = min; Max = max; }

    /// <summary>Min[f] = smallest possible partner count, or int.MaxValue when none.</summary>
    public int[] Min { get; }

    /// <summary>Max[f] = largest possible partner count, or −1 when none.</summary>
    public int[] Max { get; }

    /// <param name="cMin">The smallest locality factor the kernel will use for these pairs.</param>
    public static PartnerHull Build(int maps, IReadOnlyList<EdgeRule> rules, double cMin)
    {
        var min = new int[maps + 1];
        var max = new int[maps + 1];
        Array.Fill(min, int.MaxValue);
        Array.Fill(max, -1);
        foreach (EdgeRule rule in rules)
        {
            SignificanceTable t = rule.Table;
            int[] counts = t.DistinctCounts;
            bool positive = rule.Pass == EdgePass.Positive;
            for (int i = 0; i < counts.Length; i++)
                for (int j = 0; j < counts.Length; j++)
                {
                    int f = counts[i], g = counts[j];
                    int fMin = Math.Min(f, g), fMax = Math.Max(f, g);
                    int capX = positive ? fMin : maps - fMax;
                    int capY = positive ? maps - fMax : fMin;
                    int cell = i * counts.Length + j;
                    if (cMin * t.Local[cell] >= capX || t.Other[cell] >= capY) continue;
                    if (g < min[f]) min[f] = g;
                    if (g > max[f]) max[f] = g;
                }
        }
        return new PartnerHull(min, max);
    }
}
