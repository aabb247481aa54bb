namespace Siren.Core.Kernels;

/// <summary>
/// The pairwise co-occupancy work of sketch and expand: count n11 = popcount(b_i &amp; b_j) for voxel
/// pairs and apply the edge test of each requested <see cref="EdgeRule"/> in the same sweep. The CPU
/// backend is the reference; every other backend (CUDA) must give identical edges and counts.
/// </summary>
public interface ICooccurrenceBackend : IDisposable
{
    /// <summary>Short name recorded in manifests ("cpu-avx512", "cpu-avx2", "cpu-scalar", "cuda").</summary>
    string Name { get; }

    /// <summary>
    /// The most counts one <see cref="ExpandCounts"/> call returns: an int index reaches them, and 2²⁸ ints are
    /// 1 GiB. Two million union voxels (box 128) against a thousand seed blocks are 2·10⁹ counts.
    /// </summary>
    const int MaxExpandCells = 1 << 28;

    /// <summary>
    /// Sketch: tests every unordered pair of <paramref name="rows"/> (indices into the occupancy
    /// matrix, ascending). The locality factor uses the pair's own distance. Returns, per rule, the
    /// passing pairs as (row a, row b) with a &lt; b, sorted.
    /// </summary>
    IReadOnlyList<EdgeList> SketchEdges(PairProblem problem, ReadOnlySpan<int> rows, ReadOnlySpan<EdgeRule> rules, IProgress<double>? progress = null);

    /// <summary>
    /// Expand: for every row v of the occupancy matrix and every block, the number of the block's
    /// members k that pass the rule with v; the locality factor uses the distance from v to the
    /// block's median voxel (1 when that distance is 0). Result index: (rule · N + v) · blockCount + block.
    /// Precondition: rules · N · blockCount ≤ <see cref="MaxExpandCells"/>; callers pass the blocks in batches.
    /// </summary>
    int[] ExpandCounts(PairProblem problem, IReadOnlyList<ExpandBlock> blocks, ReadOnlySpan<EdgeRule> rules, IProgress<double>? progress = null);
}

/// <summary>A seed block as the expand kernel sees it: member rows and twice the per-axis median index.</summary>
public sealed record ExpandBlock(int[] Rows, int TwiceMedianX, int TwiceMedianY, int TwiceMedianZ);

/// <summary>Edges of one rule as parallel arrays, sorted by (A, B), A &lt; B.</summary>
public sealed class EdgeList
{
    public EdgeList(int[] a, int[] b)
    {
        if (a.Length != b.Length) throw new ArgumentException("edge arrays differ in length");
        A = a; B = b;
    }

    public int[] A { get; }
    public int[] B { get; }
    public int Count => A.Length;
}
