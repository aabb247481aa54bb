using Siren.Core.Classification;

namespace Siren.Core.Tests.Classification;

public class HierarchicalClusteringTests
{
    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>
    /// A simulated ensemble of block occupancies: four assembly classes (as EMPIAR-10076's B–E), each a
    /// pattern of present/absent blocks, 60 maps each, per-map noise of 0.12 on 0–1 occupancies.
    /// </summary>
    private static (double[][] Points, int[] Truth) PlantedClasses(int seed)
    {
        double[][] patterns =
        [
            [1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
            [1, 1, 1, 0, 0, 0, 1, 1, 0, 0],
            [1, 1, 0, 0, 1, 1, 1, 0, 1, 1],
            [0, 0, 1, 1, 1, 0, 0, 1, 1, 1],
        ];
        var rng = new Random(seed);
        var points = new List<double[]>();
        var truth = new List<int>();
        for (int i = 0; i < 240; i++)
        {
            int c = rng.Next(4);
            points.Add(patterns[c].Select(p => Math.Clamp(p + 0.12 * Normal(rng), 0, 1)).ToArray());
            truth.Add(c);
        }
        return (points.ToArray(), truth.ToArray());
    }

    [Theory]
    [InlineData(Linkage.Ward)]
    [InlineData(Linkage.Average)]
    [InlineData(Linkage.Complete)]
    public void RecoversPlantedClasses(Linkage linkage)
    {
        var (points, truth) = PlantedClasses(3);
        int[] classes = Dendrogram.Build(points, linkage).CutIntoClasses(4);
        Assert.True(AdjustedRand.Index(truth, classes) >= 0.95, $"ARI {AdjustedRand.Index(truth, classes)}");
    }

    [Fact]
    public void MergesTightPairsFirstAndHeightsAscend()
    {
        double[][] points = [[0.0], [10.0], [0.1], [10.3]];
        Dendrogram tree = Dendrogram.Build(points, Linkage.Average);
        Assert.Equal(new Merge(0, 2, 0.1, 2), tree.Merges[0]);
        Assert.Equal(1, tree.Merges[1].Left);
        Assert.Equal(3, tree.Merges[1].Right);
        Assert.Equal(0.3, tree.Merges[1].Height, 12);
        // Average linkage between {0, 0.1} and {10, 10.3}: mean of the four distances.
        Assert.Equal((10 + 10.3 + 9.9 + 10.2) / 4, tree.Merges[2].Height, 12);
        Assert.Equal([1, 2, 1, 2], tree.CutIntoClasses(2));
        Assert.Equal([1, 2, 1, 2], tree.CutAtDistance(1.0));
        Assert.Equal(4, tree.LeafOrder().Distinct().Count());
    }

    [Fact]
    public void WardHeightsMatchTheIncreaseInSumOfSquares()
    {
        // Ward's height for merging clusters A and B is sqrt(2 |A||B| / (|A|+|B|)) · ‖centroid A − centroid B‖.
        double[][] points = [[0.0], [1.0], [5.0], [6.0]];
        Dendrogram tree = Dendrogram.Build(points, Linkage.Ward);
        Assert.Equal(1.0, tree.Merges[0].Height, 12);
        Assert.Equal(1.0, tree.Merges[1].Height, 12);
        Assert.Equal(Math.Sqrt(2 * 2 * 2 / 4.0) * 5, tree.Merges[2].Height, 12);
    }

    [Fact]
    public void AdjustedRandMatchesKnownValues()
    {
        Assert.Equal(1.0, AdjustedRand.Index([0, 0, 1, 1], [5, 5, 3, 3]), 12);
        Assert.Equal(0.5714285714285715, AdjustedRand.Index([0, 0, 1, 1], [0, 0, 1, 2]), 12);
        Assert.Equal(-0.5, AdjustedRand.Index([0, 0, 1, 1], [0, 1, 0, 1]), 12);
    }

    [Theory]
    [InlineData(Linkage.Ward)]
    [InlineData(Linkage.Average)]
    [InlineData(Linkage.Complete)]
    public void CutsThatWouldSplitIdenticalMapsAreRefused(Linkage linkage)
    {
        Dendrogram same = Dendrogram.Build([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]], linkage);
        Assert.Equal([1, 1, 1, 1], same.CutIntoClasses(1));
        Assert.Equal([1, 1, 1, 1], same.CutAtDistance(0.1));
        var e = Assert.Throws<SirenException>(() => same.CutIntoClasses(2));
        Assert.Contains("same occupancy in every block", e.Message);
        Assert.Contains("Fix:", e.Message);

        // Two distinct patterns, each twice: two classes are the patterns, three would split a pair.
        Dendrogram pairs = Dendrogram.Build([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], linkage);
        Assert.Equal([1, 2, 1, 2], pairs.CutIntoClasses(2));
        e = Assert.Throws<SirenException>(() => pairs.CutIntoClasses(3));
        Assert.Contains("only 2 of the 4 maps", e.Message);
        Assert.Contains("--classes between 1 and 2", e.Message);
    }

    [Theory]
    [InlineData(Linkage.Ward)]
    [InlineData(Linkage.Average)]
    [InlineData(Linkage.Complete)]
    public void ACutBetweenTwoMergesOfOneHeightIsNamed(Linkage linkage)
    {
        // Two pairs one apart, far from each other: both pairs merge at height 1, so keeping one of those merges
        // and undoing the other (3 classes) is the algorithm's order, not the data's; 2 and 4 classes are not.
        Dendrogram tree = Dendrogram.Build([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0]], linkage);
        Assert.Equal(1.0, tree.TiedHeightAtCut(3));
        Assert.Null(tree.TiedHeightAtCut(2));
        Assert.Null(tree.TiedHeightAtCut(4));
        Assert.Null(tree.TiedHeightAtCut(1));

        var table = new Siren.Core.Occupancy.OccupancyTable([0, 1, 2, 3], ["block_0", "block_1"], [[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0]]);
        Assert.Contains("same height (1)", Classifier.Run(table, new ClassifyOptions { Classes = 3, Linkage = linkage }).CutWarning);
        Assert.Null(Classifier.Run(table, new ClassifyOptions { Classes = 2, Linkage = linkage }).CutWarning);
    }
}
