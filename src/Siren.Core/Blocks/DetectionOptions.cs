using Siren.Core.Ensemble;
using Siren.Core.Statistics;

namespace Siren.Core.Blocks;

/// <summary>Which statistics find blocks: the paper's (occupancy), its complement (absence), or both.</summary>
public enum PassSelection
{
    Positive,
    Complement,
    Both,
}

/// <summary>Parameters of block detection; defaults are the original's (and the paper's) defaults.</summary>
public sealed record DetectionOptions
{
    public required string VolDir { get; init; }
    public required Thresholds Thresholds { get; init; }

    /// <summary>Drop maps whose threshold lies outside mean ± 2σ.</summary>
    public bool Filter { get; init; }

    /// <summary>Sketch tests every pair among ⌊N / Subsample⌋ randomly chosen union voxels.</summary>
    public int Subsample { get; init; } = 2;

    public ulong Seed { get; init; }
    public double PosP { get; init; } = DefaultPosP;
    public double NegP { get; init; } = DefaultNegP;
    public CutoffRule Cutoffs { get; init; } = DefaultCutoffs;

    /// <summary>The original's --posp and --negp defaults (before the Bonferroni correction).</summary>
    public const double DefaultPosP = 0.01, DefaultNegP = 0.05;

    public const CutoffRule DefaultCutoffs = CutoffRule.Reference;

    /// <summary>Å per voxel for the locality factor; null takes the maps' header voxel size.</summary>
    public double? Apix { get; init; }

    /// <summary>A voxel joins a seed block when it has edges to at least this fraction of the block.</summary>
    public double ExpFrac { get; init; } = DefaultExpFrac;

    /// <summary>The original's --exp_frac default (the paper: "25% to be a reasonable threshold").</summary>
    public const double DefaultExpFrac = 0.25;

    public PassSelection Passes { get; init; } = DefaultPasses;

    public const PassSelection DefaultPasses = PassSelection.Positive;

    /// <summary>Communities of more than this many voxels become seed blocks (the original keeps size &gt; 5).</summary>
    public int MinSeedExclusive { get; init; } = 5;

    public void Validate()
    {
        if (Subsample < 1) throw new SirenException($"--subsample {Subsample} must be at least 1. Fix: omit it (2, the paper's half of the union).");
        if (!(ExpFrac > 0 && ExpFrac <= 1)) throw new SirenException($"--exp-frac {ExpFrac} must lie in (0, 1]. Fix: omit it (0.25, the paper's).");
        CutoffLevel.TailProbability(CutoffRule.Exact, PosP, 1);
        CutoffLevel.TailProbability(CutoffRule.Exact, NegP, 1);
        if (Apix is { } a && !(a > 0 && double.IsFinite(a))) throw new SirenException($"--apix {a} must be a positive number of Å per voxel. Fix: omit it to take the maps' header, or give their voxel size.");
    }
}
