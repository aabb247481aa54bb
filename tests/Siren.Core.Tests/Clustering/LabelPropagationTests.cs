using System.Globalization;
using Siren.Core.Clustering;
using Siren.Core.Tests.Thresholding;

namespace Siren.Core.Tests.Clustering;

public class LabelPropagationTests
{
    private static List<int[]> Sorted(List<int[]> communities) =>
        communities.OrderBy(c => c[0]).ToList();

    [Fact]
    public void TwoCliquesJoinedByOneEdgeAreTwoCommunities()
    {
        // Nodes 0–4 and 5–9 each fully connected, one bridge 4–5; node 10 has no edge and is left out.
        var a = new List<int>();
        var b = new List<int>();
        foreach (int start in new[] { 0, 5 })
            for (int i = start; i < start + 5; i++)
                for (int j = i + 1; j < start + 5; j++) { a.Add(i); b.Add(j); }
        a.Add(4); b.Add(5);
        var communities = Sorted(LabelPropagation.Communities(11, a.ToArray(), b.ToArray()));
        Assert.Equal([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]], communities);
    }

    [Fact]
    public void TiesGoToTheLargestLabel()
    {
        // A graph on which the tie rule decides the partition: networkx 2.8 (Prec-Max, the largest label) gives
        // {0, 1, 2, 4, 6} and {3, 5, 7}; the smallest label would give {0, 2, 6}, {1, 4}, {3, 5, 7}.
        int[] a = [0, 1, 2, 2, 3, 3, 4, 5], b = [2, 4, 5, 6, 5, 7, 6, 7];
        Assert.Equal([[0, 1, 2, 4, 6], [3, 5, 7]], Sorted(LabelPropagation.Communities(8, a, b)));
    }

    [PythonFact("networkx")]
    public void CommunitiesMatchNetworkx()
    {
        // Random graphs with planted groups, sparse enough that ties are frequent: networkx's
        // label_propagation_communities (the original's call) on the same nodes, numbered the same.
        var random = new SirenRandom(11);
        for (int graph = 0; graph < 20; graph++)
        {
            int n = 30 + random.NextInt(60);
            var a = new List<int>();
            var b = new List<int>();
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++)
                    if (random.NextDouble() < (i % 4 == j % 4 ? 0.25 : 0.03)) { a.Add(i); b.Add(j); }
            var ours = Sorted(LabelPropagation.Communities(n, a.ToArray(), b.ToArray()));
            string edges = string.Join(";", a.Zip(b, (i, j) => $"{i},{j}"));
            string output = PythonReference.Script(PythonReference.With("networkx")!, """
                import sys
                import networkx as nx
                n = int(sys.argv[1])
                G = nx.Graph()
                G.add_nodes_from(range(n))
                G.add_edges_from(tuple(map(int, e.split(","))) for e in sys.argv[2].split(";") if e)
                G.remove_nodes_from([v for v in range(n) if G.degree(v) == 0])
                for c in sorted(sorted(c) for c in nx.algorithms.community.label_propagation_communities(G)):
                    print(" ".join(map(str, c)))
                """, n.ToString(CultureInfo.InvariantCulture), edges);
            var theirs = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(' ').Select(int.Parse).ToArray()).ToList();
            Assert.Equal(theirs, ours);
        }
    }
}
