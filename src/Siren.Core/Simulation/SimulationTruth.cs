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

    /// <summary>Reads truth.json, or the truth.json inside a simulation folder.</summary>
    public static SimulationTruth Read(string fileOrFolder)
    {
        string path = Directory.Exists(fileOrFolder) ? Path.Combine(fileOrFolder, FileName) : fileOrFolder;
        if (!File.Exists(path))
            throw new SirenException($"no truth file at '{path}'. Fix: pass the truth.json written by siren simulate (or its output folder).");
        try
        {
            SimulationTruth truth = JsonSerializer.Deserialize<SimulationTruth>(InputFile.ReadAllText(path, "a truth file", "pass the truth.json written by siren simulate"), Compact)
                ?? throw new SirenException($"'{path}' is empty. Fix: rerun siren simulate.");
            // Members left out are not nulls the reader sees (null ones are omitted when written), so the lists scoring walks are checked here.
            string? missing = truth.Regions is null ? "regions" : truth.Maps is null ? "maps"
                : truth.Regions.Any(r => r is null || r.Voxels is null) ? "a region's voxels" : null;
            return missing is null ? truth : throw new SirenException($"'{path}' has no {missing}. Fix: rerun siren simulate.");
        }
        catch (JsonException e)
        {
            throw new SirenException($"'{path}' is not a valid truth file: {HeterogeneitySpec.JsonProblem(e)} Fix: rerun siren simulate.", e);
        }
    }
}
