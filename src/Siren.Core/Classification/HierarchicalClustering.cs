namespace Siren.Core.Classification;

public enum Linkage { Ward, Average, Complete }

/// <summary>One merge of the dendrogram, as scipy's linkage matrix: clusters Left and Right (ids &lt; n are maps, n + i is merge i) at Height.</summary>
public sealed record Merge(int Left, int Right, double Height, int Size);

/// <summary>
/// Agglomerative clustering of maps by their block-occupancy vectors on Euclidean distances, with Ward
/// (scipy's Lance–Williams form on unsquared distances), average or complete linkage. All three are
/// reducible, so the nearest-neighbour-chain algorithm gives the exact dendrogram in O(n²) time with
/// one condensed distance matrix.
/// </summary>
public sealed class Dendrogram
{
    private Dendrogram(int leaves, Merge[] merges)
    {
        Leaves = leaves; Merges = merges;
    }

    public int Leaves { get; }

    /// <summary>n − 1 merges in ascending height (scipy's linkage order).</summary>
    public Merge[] Merges { get; }

    public static Dendrogram Build(IReadOnlyList<double[]> points, Linkage linkage)
    {
        int n = points.Count;
        if (n < 2) throw new SirenException($"clustering needs at least 2 maps, got {n}. Fix: measure more maps.");
        var d = new double[(long)n * (n - 1) / 2];
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                double s = 0;
                double[] a = points[i], b = points[j];
                for (int k = 0; k < a.Length; k++) s += (a[k] - b[k]) * (a[k] - b[k]);
                d[Index(n, i, j)] = Math.Sqrt(s);
            }

        var size = new int[n];
        Array.Fill(size, 1);
        var active = new bool[n];
        Array.Fill(active, true);
        var raw = new List<(int A, int B, double H)>(n - 1);
        var chain = new List<int>(n);
        for (int step = 0; step < n - 1; step++)
        {
            if (chain.Count == 0) chain.Add(Array.IndexOf(active, true));
            while (true)
            {
                int x = chain[^1];
                int previous = chain.Count > 1 ? chain[^2] : -1;
                // Prefer the previous chain element on ties so the chain terminates.
                int y = previous;
                double best = previous >= 0 ? d[Index(n, x, previous)] : double.PositiveInfinity;
                for (int k = 0; k < n; k++)
                {
                    if (!active[k] || k == x) continue;
                    double dk = d[Index(n, x, k)];
                    if (dk < best) { best = dk; y = k; }
                }
                if (y == previous) break;
                chain.Add(y);
            }
            int b2 = chain[^1], a2 = chain[^2];
            chain.RemoveRange(chain.Count - 2, 2);
            double h = d[Index(n, a2, b2)];
            int lo = Math.Min(a2, b2), hi = Math.Max(a2, b2);
            raw.Add((lo, hi, h));
            // The merged cluster lives on in slot hi; slot lo is retired.
            int nlo = size[lo], nhi = size[hi];
            for (int k = 0; k < n; k++)
            {
                if (!active[k] || k == lo || k == hi) continue;
                double dlo = d[Index(n, k, lo)], dhi = d[Index(n, k, hi)];
                int nk = size[k];
                d[Index(n, k, hi)] = linkage switch
                {
                    Linkage.Ward => Math.Sqrt(((nlo + nk) * dlo * dlo + (nhi + nk) * dhi * dhi - nk * h * h) / (nlo + nhi + nk)),
                    Linkage.Average => (nlo * dlo + nhi * dhi) / (nlo + nhi),
                    _ => Math.Max(dlo, dhi),
                };
            }
            active[lo] = false;
            size[hi] = nlo + nhi;
        }
        return new Dendrogram(n, Relabel(n, raw));
    }

    /// <summary>Sorts merges by height (stable) and names clusters as scipy does: merge i creates cluster n + i.</summary>
    private static Merge[] Relabel(int n, List<(int A, int B, double H)> raw)
    {
        var order = Enumerable.Range(0, raw.Count).OrderBy(i => raw[i].H).ThenBy(i => i).ToArray();
        var parent = Enumerable.Range(0, n).ToArray();
        var clusterOfRoot = Enumerable.Range(0, n).ToArray();
        var sizeOfRoot = Enumerable.Repeat(1, n).ToArray();
        int Find(int v) { while (parent[v] != v) { parent[v] = parent[parent[v]]; v = parent[v]; } return v; }
        var merges = new Merge[raw.Count];
        for (int m = 0; m < order.Length; m++)
        {
            var (a, b, h) = raw[order[m]];
            int ra = Find(a), rb = Find(b);
            int ca = clusterOfRoot[ra], cb = clusterOfRoot[rb];
            int s = sizeOfRoot[ra] + sizeOfRoot[rb];
            merges[m] = new Merge(Math.Min(ca, cb), Math.Max(ca, cb), h, s);
            parent[ra] = rb;
            clusterOfRoot[rb] = n + m;
            sizeOfRoot[rb] = s;
        }
        return merges;
    }

    /// <summary>Leaves left to right as a dendrogram draws them (children in merge order, left first).</summary>
    public int[] LeafOrder()
    {
        var order = new List<int>(Leaves);
        var stack = new Stack<int>();
        stack.Push(Leaves + Merges.Length - 1);
        while (stack.Count > 0)
        {
            int c = stack.Pop();
            if (c < Leaves) { order.Add(c); continue; }
            Merge m = Merges[c - Leaves];
            stack.Push(m.Right);
            stack.Push(m.Left);
        }
        return order.ToArray();
    }

    /// <summary>Cuts into <paramref name="k"/> clusters (undoing the last k − 1 merges); labels 1..k numbered in leaf order.</summary>
    public int[] CutIntoClasses(int k)
    {
        if (k < 1 || k > Leaves) throw new SirenException($"cannot cut {Leaves} maps into {k} classes. Fix: choose --classes between 1 and {Leaves}.");
        // A merge at height 0 joins maps with identical occupancies (heights only grow up the tree, so all its
        // maps coincide). Undoing one would split identical maps, and which of them lands in which class is
        // arbitrary: a user would read meaning into classes that have none. Such a cut is refused, not warned
        // about, because its classes.csv would feed select and the report as if it were real.
        int distinct = Leaves - Merges.Count(m => m.Height == 0);
        if (k > distinct)
            throw distinct == 1
                ? new SirenException($"all {Leaves} maps have the same occupancy in every block, so any cut into {k} classes would be arbitrary. Fix: check that the maps differ and that their thresholds do not leave every block empty or full, or pass --classes 1.")
                : new SirenException($"only {distinct} of the {Leaves} maps have distinct block occupancies, so {k} classes would split identical maps arbitrarily. Fix: choose --classes between 1 and {distinct}.");
        return Labels(Leaves - k);
    }

    /// <summary>
    /// The height shared by the last merge a cut into <paramref name="k"/> classes keeps and the first it undoes,
    /// or null when they differ. At a tie, which of the two merges is undone follows the order the algorithm met
    /// them in, not the data: deterministic, but another ordering of the maps could give other classes (scipy's
    /// maxclust would give fewer than k instead).
    /// </summary>
    public double? TiedHeightAtCut(int k)
    {
        int kept = Leaves - k;
        if (kept < 1 || kept >= Merges.Length) return null;
        double height = Merges[kept - 1].Height;
        return height > 0 && height == Merges[kept].Height ? height : null;
    }

    /// <summary>Cuts at height <paramref name="distance"/>: merges at or below it are kept (scipy's fcluster 'distance').</summary>
    public int[] CutAtDistance(double distance) => Labels(Merges.Count(m => m.Height <= distance));

    private int[] Labels(int mergesKept)
    {
        var parent = Enumerable.Range(0, Leaves + Merges.Length).ToArray();
        int Find(int v) { while (parent[v] != v) { parent[v] = parent[parent[v]]; v = parent[v]; } return v; }
        for (int m = 0; m < mergesKept; m++)
        {
            parent[Find(Merges[m].Left)] = Leaves + m;
            parent[Find(Merges[m].Right)] = Leaves + m;
        }
        var labels = new int[Leaves];
        var number = new Dictionary<int, int>();
        foreach (int leaf in LeafOrder())
        {
            int root = Find(leaf);
            if (!number.TryGetValue(root, out int label)) number[root] = label = number.Count + 1;
            labels[leaf] = label;
        }
        return labels;
    }

    private static long Index(int n, int i, int j)
    {
        if (i > j) (i, j) = (j, i);
        return (long)n * i - (long)i * (i + 1) / 2 + (j - i - 1);
    }
}
