using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text;
using Siren.Core.Blocks;
using Siren.Core.IO;
using Siren.Core.Mrc;

namespace Siren.Core.Simulation;

/// <summary>What a simulation wrote: the truth (also in truth.json) and its wall time.</summary>
public sealed record SimulationResult(SimulationTruth Truth, string OutDir, double Seconds);

/// <summary>
/// Simulates an ensemble with known heterogeneity from an atomic model and a <see cref="HeterogeneitySpec"/>.
/// <para>
/// Noiseless densities are rendered once per resolution level for the model's invariant part, each
/// compositional group, and each pose of each conformational group; a map is their occupancy-weighted sum
/// plus low-pass noise, scaled and offset: map = s·(density + noise·T·n + offset·T). T, the complete
/// model's level at that resolution enclosing its molecular volume (Σ mass × 1.21 Å³/Da protein, 0.91
/// nucleic acid), is the same absolute level for every class, so an absent subunit reads as absent rather
/// than moving the threshold; each map's true threshold is s·T·(1 + offset), which binarizes every map
/// exactly as T binarizes its noisy density.
/// </para>
/// <para>
/// Outputs: vol_000.mrc …, thresholds.csv (vol_id, denormalized_predictions = the true thresholds),
/// truth.json (<see cref="SimulationTruth"/>), spec.json (the spec used) and manifest.json.
/// </para>
/// </summary>
public static class EnsembleSimulator
{
    public const string ThresholdsFileName = "thresholds.csv";
    public const string SpecFileName = "spec.json";

    /// <summary>The files that describe a simulation's maps, written after the last map (manifest.json by the command).</summary>
    private static readonly string[] DescriptionFiles = [SimulationTruth.FileName, ThresholdsFileName, SpecFileName, RunManifest.FileName];

    /// <summary>The start of the first MRC label of every map simulate writes: how a rerun knows the maps in its folder are its own.</summary>
    private const string MapLabel = "Siren.Native simulate";

    /// <summary>Byte offset of the first of the MRC header's ten 80-character labels.</summary>
    private const int FirstLabelOffset = 224;
    public const string ThresholdRule =
        "s*T*(1+offset): T is the level of the complete model's noiseless map at the map's resolution enclosing the model's molecular volume " +
        "(sum of masses x 1.21 A^3/Da protein, 0.91 A^3/Da nucleic acid); s and offset are the map's scale and offset.";

    public static SimulationResult Run(AtomModel model, HeterogeneitySpec spec, string outdir, ulong seed, int? maps = null,
        Action<string>? log = null, IProgress<double>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        spec.Validate();
        int n = maps ?? spec.Maps;
        if (n < 1) throw new SirenException($"--n {n}: the ensemble needs at least one map. Fix: pass --n 1 or more.");
        string outFull = AtomicFile.EnsureDirectory(outdir);
        // Every map file counts (emd_1234.map, VOL_000.MRC): one simulate did not write would join its ensemble.
        string[] stale = Directory.GetFiles(outFull).Where(Ensemble.VolumeFolder.IsMapFile).ToArray();
        RequireSimulationFolder(outFull, stale);
        GridSpec grid = spec.Grid.Resolve(model);
        var plan = Plan.Build(model, spec, log);
        plan.RequireInside(grid);
        double[] nodes = spec.Resolution.Nodes();
        RequireMemory(plan, grid, nodes.Contains(spec.Resolution.Reference) ? nodes.Length : nodes.Length + 1, n);
        // Maps left by an earlier, larger run would join the ensemble without a threshold; they free their space.
        ResourceBudget.RequireDisk(outFull, (double)n * ResourceBudget.MapFileBytes(grid.Box) - stale.Sum(f => new FileInfo(f).Length),
            $"simulate: {n} maps of {grid.Box}³", "lower --n or grid.box, or choose an --outdir on a larger disk");
        // The earlier run's description goes before its maps and before any new map: a run killed or failing half-way
        // leaves maps without thresholds or truth, which the commands that need them refuse, never new maps beside
        // the old thresholds (siren run would binarize them at another ensemble's levels).
        foreach (string f in DescriptionFiles.Select(name => Path.Combine(outFull, name)).Concat(stale).Where(File.Exists))
            File.Delete(f);
        log?.Invoke($"simulate: {model.Count} atoms, {spec.Groups.Count} groups, {spec.Classes.Count} classes, resolution {spec.Resolution.Min}–{spec.Resolution.Max} Å ({nodes.Length} rendered), {n} maps on {grid.Box}³ × {grid.Apix} Å/px");

        Densities[] levels = nodes.Select(r => Densities.Render(plan, grid, r, model.MolecularVolume)).ToArray();
        double referenceResolution = spec.Resolution.Reference;
        Densities reference = levels.FirstOrDefault(l => l.Resolution == referenceResolution)
            ?? Densities.Render(plan, grid, referenceResolution, model.MolecularVolume);
        MapDraw[] draws = DrawMaps(spec, plan, n, seed);

        int digits = Math.Max(3, (n - 1).ToString(CultureInfo.InvariantCulture).Length);
        var thresholds = new double[n];
        int done = 0;
        // A map that cannot be written (a full disk) is the caller's one error, not an AggregateException.
        SirenException.Unwrapped(() => Parallel.For(0, n, () => (Map: new float[grid.VoxelCount], Noise: new float[grid.VoxelCount], Temp: new float[grid.VoxelCount]), (i, _, buffers) =>
        {
            var rng = SirenRandom.ForStream(seed, (ulong)i, purpose: 1);
            thresholds[i] = Compose(buffers.Map, buffers.Noise, buffers.Temp, levels, spec.Variation, draws[i], rng, grid, model.MolecularVolume);
            MrcWriter.Write(Path.Combine(outFull, MapFileName(i, digits)), grid.NewVolume(buffers.Map), label: $"{MapLabel} {spec.Name} map {i}");
            progress?.Report(Interlocked.Increment(ref done) / (double)n);
            return buffers;
        }, _ => { }));

        IReadOnlyList<TruthRegion> regions = Regions(plan, reference, draws, log);
        var truth = new SimulationTruth(spec.Name, seed, grid.Box, grid.Apix, [grid.Origin.X, grid.Origin.Y, grid.Origin.Z], ThresholdRule,
            referenceResolution, model.MolecularVolume, regions,
            draws.Select((d, i) => new MapTruth(i, MapFileName(i, digits), spec.Classes[d.Class].Name,
                plan.Conformational.ToDictionary(g => g.Spec.Name, g => d.Poses[g.Index]),
                plan.Compositional.ToDictionary(g => g.Spec.Name, g => Math.Round(d.Occupancies[g.Index], 6)),
                Math.Round(d.Resolution, 4), d.Scale, d.Offset, thresholds[i], d.Junk)).ToArray());

        truth.Write(Path.Combine(outFull, SimulationTruth.FileName));
        var csv = new StringBuilder("vol_id,denormalized_predictions\n");
        for (int i = 0; i < n; i++) csv.Append(i.ToString(CultureInfo.InvariantCulture)).Append(',').Append(thresholds[i].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(outFull, ThresholdsFileName), csv.ToString());
        AtomicFile.WriteAllText(Path.Combine(outFull, SpecFileName), (spec with { Maps = n }).ToJson());
        return new SimulationResult(truth, outFull, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Refuses an output folder holding maps that siren simulate did not write: a simulation replaces every
    /// vol_*.mrc in its folder, and those may be the user's real maps. The folder is an earlier simulation's when
    /// its manifest says so, or when each map carries the label simulate writes (a run killed before its
    /// manifest was written, or after this run removed the earlier one).
    /// </summary>
    private static void RequireSimulationFolder(string outFull, string[] maps)
    {
        string? command = RunManifest.CommandIn(outFull);
        // Another command's outputs here (run's report, predict-thresholds' levels, occupancy's table), each known by
        // its manifest, would sit beside new maps they do not describe.
        if (RunManifest.CommandsIn(outFull).FirstOrDefault(c => c != "simulate") is { } other)
            throw new SirenException($"--outdir '{outFull}' holds the outputs of siren {other}; a simulation there would leave them describing other maps. Fix: choose an empty --outdir or the folder of an earlier simulate.");
        // Every map is checked by its label, manifest or not: a manifest only says which command wrote it last.
        string[] foreign = maps.Where(m => !HasMapLabel(m)).Order(StringComparer.Ordinal).ToArray();
        // Without maps, a thresholds.csv or manifest.json here is simulate's only if its manifest says so.
        if (maps.Length == 0 && command != "simulate")
            foreign = DescriptionFiles.Where(name => File.Exists(Path.Combine(outFull, name))).ToArray();
        if (foreign.Length > 0)
            throw new SirenException($"--outdir '{outFull}' holds files that siren simulate did not write ({Path.GetFileName(foreign[0])}" +
                $"{(foreign.Length > 1 ? $" and {foreign.Length - 1} more" : "")}); a simulation would replace them. " +
                "Fix: choose an empty --outdir or the folder of an earlier simulate.");
    }

    private static bool HasMapLabel(string map)
    {
        byte[] expected = Encoding.ASCII.GetBytes(MapLabel + " ");
        var label = new byte[expected.Length];
        try
        {
            // A pipe named like a map reports length 0 and is none of simulate's; opening it would wait for a writer.
            if (new FileInfo(map).Length < MrcHeader.Size) return false;
            using var stream = new FileStream(map, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Position = FirstLabelOffset;
            return stream.ReadAtLeast(label, label.Length, throwOnEndOfStream: false) == label.Length && label.AsSpan().SequenceEqual(expected);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Refuses a simulation whose maps would not fit in memory: every rendered resolution holds the invariant
    /// part, each compositional group, each pose and the complete map, and every worker three maps of its own.
    /// </summary>
    private static void RequireMemory(Plan plan, GridSpec grid, int renders, int maps)
    {
        int perRender = 2 + plan.Compositional.Count + plan.Conformational.Sum(g => g.Poses.Length);
        int count = renders * perRender + 3 * Math.Min(maps, Environment.ProcessorCount);
        ResourceBudget.RequireMemory((double)count * grid.VoxelCount * sizeof(float),
            $"simulate: {count} maps of {grid.Box}³ in memory ({renders} resolutions × {perRender} densities, 3 per worker)",
            "lower grid.box or resolution.levels, or simulate fewer groups or poses");
    }

    public static string MapFileName(int index, int digits) => $"vol_{index.ToString("D" + digits, CultureInfo.InvariantCulture)}.mrc";

    /// <summary>The atoms of each group (first matching group wins) and the rotated copies of conformational groups.</summary>
    private sealed class Plan
    {
        public required Atom[] Invariant { get; init; }
        public required List<CompositionalGroup> Compositional { get; init; }
        public required List<ConformationalGroup> Conformational { get; init; }

        public static Plan Build(AtomModel model, HeterogeneitySpec spec, Action<string>? log)
        {
            var selectors = spec.Groups.Select(g => Selector.For(g, model)).ToArray();
            var members = spec.Groups.Select(_ => new List<Atom>()).ToArray();
            var invariant = new List<Atom>();
            foreach (Atom a in model.Atoms)
            {
                int g = Array.FindIndex(selectors, s => s.Matches(a));
                (g < 0 ? invariant : members[g]).Add(a);
            }
            var compositional = new List<CompositionalGroup>();
            var conformational = new List<ConformationalGroup>();
            for (int g = 0; g < spec.Groups.Count; g++)
            {
                GroupSpec gs = spec.Groups[g];
                if (members[g].Count == 0)
                    throw new SirenException($"group '{gs.Name}' selects no atom of the model (models: {string.Join(", ", model.Atoms.Select(a => a.Model).Distinct())}). Fix: check its model/chain/residue selection.");
                log?.Invoke($"simulate: group '{gs.Name}' ({gs.Type.ToString().ToLowerInvariant()}): {members[g].Count} atoms, {members[g].Sum(a => (double)a.Mass) / 1000:F1} kDa");
                if (gs.Type == GroupType.Compositional)
                {
                    bool present = spec.Classes.Any(c => c.Frequency > 0 && c.Present.Contains(gs.Name));
                    bool absent = spec.Classes.Any(c => c.Frequency > 0 && !c.Present.Contains(gs.Name));
                    compositional.Add(new CompositionalGroup(gs, compositional.Count, members[g].ToArray(), present && absent));
                }
                else
                {
                    var pivot = new Vector3((float)gs.Pivot![0], (float)gs.Pivot[1], (float)gs.Pivot[2]);
                    // Divided by its largest component first, so that a tiny or huge axis normalizes without under- or overflow.
                    double[] a = gs.Axis!;
                    double largest = a.Max(Math.Abs);
                    var axis = Vector3.Normalize(new Vector3((float)(a[0] / largest), (float)(a[1] / largest), (float)(a[2] / largest)));
                    Atom[][] poses = gs.Angles!.Select(deg =>
                    {
                        var q = Quaternion.CreateFromAxisAngle(axis, (float)(deg * Math.PI / 180));
                        return members[g].Select(a => a with { Position = pivot + Vector3.Transform(a.Position - pivot, q) }).ToArray();
                    }).ToArray();
                    conformational.Add(new ConformationalGroup(gs, conformational.Count, poses));
                }
            }
            return new Plan { Invariant = invariant.ToArray(), Compositional = compositional, Conformational = conformational };
        }

        /// <summary>
        /// Every atom, in every pose, must sit in the grid: T encloses the whole model's molecular volume, so an
        /// atom the maps miss would silently lower every true threshold.
        /// </summary>
        public void RequireInside(GridSpec grid)
        {
            bool Inside(Atom a)
            {
                Vector3 v = grid.ToVoxel(a.Position);
                // Written so that a NaN position counts as outside.
                return v.X >= -0.5f && v.X < grid.Box - 0.5f && v.Y >= -0.5f && v.Y < grid.Box - 0.5f && v.Z >= -0.5f && v.Z < grid.Box - 0.5f;
            }
            // A conformational atom is outside when any of its poses is; the atom is reported in that pose.
            IEnumerable<Atom[]> placements = Invariant.Concat(Compositional.SelectMany(g => g.Atoms)).Select(a => new[] { a })
                .Concat(Conformational.SelectMany(g => Enumerable.Range(0, g.Poses[0].Length).Select(i => g.Poses.Select(p => p[i]).ToArray())));
            int outside = 0, total = 0;
            Atom? first = null;
            foreach (Atom[] poses in placements)
            {
                total++;
                int missed = Array.FindIndex(poses, a => !Inside(a));
                if (missed < 0) continue;
                outside++;
                first ??= poses[missed];
            }
            if (first is { } shown)
                throw new SirenException(FormattableString.Invariant(
                    $"{outside} of {total} atoms (first: {shown.Model} chain {shown.Chain} residue {shown.Residue} at {shown.Position.X:0.#}, {shown.Position.Y:0.#}, {shown.Position.Z:0.#} Å) lie outside the {grid.Box}³ grid of {grid.Apix} Å/px from origin {grid.Origin.X:0.#}, {grid.Origin.Y:0.#}, {grid.Origin.Z:0.#} Å, so the maps would miss density the true threshold counts. ") +
                    "Fix: in the spec, enlarge grid.box or grid.apix, move grid.origin, or set grid.center to true.");
        }
    }

    private sealed record CompositionalGroup(GroupSpec Spec, int Index, Atom[] Atoms, bool Variable);

    private sealed record ConformationalGroup(GroupSpec Spec, int Index, Atom[][] Poses);

    private sealed class Selector
    {
        private readonly (AtomSelection Sel, HashSet<int>? LastResidues)[] _parts;

        private Selector((AtomSelection, HashSet<int>?)[] parts) => _parts = parts;

        public static Selector For(GroupSpec group, AtomModel model) => new(group.Select.Select(s =>
        {
            if (s.Last is not { } k) return (s, (HashSet<int>?)null);
            // C-terminal deletion: the chain's last k residue numbers (by number, not file order).
            int[] residues = model.Atoms.Where(a => (s.Model is null || a.Model == s.Model) && a.Chain == s.Chain)
                .Select(a => a.Residue).Distinct().Order().ToArray();
            if (k > residues.Length)
                throw new SirenException($"group '{group.Name}' asks for the last {k} residues of chain {s.Chain}{(s.Model is null ? "" : " in " + s.Model)}, which has {residues.Length}. Fix: lower \"last\" / --deletion.");
            return (s, residues[^k..].ToHashSet());
        }).ToArray());

        public bool Matches(Atom a)
        {
            foreach (var (s, last) in _parts)
            {
                if (s.Model is not null && a.Model != s.Model) continue;
                if (s.Chain is not null && a.Chain != s.Chain) continue;
                if (s.Residues is { } r && (a.Residue < r[0] || a.Residue > r[1])) continue;
                if (last is not null && !last.Contains(a.Residue)) continue;
                return true;
            }
            return false;
        }
    }

    /// <summary>Noiseless densities at one resolution, and the complete model's true level T there.</summary>
    private sealed class Densities
    {
        public required double Resolution { get; init; }
        public required float[] Invariant { get; init; }
        public required float[][] Compositional { get; init; }
        public required float[][][] Poses { get; init; }
        public double Level { get; private set; }

        /// <summary>The complete model's noiseless map (all compositional groups, conformational groups in pose 0).</summary>
        public float[] Complete { get; private set; } = [];

        public static Densities Render(Plan plan, GridSpec grid, double resolution, double molecularVolume)
        {
            float[] Map(Atom[] atoms) => Molmap.Render(atoms, grid, resolution).Data;
            var d = new Densities
            {
                Resolution = resolution,
                Invariant = Map(plan.Invariant),
                Compositional = plan.Compositional.Select(g => Map(g.Atoms)).ToArray(),
                Poses = plan.Conformational.Select(g => g.Poses.Select(Map).ToArray()).ToArray(),
            };
            d.Complete = d.Sum(plan.Compositional.Select(_ => 1.0).ToArray(), plan.Conformational.Select(_ => 0).ToArray());
            d.Level = Molmap.ThresholdForVolume(d.Complete, grid.VoxelVolume, molecularVolume);
            return d;
        }

        public float[] Sum(double[] occupancies, int[] poses)
        {
            var map = new float[Invariant.Length];
            SumInto(map, occupancies, poses);
            return map;
        }

        public void SumInto(float[] map, double[] occupancies, int[] poses)
        {
            Invariant.CopyTo(map, 0);
            for (int g = 0; g < Compositional.Length; g++)
                if (occupancies[g] > 0) AddScaled(map, Compositional[g], (float)occupancies[g]);
            for (int g = 0; g < Poses.Length; g++)
                AddScaled(map, Poses[g][poses[g]], 1f);
        }
    }

    private static void AddScaled(float[] target, float[] source, float weight)
    {
        var t = target.AsSpan();
        ReadOnlySpan<float> s = source;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var w = new Vector<float>(weight);
            for (; i <= t.Length - Vector<float>.Count; i += Vector<float>.Count)
                (new Vector<float>(t[i..]) + w * new Vector<float>(s[i..])).CopyTo(t[i..]);
        }
        for (; i < t.Length; i++) t[i] += weight * s[i];
    }

    private sealed record MapDraw(int Class, double Resolution, double Scale, double Offset, int[] Poses, double[] Occupancies, string? Junk, double JunkScale);

    /// <summary>
    /// Class counts follow the frequencies exactly (largest remainder), in shuffled order; junk and
    /// partial-occupancy maps are chosen at random; every other draw comes from one seeded stream in map order.
    /// </summary>
    private static MapDraw[] DrawMaps(HeterogeneitySpec spec, Plan plan, int n, ulong seed)
    {
        var rng = new SirenRandom(seed);
        double total = spec.Classes.Sum(c => c.Frequency);
        double[] exact = spec.Classes.Select(c => c.Frequency / total * n).ToArray();
        int[] counts = exact.Select(e => (int)Math.Floor(e)).ToArray();
        foreach (int c in Enumerable.Range(0, counts.Length).OrderByDescending(c => exact[c] - counts[c]).ThenBy(c => c).Take(n - counts.Sum()))
            counts[c]++;
        int[] classOf = counts.SelectMany((count, c) => Enumerable.Repeat(c, count)).ToArray();
        rng.Shuffle(classOf);

        int[] order = Enumerable.Range(0, n).ToArray();
        rng.Shuffle(order);
        VariationSpec v = spec.Variation;
        int junkCount = (int)Math.Round(v.JunkFraction * n), partialCount = (int)Math.Round(v.PartialFraction * n);
        var junk = order.Take(junkCount).ToHashSet();
        var partial = order.Skip(junkCount).Take(partialCount).ToHashSet();
        int junkSeen = 0;

        var draws = new MapDraw[n];
        for (int i = 0; i < n; i++)
        {
            ClassSpec cls = spec.Classes[classOf[i]];
            double resolution = rng.Uniform(spec.Resolution.Min, spec.Resolution.Max);
            double scale = Math.Exp(rng.Uniform(Math.Log(v.Scale[0]), Math.Log(v.Scale[1])));
            double offset = rng.Uniform(v.Offset[0], v.Offset[1]);
            int[] poses = plan.Conformational.Select(g =>
                cls.Poses is not null && cls.Poses.TryGetValue(g.Spec.Name, out int fixedPose) ? fixedPose : rng.NextInt(g.Poses.Length)).ToArray();
            double[] occupancies = plan.Compositional.Select(g =>
            {
                if (!cls.Present.Contains(g.Spec.Name)) return 0.0;
                return g.Variable && partial.Contains(i) ? rng.Uniform(v.PartialOccupancy[0], v.PartialOccupancy[1]) : 1.0;
            }).ToArray();
            string? junkKind = junk.Contains(i) ? (junkSeen++ % 2 == 0 ? "noise" : "scale") : null;
            double junkScale = junkKind == "scale" ? rng.Uniform(5, 10) : 1;
            draws[i] = new MapDraw(classOf[i], resolution, scale, offset, poses, occupancies, junkKind, junkScale);
        }
        return draws;
    }

    /// <summary>
    /// Fills <paramref name="map"/> with one simulated map and returns its true threshold. The noiseless
    /// density at the map's resolution is interpolated linearly between the two rendered resolutions around
    /// it, and T is the level of the same interpolation of the complete map that encloses the molecular volume.
    /// </summary>
    private static double Compose(float[] map, float[] noise, float[] temp, Densities[] levels, VariationSpec v, MapDraw d,
        SirenRandom rng, GridSpec grid, double molecularVolume)
    {
        int l = 0;
        while (l < levels.Length - 2 && d.Resolution > levels[l + 1].Resolution) l++;
        double w = levels.Length == 1 ? 0 : Math.Clamp((d.Resolution - levels[l].Resolution) / (levels[l + 1].Resolution - levels[l].Resolution), 0, 1);
        double t;
        if (w == 0)
        {
            levels[l].SumInto(map, d.Occupancies, d.Poses);
            t = levels[l].Level;
        }
        else
        {
            levels[l].SumInto(map, d.Occupancies, d.Poses);
            levels[l + 1].SumInto(temp, d.Occupancies, d.Poses);
            Lerp(map, temp, (float)w);
            levels[l].Complete.CopyTo(temp, 0);
            Lerp(temp, levels[l + 1].Complete, (float)w);
            t = Molmap.ThresholdForVolume(temp, grid.VoxelVolume, molecularVolume);
        }
        bool noiseOnly = d.Junk == "noise";
        if (v.Noise > 0 || noiseOnly) LowPassNoise(noise, temp, grid.Box, v.NoiseBlur, rng);
        if (noiseOnly)
        {
            // A junk map with no particle: noise twice the threshold (or the usual noise amplitude if larger).
            float amp = (float)(d.Scale * t * Math.Max(2, v.Noise)), off = (float)(d.Scale * d.Offset * t);
            for (int i = 0; i < map.Length; i++) map[i] = amp * noise[i] + off;
            return Molmap.ThresholdForVolume(map, grid.VoxelVolume, molecularVolume);
        }
        double s = d.Scale * d.JunkScale;
        float noiseAmp = (float)(v.Noise * t), shift = (float)(d.Offset * t), fs = (float)s;
        if (v.Noise > 0)
            for (int i = 0; i < map.Length; i++) map[i] = fs * (map[i] + noiseAmp * noise[i] + shift);
        else
            for (int i = 0; i < map.Length; i++) map[i] = fs * (map[i] + shift);
        return s * t * (1 + d.Offset);
    }

    /// <summary>a ← (1 − w)·a + w·b.</summary>
    private static void Lerp(float[] a, float[] b, float w)
    {
        for (int i = 0; i < a.Length; i++) a[i] += w * (b[i] - a[i]);
    }

    /// <summary>
    /// Unit-variance Gaussian noise low-pass filtered by a separable Gaussian of <paramref name="blur"/> voxels
    /// (periodic boundaries, kernel ±3σ), rescaled by the filter's known gain Σw² per axis.
    /// </summary>
    private static void LowPassNoise(float[] noise, float[] temp, int box, double blur, SirenRandom rng)
    {
        rng.FillGaussian(noise);
        if (blur <= 0) return;
        int reach = Math.Max(1, (int)Math.Ceiling(3 * blur));
        var w = new float[2 * reach + 1];
        for (int k = -reach; k <= reach; k++) w[k + reach] = (float)Math.Exp(-k * k / (2 * blur * blur));
        float sum = w.Sum();
        for (int k = 0; k < w.Length; k++) w[k] /= sum;
        double gain = Math.Pow(w.Sum(x => (double)x * x), 1.5);
        BlurAxis(noise, temp, box, w, reach, stride: 1);
        BlurAxis(temp, noise, box, w, reach, stride: box);
        BlurAxis(noise, temp, box, w, reach, stride: box * box);
        float norm = (float)(1 / Math.Sqrt(gain));
        for (int i = 0; i < noise.Length; i++) noise[i] = temp[i] * norm;
    }

    /// <summary>
    /// Convolves every line along one axis (x: stride 1, y: stride box, z: stride box²) with <paramref name="w"/>,
    /// wrapping at the box faces. The line is copied into a padded buffer first so the inner loop has no wrap test.
    /// </summary>
    private static void BlurAxis(float[] src, float[] dst, int box, float[] w, int reach, int stride)
    {
        int plane = box * box;
        Span<float> line = stackalloc float[box + 2 * reach];
        for (int a = 0; a < box; a++)
        {
            for (int b = 0; b < box; b++)
            {
                // The two coordinates that are not blurred fix the line's first voxel.
                int start = stride == 1 ? a * plane + b * box : stride == box ? a * plane + b : a * box + b;
                for (int j = 0; j < box; j++) line[j + reach] = src[start + j * stride];
                for (int j = 0; j < reach; j++)
                {
                    line[j] = line[box + j];
                    line[box + reach + j] = line[reach + j];
                }
                for (int j = 0; j < box; j++)
                {
                    float acc = 0;
                    for (int k = 0; k < w.Length; k++) acc += w[k] * line[j + k];
                    dst[start + j * stride] = acc;
                }
            }
        }
    }

    /// <summary>
    /// Variable regions on the noiseless maps at the reference resolution, at its level T: a compositional
    /// group's region is what the complete map occupies and the map without that group does not; a
    /// conformational group's region for pose k is what the complete map with the group in pose k occupies
    /// and no other used pose does. Groups that do not vary in the drawn ensemble have no region.
    /// </summary>
    private static IReadOnlyList<TruthRegion> Regions(Plan plan, Densities level, MapDraw[] draws, Action<string>? log)
    {
        var regions = new List<TruthRegion>();
        float t = (float)level.Level;
        MapDraw[] good = draws.Where(d => d.Junk is null).ToArray();
        double[] all = plan.Compositional.Select(_ => 1.0).ToArray();
        int[] zeroPoses = plan.Conformational.Select(_ => 0).ToArray();
        float[] complete = level.Sum(all, zeroPoses);
        foreach (CompositionalGroup g in plan.Compositional.Where(g => g.Variable))
        {
            // The plan lets it vary, but the draws may not have (a rare class, a handful of maps): a region that is
            // the same in every map is no variable region, and scoring would count it as one to find.
            if (good.Length > 0 && good.Select(d => d.Occupancies[g.Index]).Distinct().Count() < 2)
            {
                log?.Invoke($"simulate: warning: group '{g.Spec.Name}' has occupancy {good[0].Occupancies[g.Index]:G3} in every one of the {good.Length} maps drawn, so it does not vary; it is not listed in truth.json.");
                continue;
            }
            float[] part = level.Compositional[g.Index];
            int[] voxels = Enumerable.Range(0, complete.Length).Where(i => complete[i] > t && complete[i] - part[i] <= t).ToArray();
            double present = good.Length == 0 ? 0 : good.Average(d => d.Occupancies[g.Index]);
            AddRegion(regions, new TruthRegion(g.Spec.Name, g.Spec.Name, GroupType.Compositional, null, true, Math.Round(present, 6), voxels), log);
        }
        foreach (ConformationalGroup g in plan.Conformational)
        {
            int[] used = good.Select(d => d.Poses[g.Index]).Distinct().Order().ToArray();
            if (used.Length < 2) continue;
            bool[][] occupied = used.Select(k =>
            {
                int[] poses = (int[])zeroPoses.Clone();
                poses[g.Index] = k;
                return level.Sum(all, poses).Select(x => x > t).ToArray();
            }).ToArray();
            // Voxels that vary with the pose, grouped by the set of used poses that occupy them: one region per
            // pattern (a single pose, or e.g. the overlap of two of three poses, which co-occurs like a block too).
            var patterns = new SortedDictionary<int, List<int>>();
            for (int i = 0; i < complete.Length; i++)
            {
                int mask = 0;
                for (int k = 0; k < used.Length; k++) if (occupied[k][i]) mask |= 1 << k;
                if (mask != 0 && mask != (1 << used.Length) - 1)
                {
                    if (!patterns.TryGetValue(mask, out List<int>? list)) patterns[mask] = list = [];
                    list.Add(i);
                }
            }
            foreach (var (mask, voxels) in patterns.OrderBy(p => BitOperations.PopCount((uint)p.Key)).ThenBy(p => p.Key))
            {
                int[] poses = Enumerable.Range(0, used.Length).Where(k => (mask >> k & 1) != 0).Select(k => used[k]).ToArray();
                double present = (double)good.Count(d => poses.Contains(d.Poses[g.Index])) / Math.Max(1, good.Length);
                string name = $"{g.Spec.Name}:pose{string.Join("+", poses)}";
                AddRegion(regions, new TruthRegion(name, g.Spec.Name, GroupType.Conformational, poses, poses.Length == 1, Math.Round(present, 6), voxels.ToArray()), log);
            }
        }
        return regions;
    }

    private static void AddRegion(List<TruthRegion> regions, TruthRegion region, Action<string>? log)
    {
        if (region.Voxels.Length == 0)
        {
            log?.Invoke($"simulate: warning: region '{region.Name}' changes no voxel at the true threshold; it is not listed in truth.json.");
            return;
        }
        regions.Add(region);
    }
}
