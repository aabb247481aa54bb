using Siren.Core.Statistics;

namespace Siren.Core.Thresholding;

/// <summary>Which maps a predicted level is for, and how it gets there from the model's box-64 scale.</summary>
public enum LevelScale
{
    /// <summary>
    /// The maps as given. A cropped map's level encloses the same share of its voxels as the model's level
    /// encloses in the box-64 map: the same molecular volume (<see cref="FullBoxLevels"/>). Needs the
    /// full-box values (<see cref="PreparedMap.FullBox"/>); where they are absent — a folder written by siren
    /// preprocess holds only box-64 maps — the level falls back to <see cref="FullBoxLinear"/>.
    /// </summary>
    FullBox,

    /// <summary>
    /// The maps as given, by the original's rule: the model's level keeps its place in the normalized range,
    /// t = (p + 1)/2 · (max − min) + min with the full-box map's range. Cropping low-passes a map, so the
    /// two maps' value distributions differ and this misses the volume as the box grows (docs/thresholds.md).
    /// </summary>
    FullBoxLinear,

    /// <summary>The box-64 (Fourier-cropped) maps the model read.</summary>
    Downsampled,
}

/// <summary>
/// Levels carried between a cropped map and its box-64 version by the share of voxels they enclose. Fourier
/// cropping to box 64 keeps a molecule's shape and volume but lowers its sharp peaks, so a level's place in
/// the value range does not carry over; the share of the box above it does.
/// </summary>
public static class FullBoxLevels
{
    /// <summary>What the commands print when a preprocessed folder leaves only the linear rule (numbers: docs/thresholds.md, uL2 at box 128, 192 and 320).</summary>
    public const string LinearFallbackWarning =
        "warning: the full-box maps are not here, so their levels follow the original's linear rule, which misjudges cropped maps' volumes " +
        "(by 7 %, 51 % and 347 % at box 128, 192 and 320 in docs/thresholds.md). Pass the raw maps for levels that match their volume.";

    // The shares are counted on the box-64 map in map units, not on the normalized one: normalization merges every
    // voxel ≤ 0 into its floor, and a level at or below the floor (the model predicts down to about -1.01, and a
    // user's contour may sit in the noise) would count that whole floor as enclosed.

    /// <summary>The full-box level enclosing the share of voxels that model level <paramref name="p"/> encloses in the box-64 map.</summary>
    public static double FromModel(PreparedMap map, double p)
    {
        var (full, box64) = Values(map);
        double share = ShareAbove(box64, map.Stats.Denormalize(p));
        return OrderStatistics.LevelEnclosing(full, (long)Math.Round(share * full.Length));
    }

    /// <summary>The model level (normalized box-64 scale) enclosing the share of voxels that full-box level <paramref name="level"/> encloses.</summary>
    public static double ToModel(PreparedMap map, double level)
    {
        var (full, box64) = Values(map);
        double share = ShareAbove(full, level);
        return map.Stats.Normalize(OrderStatistics.LevelEnclosing(box64, (long)Math.Round(share * box64.Length)));
    }

    private static (float[] Full, float[] Box64) Values(PreparedMap map) =>
        map is { FullBox: { } full, Box64: { } box64 } ? (full, box64)
            : throw new ArgumentException($"map {map.MapId} was prepared without its full-box values", nameof(map));

    private static double ShareAbove(float[] values, double level)
    {
        long above = 0;
        foreach (float v in values) if (v > level) above++;
        return (double)above / values.Length;
    }
}
