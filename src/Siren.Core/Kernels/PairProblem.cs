using Siren.Core.Ensemble;
using Siren.Core.Statistics;

namespace Siren.Core.Kernels;

/// <summary>
/// Everything a backend needs for the edge test: the bit-packed occupancy matrix, each row's voxel
/// coordinates, and the locality factor tabulated on squared half-voxel distances so that CPU and
/// GPU read the same doubles and never round differently.
/// </summary>
public sealed class PairProblem
{
    public PairProblem(OccupancyMatrix occupancy, LocalityTable locality)
    {
        Occupancy = occupancy;
        Locality = locality;
    }

    public OccupancyMatrix Occupancy { get; }
    public LocalityTable Locality { get; }
}

/// <summary>
/// Which count the locality factor scales. <see cref="Positive"/> is the paper's test: co-presence
/// n11 against c·t11, co-absence n00 against t00. <see cref="Complement"/> runs the same statistics on
/// absence: co-absence n00 against c·t00 and co-presence n11 against t11.
/// </summary>
public enum EdgePass
{
    Positive = 0,
    Complement = 1,
}

/// <summary>
/// One edge test: the pass and its significance table. For counts (f_i, f_j) over V maps, a pair with
/// n11 both-occupied and n00 = V − f_i − f_j + n11 both-empty is an edge (positive pass) when
/// n11 &gt; min(c·T_local, min(f_i, f_j)) and n00 &gt; min(T_other, V − max(f_i, f_j)).
/// </summary>
public sealed record EdgeRule(EdgePass Pass, SignificanceTable Table);
