using System.Text.Json;
using Siren.Core.IO;

namespace Siren.Core.Simulation;

/// <summary>
/// One variable region of a simulated ensemble: the voxels (flat z·B² + y·B + x, ascending, as in
/// blocks.json) that a compositional group adds at the true threshold, or that a conformational group
/// occupies in exactly one set of its used poses. <see cref="Primary"/> regions are a compositional group's
/// and each single pose's (a part of the complex that comes and goes); the other regions are overlaps of
/// several poses (voxels the arm covers in two of three poses), real co-varying voxels but small, so
/// scores report them without counting them as regions to find. <see cref="PresentFraction"/> is the mean
/// occupancy (compositional) or the fraction of maps in those poses (conformational), over the non-junk maps.
/// </summary>
public sealed record TruthRegion(string Name, string Group, GroupType Type, int[]? Poses, bool Primary, double PresentFraction, int[] Voxels);

/// <summary>
/// The ground truth of one map: its class, the pose of each conformational group, the occupancy of each
/// compositional group, the drawn resolution/scale/offset, its true threshold, and the junk kind (null,
/// "noise" or "scale").
/// </summary>
public sealed record MapTruth(
    int Id, string File, string Class, IReadOnlyDictionary<string, int> Poses, IReadOnlyDictionary<string, double> Occupancies,
    double Resolution, double Scale, double Offset, double Threshold, string? Junk);

/// <summary>
/// truth.json: everything the simulator knows about its ensemble. <see cref="ThresholdRule"/> states how
/// each map's true threshold was chosen; <see cref="Regions"/> are computed on the noiseless maps at
/// <see cref="ReferenceResolution"/>.
/// </summary>
public sealed record SimulationTruth(
    string Name, ulong Seed, int Box, double Apix, double[] Origin, string ThresholdRule, double ReferenceResolution,
    double MolecularVolume, IReadOnlyList<TruthRegion> Regions, IReadOnlyList<MapTruth> Maps)
{
    public const string FileName = "truth.json";

    // A hand-edited "regions": null must fail here, not as a null deep in scoring.
    private static readonly JsonSerializerOptions Compact = new(HeterogeneitySpec.Json) { WriteIndented = false, RespectNullableAnnotations = true };

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Compact));

    /// <summary>Largest box whose voxel indices (box³) an int still holds, as in blocks.json.</summary>
    private const int MaxBox = 1290;

    /// <summary>
    /// What a hand-edited truth file breaks that scoring relies on, or null: the lists it walks, a box its voxels
    /// index, each region's voxels ascending, once each and inside the box (a voxel listed twice would count twice
    /// in a Jaccard index), and region names that tell the regions apart in the score.
    /// </summary>
    private string? Problem()
    {
        // Members left out are not nulls the reader sees (null ones are omitted when written), so the lists scoring walks are checked here.
        if (Regions is null) return "has no regions";
        if (Maps is null) return "has no maps";
        // A member left out reads as 0.
        if (Box == 0) return "has no \"box\" (or box 0)";
        if (Box is < 1 or > MaxBox) return $"has box {Box}; a map's box is 1 to {MaxBox}";
        long voxelCount = (long)Box * Box * Box;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (TruthRegion region in Regions)
        {
            if (region?.Voxels is null) return "has no voxels for a region";
            if (string.IsNullOrEmpty(region.Name)) return "has a region without a name";
            if (!names.Add(region.Name)) return $"has two regions named '{region.Name}'; region names must be unique";
            int[] v = region.Voxels;
            // The simulator leaves out a region that changes no voxel; one listed empty could never be found.
            if (v.Length == 0) return $"has no voxels in region '{region.Name}'; a region lists the voxels it changes";
            int outside = Array.FindIndex(v, x => x < 0 || x >= voxelCount);
            if (outside >= 0) return $"has voxel {v[outside]} in region '{region.Name}', outside the {Box}³ box";
            for (int i = 1; i < v.Length; i++)
                if (v[i] <= v[i - 1])
                    return $"lists voxel {v[i]} after {v[i - 1]} in region '{region.Name}'; a region's voxels must be ascending, each once";
        }
        return null;
    }

    /// <summary>The truth file a user names: the file itself, or the truth.json inside a simulation folder.</summary>
    public static string FileIn(string fileOrFolder) => Directory.Exists(fileOrFolder) ? Path.Combine(fileOrFolder, FileName) : fileOrFolder;

    /// <summary>Reads truth.json, or the truth.json inside a simulation folder.</summary>
    public static SimulationTruth Read(string fileOrFolder)
    {
        string path = FileIn(fileOrFolder);
        if (!File.Exists(path))
            throw new SirenException($"no truth file at '{path}'. Fix: pass the truth.json written by siren simulate (or its output folder).");
        try
        {
            SimulationTruth truth = JsonSerializer.Deserialize<SimulationTruth>(InputFile.ReadAllText(path, "a truth file", "pass the truth.json written by siren simulate"), Compact)
                ?? throw new SirenException($"'{path}' is empty. Fix: rerun siren simulate.");
            return truth.Problem() is { } problem ? throw new SirenException($"'{path}' {problem}. Fix: rerun siren simulate.") : truth;
        }
        catch (JsonException e)
        {
            throw new SirenException($"'{path}' is not a valid truth file: {HeterogeneitySpec.JsonProblem(e)} Fix: rerun siren simulate.", e);
        }
    }
}
