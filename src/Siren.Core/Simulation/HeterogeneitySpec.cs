using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Siren.Core.Simulation;

/// <summary>
/// What varies across a simulated ensemble, read from a small JSON file (snake_case keys):
/// <code>
/// {
///   "name": "my-titration",
///   "grid": {"box": 64, "apix": 6.55, "origin": [0, 0, 0]},          // or "center": true to centre the model
///   "resolution": {"min": 10, "max": 14, "levels": 3},                // Å; uniform per map, 3 rendered
///   "maps": 500,
///   "groups": [
///     {"name": "uL2", "type": "compositional", "select": [{"model": "prots1", "chain": "A", "last": 271}]},
///     {"name": "arm", "type": "conformational", "select": [{"chain": "F", "residues": [1, 80]}],
///      "pivot": [170, 114, 126], "axis": [0, 0, 1], "angles": [-40, 0, 40]}
///   ],
///   "classes": [
///     {"name": "intact", "frequency": 0.5, "present": ["uL2"]},
///     {"name": "deleted", "frequency": 0.5, "present": [], "poses": {"arm": 0}}
///   ],
///   "variation": {"scale": [0.8, 1.25], "offset": [-0.05, 0.05], "noise": 0.1, "noise_blur": 1.0,
///                 "partial_fraction": 0.1, "partial_occupancy": [0.3, 0.7], "junk_fraction": 0.0}
/// }
/// </code>
/// A selection matches atoms by model (file name without extension), chain, an inclusive residue range,
/// or the chain's last k residues by residue number (a C-terminal deletion); an atom belongs to the first
/// group that selects it. Compositional groups are present only in the classes that list them;
/// conformational groups are always present, rotated rigidly by one of their angles (degrees, right-handed
/// about the axis through the pivot, Å) — the class's fixed pose, or a pose drawn uniformly per map.
/// <para>
/// Bounds (<see cref="Validate"/>; a key given twice is refused): grid.box 2–1024, grid.apix 0.1–100 Å;
/// resolution from apix (finer, atoms fall between voxel centres) to a quarter of the box width (coarser,
/// each atom's Gaussian spans the box), 1–16 levels; angles within ±360°; scale within [1e-6, 1e6];
/// offset within (−1, 1) (the true threshold s·T·(1 + offset) stays positive); noise 0–10 (× T);
/// noise_blur up to a sixth of the box (the periodic filter must not wrap onto itself); occupancies and
/// fractions within [0, 1]. Every atom must lie in the grid, since T counts the whole model's volume.
/// </para>
/// </summary>
public sealed partial record HeterogeneitySpec
{
    public string Name { get; init; } = "custom";
    public GridOptions Grid { get; init; } = new();
    public ResolutionRange Resolution { get; init; } = new();
    public int Maps { get; init; } = 500;
    public IReadOnlyList<GroupSpec> Groups { get; init; } = [];
    public IReadOnlyList<ClassSpec> Classes { get; init; } = [];
    public VariationSpec Variation { get; init; } = new();

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // "grid": null would otherwise replace the default section with a null that validation walks into.
        RespectNullableAnnotations = true,
        // A key given twice is a spec edited in two places; the last one silently winning hides the other.
        AllowDuplicateProperties = false,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>
    /// The serializer's problem in the file's terms: where it is (JSON path, line and byte, counted from 1) and
    /// what, without the program's .NET type names, which mean nothing to whoever edits the file, and without
    /// advice to the program's authors (a null is the file's problem, not an annotation's).
    /// </summary>
    internal static string JsonProblem(JsonException e)
    {
        string where = (e.Path is null ? "" : $" at {e.Path}") + (e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "");
        // The serializer appends its own zero-based "Path: … | LineNumber: …" to some messages; where says it once.
        string message = e.Message.Split(" Path: ")[0];
        if (message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
            return $"the value{where} does not fit its field (another JSON type, an unknown name, or a number out of range).";
        if (message.Contains("doesn't allow", StringComparison.Ordinal) && message.Contains("null values", StringComparison.Ordinal))
            return $"the value{where} is null; that field needs one.";
        if (UnknownKey().Match(message) is { Success: true } unknown)
            return $"unknown key '{unknown.Groups[1].Value}'{where}.";
        return $"{OfType().Replace(message, "").TrimEnd('.')}{where}.";
    }

    [GeneratedRegex("^The JSON property '(.*)' could not be mapped to any .NET member")]
    private static partial Regex UnknownKey();

    /// <summary>"… during deserialization of type 'Siren.Core.Simulation.X'": the type says nothing the path does not.</summary>
    [GeneratedRegex(" (?:encountered )?during deserialization of type '[^']*'| (?:on|of|in|contained in) type '[^']*'")]
    private static partial Regex OfType();

    public static HeterogeneitySpec Read(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new SirenException($"spec file '{path}' does not exist. Fix: pass a JSON heterogeneity spec with --spec (see siren simulate --help).");
        string text = IO.InputFile.ReadAllText(path, "a heterogeneity spec", "pass the spec's JSON file with --spec");
        HeterogeneitySpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<HeterogeneitySpec>(text, Json);
        }
        catch (JsonException e)
        {
            throw new SirenException($"spec file '{path}' is not a valid heterogeneity spec: {JsonProblem(e)} Fix: correct the JSON (keys are snake_case).", e);
        }
        if (spec is null) throw new SirenException($"spec file '{path}' is empty. Fix: write a JSON object with groups and classes.");
        spec.Validate(path);
        return spec;
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Largest |angle| of a conformational pose, in degrees: one full turn either way.</summary>
    public const double MaxAngle = 360;

    /// <summary>Scales are log-uniform within these: map values stay far inside float32 range either way.</summary>
    public const double MinScale = 1e-6, MaxScale = 1e6;

    /// <summary>Noise above 10 × T hides any particle: such maps measure nothing.</summary>
    public const double MaxNoise = 10;

    /// <summary>Checks names, ranges and references; errors name <paramref name="source"/> and the field.</summary>
    public void Validate(string source = "spec")
    {
        void Fail(string what) => throw new SirenException($"{source}: {what}");
        if (Maps < 1) Fail($"maps = {Maps}; it must be at least 1. Fix: set \"maps\" or pass --n.");
        if (Grid.Origin is not { Length: 3 }) Fail("grid.origin must be [x, y, z] in Å. Fix: give three numbers.");
        if (Grid.AtGivenOrigin().Problem() is { } gridProblem) Fail(gridProblem);
        double finest = Grid.Apix, coarsest = Grid.Box * Grid.Apix / 4;
        if (!(Resolution.Min >= finest && Resolution.Max >= Resolution.Min && Resolution.Max <= coarsest))
            Fail(FormattableString.Invariant($"resolution {{min {Resolution.Min}, max {Resolution.Max}}} Å is invalid on a {Grid.Box}-voxel grid of {Grid.Apix} Å. ") +
                 FormattableString.Invariant($"Fix: {finest:0.###} ≤ min ≤ max ≤ {coarsest:0.###} Å (finer than a voxel, atoms fall between voxel centres; coarser than a quarter of the box, each atom's Gaussian spans the box)."));
        if (Resolution.Levels is < 1 or > ResolutionRange.MaxLevels)
            Fail($"resolution.levels {Resolution.Levels} is out of range. Fix: render 1 to {ResolutionRange.MaxLevels} resolutions (3 interpolate a narrow range well).");
        if (Groups.Count == 0) Fail("no groups. Fix: list at least one compositional or conformational group.");
        if (Classes.Count == 0) Fail("no classes. Fix: list at least one class with a frequency.");
        // Nullable annotations reach properties, not list elements: [null] gets this far.
        if (Groups.Any(g => g is null || g.Select.Any(s => s is null)) || Classes.Any(c => c is null))
            Fail("a group, selection or class is null. Fix: remove the null entry or write it as an object.");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (GroupSpec g in Groups)
        {
            if (string.IsNullOrWhiteSpace(g.Name) || !names.Add(g.Name)) Fail($"group name '{g.Name}' is empty or repeated. Fix: give each group a unique name.");
            if (g.Select.Count == 0) Fail($"group '{g.Name}' selects nothing. Fix: add a \"select\" entry (model/chain/residues/last).");
            foreach (AtomSelection s in g.Select)
            {
                if (s.Residues is { } r && (r.Length != 2 || r[1] < r[0])) Fail($"group '{g.Name}': residues must be [first, last] with first ≤ last. Fix: give an inclusive residue range, e.g. [1, 80].");
                if (s.Last is { } k && (k < 1 || s.Residues is not null || s.Chain is null))
                    Fail($"group '{g.Name}': \"last\" needs a chain, no residue range, and k ≥ 1. Fix: e.g. {{\"chain\": \"A\", \"last\": 73}}.");
            }
            if (g.Type == GroupType.Conformational)
            {
                if (g.Pivot is not { Length: 3 } || g.Axis is not { Length: 3 } || g.Angles is not { Length: >= 1 })
                    Fail($"conformational group '{g.Name}' needs pivot [x,y,z] (Å), axis [x,y,z] and angles [deg, ...]. Fix: add the three fields.");
                double[] pivot = g.Pivot!, axis = g.Axis!, angles = g.Angles!;
                // Pivot and axis are rendered as float32, so they must be finite as floats, not only as doubles.
                if (!pivot.Concat(axis).All(x => float.IsFinite((float)x)))
                    Fail($"group '{g.Name}': pivot and axis must be finite numbers. Fix: give the pivot in Å and the axis as a direction.");
                if (axis.All(a => a == 0)) Fail($"group '{g.Name}': axis must not be zero. Fix: give the rotation axis as a direction, e.g. [0, 0, 1].");
                if (!angles.All(a => Math.Abs(a) <= MaxAngle))
                    Fail(FormattableString.Invariant($"group '{g.Name}': angles must lie within ±{MaxAngle}°. Fix: give each pose's rotation in degrees."));
            }
        }
        foreach (ClassSpec c in Classes)
        {
            if (!(c.Frequency >= 0) || !double.IsFinite(c.Frequency)) Fail($"class '{c.Name}' has frequency {c.Frequency}. Fix: use a non-negative number.");
            foreach (string p in c.Present)
                if (Groups.FirstOrDefault(g => g.Name == p) is not { Type: GroupType.Compositional })
                    Fail($"class '{c.Name}' lists '{p}' as present, which is not a compositional group. Fix: use a group name from \"groups\".");
            foreach (var (group, pose) in c.Poses ?? new Dictionary<string, int>())
                if (Groups.FirstOrDefault(g => g.Name == group) is not { Type: GroupType.Conformational } g || pose < 0 || pose >= g.Angles!.Length)
                    Fail($"class '{c.Name}' fixes pose {pose} of '{group}', which is not a conformational group with that many angles. Fix: name a conformational group and a pose index from 0.");
        }
        if (Classes.Sum(c => c.Frequency) <= 0) Fail("class frequencies sum to zero. Fix: give at least one class a positive frequency.");
        // truth.json names each map's class: two classes of one name would make that ambiguous.
        if (Classes.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            Fail($"class '{twice.Key}' is named twice. Fix: give every class its own name.");
        ValidateVariation(Fail);
    }

    // Every comparison is written so that NaN fails it.
    private void ValidateVariation(Action<string> fail)
    {
        VariationSpec v = Variation;
        if (v.Scale is not { Length: 2 } || !(v.Scale[0] >= MinScale && v.Scale[1] >= v.Scale[0] && v.Scale[1] <= MaxScale))
            fail(FormattableString.Invariant($"variation.scale must be [min, max] with {MinScale:0e0} ≤ min ≤ max ≤ {MaxScale:0e0}. Fix: e.g. [0.8, 1.25]."));
        if (v.Offset is not { Length: 2 } || !(v.Offset[0] > -1 && v.Offset[1] >= v.Offset[0] && v.Offset[1] < 1))
            fail("variation.offset must be [min, max] with −1 < min ≤ max < 1 (fractions of the threshold). Fix: e.g. [-0.05, 0.05].");
        if (v.PartialOccupancy is not { Length: 2 } || !(v.PartialOccupancy[0] >= 0 && v.PartialOccupancy[1] >= v.PartialOccupancy[0] && v.PartialOccupancy[1] <= 1))
            fail("variation.partial_occupancy must be [min, max] within [0, 1]. Fix: e.g. [0.3, 0.7].");
        if (!(v.Noise >= 0 && v.Noise <= MaxNoise))
            fail(FormattableString.Invariant($"variation.noise {v.Noise} is out of range. Fix: give the noise's standard deviation as a fraction of the threshold, 0 to {MaxNoise}."));
        double maxBlur = VariationSpec.MaxNoiseBlur(Grid.Box);
        if (!(v.NoiseBlur >= 0 && v.NoiseBlur <= maxBlur))
            fail(FormattableString.Invariant($"variation.noise_blur {v.NoiseBlur} voxels is out of range for a {Grid.Box}-voxel box. Fix: 0 to {maxBlur:0.##} voxels (the filter reaches ±3σ and must not wrap onto itself)."));
        if (!(v.PartialFraction >= 0 && v.JunkFraction >= 0 && v.PartialFraction + v.JunkFraction <= 1))
            fail("variation.partial_fraction and junk_fraction must be ≥ 0 and sum to at most 1. Fix: e.g. 0.1 and 0.");
    }
}

/// <summary>The output grid. With <see cref="Center"/> the origin is chosen so the model's centroid sits at the box centre.</summary>
public sealed record GridOptions
{
    public int Box { get; init; } = 64;
    public double Apix { get; init; } = 6.55;
    public double[] Origin { get; init; } = [0, 0, 0];
    public bool Center { get; init; }

    public GridSpec Resolve(AtomModel model)
    {
        GridSpec grid = AtGivenOrigin();
        grid.Validate();
        if (!Center || model.Count == 0) return grid;
        Vector3 centroid = model.Atoms.Aggregate(Vector3.Zero, (acc, a) => acc + a.Position) / model.Count;
        return grid with { Origin = centroid - (grid.Centre - grid.Origin) };
    }

    /// <summary>The grid at <see cref="Origin"/>, before any centring.</summary>
    internal GridSpec AtGivenOrigin() => new(Box, Apix, new Vector3((float)Origin[0], (float)Origin[1], (float)Origin[2]));
}

/// <summary>
/// Per-map resolution, drawn uniformly from [min, max] Å. Densities are rendered at <see cref="Levels"/>
/// evenly spaced resolutions and a map's density is interpolated linearly between the two around its
/// resolution, so resolution varies continuously without rendering every map.
/// </summary>
public sealed record ResolutionRange
{
    public double Min { get; init; } = 10;
    public double Max { get; init; } = 14;
    public int Levels { get; init; } = 3;

    /// <summary>Most resolutions rendered: each level holds every group's density in memory, and a narrow range needs 3.</summary>
    public const int MaxLevels = 16;

    /// <summary>The rendered resolutions (one when min = max).</summary>
    public double[] Nodes() => Levels == 1 || Max == Min
        ? [Reference]
        : Enumerable.Range(0, Levels).Select(i => Min + (Max - Min) * i / (Levels - 1)).ToArray();

    /// <summary>The resolution at which truth regions are computed: the middle of the range.</summary>
    [JsonIgnore]
    public double Reference => 0.5 * (Min + Max);
}

public enum GroupType { Compositional, Conformational }

public sealed record GroupSpec
{
    public string Name { get; init; } = "";
    public GroupType Type { get; init; } = GroupType.Compositional;
    public IReadOnlyList<AtomSelection> Select { get; init; } = [];
    public double[]? Pivot { get; init; }
    public double[]? Axis { get; init; }
    public double[]? Angles { get; init; }
}

/// <summary>Atoms by model name, chain, inclusive residue range, or the chain's last k residues (by residue number).</summary>
public sealed record AtomSelection
{
    public string? Model { get; init; }
    public string? Chain { get; init; }
    public int[]? Residues { get; init; }
    public int? Last { get; init; }
}

public sealed record ClassSpec
{
    public string Name { get; init; } = "";
    public double Frequency { get; init; }

    /// <summary>Compositional groups present in this class; the others are absent.</summary>
    public IReadOnlyList<string> Present { get; init; } = [];

    /// <summary>Fixed pose index per conformational group; groups not listed draw a pose per map.</summary>
    public IReadOnlyDictionary<string, int>? Poses { get; init; }
}

/// <summary>
/// Per-map variation, like the k-means volumes a decoder produces: map = s·(density + noise·T·n + offset·T)
/// with T the complete model's true level at the map's resolution, s drawn log-uniformly from
/// <see cref="Scale"/>, n unit-variance white noise low-pass filtered by a Gaussian of <see cref="NoiseBlur"/> voxels.
/// </summary>
public sealed record VariationSpec
{
    public double[] Scale { get; init; } = [0.8, 1.25];
    public double[] Offset { get; init; } = [-0.05, 0.05];
    public double Noise { get; init; } = 0.1;
    public double NoiseBlur { get; init; } = 1.0;

    /// <summary>
    /// The widest noise filter on a <paramref name="box"/>-voxel grid, in voxels: the periodic filter reaches
    /// ⌈3σ⌉ voxels either way, and its 2⌈3σ⌉ + 1 taps must not exceed the box or they wrap onto each other.
    /// </summary>
    public static double MaxNoiseBlur(int box) => (box - 1) / 2 / 3.0;

    /// <summary>Fraction of maps whose variable compositional groups (those present in the class) get an occupancy drawn from <see cref="PartialOccupancy"/>.</summary>
    public double PartialFraction { get; init; } = 0.1;
    public double[] PartialOccupancy { get; init; } = [0.3, 0.7];

    /// <summary>
    /// Fraction of junk maps, alternately pure noise (its true threshold encloses the molecular volume of the
    /// noise) and the class map at a 5–10× wrong scale, whose threshold is an outlier that --filter drops.
    /// </summary>
    public double JunkFraction { get; init; }
}
