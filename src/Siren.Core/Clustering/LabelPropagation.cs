namespace Siren.Core.Clustering;

/// <summary>
/// Semi-synchronous label propagation (Cordasco &amp; Gargano 2010), the method networkx's
/// label_propagation_communities implements and the original SIREn calls: colour the graph greedily
/// (largest degree first), then update one colour class at a time, since nodes of one colour share no
/// edge and can move together without the oscillation of fully synchronous updates. A node keeps its
/// label when that label is among its neighbours' most frequent; otherwise it takes the most frequent
/// one, ties to the largest label (Prec-Max: networkx's rule, under which Cordasco &amp; Gargano prove the
/// labelling settles). Stops when every node holds one of its most frequent labels. Labels start as the
/// node numbers, so the communities depend on the graph alone.
/// </summary>
public static class LabelPropagation
{
    /// <summary>Rounds after which the labelling is accepted as it is; reported through <paramref name="log"/>.</summary>
    public const int MaxRounds = 10_000;

    /// <param name="nodeCount">Nodes are 0..nodeCount−1; nodes without edges are left out, as networkx never sees them.</param>
    /// <param name="a">Edge endpoints (undirected, no duplicates).</param>
    /// <returns>Communities as ascending node lists (nodes with at least one edge only).</returns>
    public static List<int[]> Communities(int nodeCount, ReadOnlySpan<int> a, ReadOnlySpan<int> b, Action<string>? log = null)
    {
        var graph = Csr.Build(nodeCount, a, b);
        int[] colourOrder = GreedyColouring(graph, out int[] colourStart);

        var label = new int[nodeCount];
        for (int v = 0; v < nodeCount; v++) label[v] = v;
        var frequency = new int[nodeCount];
        var touched = new List<int>();
        var best = new List<int>();

        for (int round = 0; ; round++)
        {
            if (IsComplete(graph, label, frequency, touched, best)) break;
            if (round == MaxRounds)
            {
                log?.Invoke($"warning: label propagation did not settle in {MaxRounds} rounds; using the current labels.");
                break;
            }
            for (int colour = 0; colour + 1 < colourStart.Length; colour++)
                for (int i = colourStart[colour]; i < colourStart[colour + 1]; i++)
                {
                    int v = colourOrder[i];
                    MostFrequent(graph, v, label, frequency, touched, best);
                    if (best.Count == 0 || best.Contains(label[v])) continue;
                    label[v] = best[^1];
                }
        }

        var groups = new Dictionary<int, List<int>>();
        for (int v = 0; v < nodeCount; v++)
        {
            if (graph.Degree(v) == 0) continue;
            if (!groups.TryGetValue(label[v], out var members)) groups[label[v]] = members = new List<int>();
            members.Add(v);
        }
        return groups.Values.Select(g => g.ToArray()).ToList();
    }

    private static bool IsComplete(Csr graph, int[] label, int[] frequency, List<int> touched, List<int> best)
    {
        for (int v = 0; v < graph.NodeCount; v++)
        {
            if (graph.Degree(v) == 0) continue;
            MostFrequent(graph, v, label, frequency, touched, best);
            if (!best.Contains(label[v])) return false;
        }
        return true;
    }

    /// <summary>Fills <paramref name="best"/> with the labels of maximal frequency among v's neighbours, ascending.</summary>
    private static void MostFrequent(Csr graph, int v, int[] label, int[] frequency, List<int> touched, List<int> best)
    {
        best.Clear();
        int max = 0;
        foreach (int u in graph.Neighbours(v))
        {
            int l = label[u];
            if (frequency[l]++ == 0) touched.Add(l);
            if (frequency[l] > max) max = frequency[l];
        }
        foreach (int l in touched)
        {
            if (frequency[l] == max) best.Add(l);
            frequency[l] = 0;
        }
        touched.Clear();
        best.Sort();
    }

    /// <summary>Greedy colouring, largest degree first (networkx's default strategy); nodes grouped by colour.</summary>
    private static int[] GreedyColouring(Csr graph, out int[] colourStart)
    {
        int n = graph.NodeCount;
        int[] order = Enumerable.Range(0, n).Where(v => graph.Degree(v) > 0).ToArray();
        Array.Sort(order, (x, y) => graph.Degree(y) != graph.Degree(x) ? graph.Degree(y).CompareTo(graph.Degree(x)) : x.CompareTo(y));
        var colour = new int[n];
        Array.Fill(colour, -1);
        var used = new List<bool>();
        int colours = 0;
        foreach (int v in order)
        {
            foreach (int u in graph.Neighbours(v))
                if (colour[u] >= 0) { while (used.Count <= colour[u]) used.Add(false); used[colour[u]] = true; }
            int c = 0;
            while (c < used.Count && used[c]) c++;
            colour[v] = c;
            colours = Math.Max(colours, c + 1);
            for (int i = 0; i < used.Count; i++) used[i] = false;
        }
        colourStart = new int[colours + 1];
        foreach (int v in order) colourStart[colour[v] + 1]++;
        for (int c = 0; c < colours; c++) colourStart[c + 1] += colourStart[c];
        var fill = (int[])colourStart.Clone();
        var grouped = new int[order.Length];
        foreach (int v in order.OrderBy(v => v)) grouped[fill[colour[v]]++] = v;
        return grouped;
    }
}

/// <summary>Compressed sparse rows of an undirected graph.</summary>
internal sealed class Csr
{
    private readonly int[] _start, _adjacent;

    private Csr(int[] start, int[] adjacent) { _start = start; _adjacent = adjacent; }

    public int NodeCount => _start.Length - 1;
    public int Degree(int v) => _start[v + 1] - _start[v];
    public ReadOnlySpan<int> Neighbours(int v) => _adjacent.AsSpan(_start[v], Degree(v));

    public static Csr Build(int n, ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        // Each edge is listed from both ends, in one int-indexed array.
        if (a.Length > Array.MaxLength / 2)
            throw new SirenException($"the sketch found {a.Length:N0} edges, more than label propagation's adjacency array holds ({Array.MaxLength / 2:N0}). Fix: raise --subsample so fewer voxels are tested, or use --cutoffs exact with a smaller --posp.");
        var start = new int[n + 1];
        for (int e = 0; e < a.Length; e++) { start[a[e] + 1]++; start[b[e] + 1]++; }
        for (int v = 0; v < n; v++) start[v + 1] += start[v];
        var fill = (int[])start.Clone();
        var adjacent = new int[2 * a.Length];
        for (int e = 0; e < a.Length; e++) { adjacent[fill[a[e]]++] = b[e]; adjacent[fill[b[e]]++] = a[e]; }
        for (int v = 0; v < n; v++) Array.Sort(adjacent, start[v], start[v + 1] - start[v]);
        return new Csr(start, adjacent);
    }
}
