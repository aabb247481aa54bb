using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text;
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
        GridSpec grid = spec.Grid.Resolve(model);
        var plan = Plan.Build(model, spec, grid, log);
        double[] resolutions = spec.Resolution.Values();
        log?.Invoke($"simulate: {model.Count} atoms, {spec.Groups.Count} groups, {spec.Classes.Count} classes, {resolutions.Length} resolution levels, {n} maps on {grid.Box}³ × {grid.Apix} Å/px");

        Densities[] levels = resolutions.Select(r => Densities.Render(plan, grid, r, model.MolecularVolume)).ToArray();
        MapDraw[] draws = DrawMaps(spec, plan, n, resolutions.Length, seed);

        int digits = Math.Max(3, (n - 1).ToString(CultureInfo.InvariantCulture).Length);
        var thresholds = new double[n];
        int done = 0;
        var voxelSize = Vec3.All((float)grid.Apix);
        Parallel.For(0, n, () => (Map: new float[grid.VoxelCount], Noise: new float[grid.VoxelCount], Temp: new float[grid.VoxelCount]), (i, _, buffers) =>
        {
            MapDraw d = draws[i];
            Densities level = levels[d.Level];
            var rng = RandomStream.ForStream(seed, (ulong)i, purpose: 1);
            thresholds[i] = Compose(buffers.Map, buffers.Noise, buffers.Temp, level, plan, spec.Variation, d, ref rng, grid, model.MolecularVolume);
            MrcWriter.Write(Path.Combine(outFull, MapFileName(i, digits)), grid.NewVolume(buffers.Map), label: $"Siren.Native simulate {spec.Name} map {i}");
            progress?.Report(Interlocked.Increment(ref done) / (double)n);
            return buffers;
        }, _ => { });

        int reference = resolutions.Length / 2;
        IReadOnlyList<TruthRegion> regions = Regions(plan, levels[reference], draws, log);
        var truth = new SimulationTruth(spec.Name, seed, grid.Box, grid.Apix, [grid.Origin.X, grid.Origin.Y, grid.Origin.Z], ThresholdRule,
            resolutions[reference], model.MolecularVolume, regions,
            draws.Select((d, i) => new MapTruth(i, MapFileName(i, digits), spec.Classes[d.Class].Name,
                plan.Conformational.ToDictionary(g => g.Spec.Name, g => d.Poses[g.Index]),
                plan.Compositional.ToDictionary(g => g.Spec.Name, g => Math.Round(d.Occupancies[g.Index], 6)),
                resolutions[d.Level], d.Scale, d.Offset, thresholds[i], d.Junk)).ToArray());

        truth.Write(Path.Combine(outFull, SimulationTruth.FileName));
        var csv = new StringBuilder("vol_id,denormalized_predictions\n");
        for (int i = 0; i < n; i++) csv.Append(i.ToString(CultureInfo.InvariantCulture)).Append(',').Append(thresholds[i].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(outFull, ThresholdsFileName), csv.ToString());
        AtomicFile.WriteAllText(Path.Combine(outFull, "spec.json"), (spec with { Maps = n }).ToJson());
        return new SimulationResult(truth, outFull, clock.Elapsed.TotalSeconds);
    }

    public static string MapFileName(int index, int digits) => $"vol_{index.ToString("D" + digits, CultureInfo.InvariantCulture)}.mrc";

    /// <summary>The atoms of each group (first matching group wins) and the rotated copies of conformational groups.</summary>
    private sealed class Plan
    {
        public required Atom[] Invariant { get; init; }
        public required List<CompositionalGroup> Compositional { get; init; }
        public required List<ConformationalGroup> Conformational { get; init; }

        public static Plan Build(AtomModel model, HeterogeneitySpec spec, GridSpec grid, Action<string>? log)
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
                    var axis = Vector3.Normalize(new Vector3((float)gs.Axis![0], (float)gs.Axis[1], (float)gs.Axis[2]));
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
            float[] complete = d.Sum(plan.Compositional.Select(_ => 1.0).ToArray(), plan.Conformational.Select(_ => 0).ToArray());
            d.Level = Molmap.ThresholdForVolume(complete, grid.VoxelVolume, molecularVolume);
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

    private sealed record MapDraw(int Class, int Level, double Scale, double Offset, int[] Poses, double[] Occupancies, string? Junk, double JunkScale);

    /// <summary>
    /// Class counts follow the frequencies exactly (largest remainder), in shuffled order; junk and
    /// partial-occupancy maps are chosen at random; every other draw comes from one seeded stream in map order.
    /// </summary>
    private static MapDraw[] DrawMaps(HeterogeneitySpec spec, Plan plan, int n, int levels, ulong seed)
    {
        var rng = new RandomStream(seed);
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
            int level = rng.NextInt(levels);
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
            draws[i] = new MapDraw(classOf[i], level, scale, offset, poses, occupancies, junkKind, junkScale);
        }
        return draws;
    }

    /// <summary>Fills <paramref name="map"/> with one simulated map and returns its true threshold.</summary>
    private static double Compose(float[] map, float[] noise, float[] temp, Densities level, Plan plan, VariationSpec v, MapDraw d,
        ref RandomStream rng, GridSpec grid, double molecularVolume)
    {
        double t = level.Level;
        bool noiseOnly = d.Junk == "noise";
        if (v.Noise > 0 || noiseOnly) LowPassNoise(noise, temp, grid.Box, v.NoiseBlur, ref rng);
        if (noiseOnly)
        {
            // A junk map with no particle: noise twice the threshold (or the usual noise amplitude if larger).
            float amp = (float)(d.Scale * t * Math.Max(2, v.Noise)), off = (float)(d.Scale * d.Offset * t);
            for (int i = 0; i < map.Length; i++) map[i] = amp * noise[i] + off;
            return Molmap.ThresholdForVolume(map, grid.VoxelVolume, molecularVolume);
        }
        level.SumInto(map, d.Occupancies, d.Poses);
        double s = d.Scale * d.JunkScale;
        float noiseAmp = (float)(v.Noise * t), shift = (float)(d.Offset * t), fs = (float)s;
        if (v.Noise > 0)
            for (int i = 0; i < map.Length; i++) map[i] = fs * (map[i] + noiseAmp * noise[i] + shift);
        else
            for (int i = 0; i < map.Length; i++) map[i] = fs * (map[i] + shift);
        return s * t * (1 + d.Offset);
    }

    /// <summary>
    /// Unit-variance Gaussian noise low-pass filtered by a separable Gaussian of <paramref name="blur"/> voxels
    /// (periodic boundaries, kernel ±3σ), rescaled by the filter's known gain Σw² per axis.
    /// </summary>
    private static void LowPassNoise(float[] noise, float[] temp, int box, double blur, ref RandomStream rng)
    {
        for (int i = 0; i < noise.Length; i++) noise[i] = (float)rng.NextGaussian();
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

    private static void BlurAxis(float[] src, float[] dst, int box, float[] w, int reach, int stride)
    {
        int plane = box * box;
        for (int i = 0; i < src.Length; i++)
        {
            // Coordinate along the blurred axis, and the index of that line's first voxel.
            int along = stride == 1 ? i % box : stride == box ? i / box % box : i / plane;
            int lineStart = i - along * stride;
            float acc = 0;
            for (int k = -reach; k <= reach; k++)
            {
                int j = along + k;
                if (j < 0) j += box; else if (j >= box) j -= box;
                acc += w[k + reach] * src[lineStart + j * stride];
            }
            dst[i] = acc;
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
            float[] part = level.Compositional[g.Index];
            int[] voxels = Enumerable.Range(0, complete.Length).Where(i => complete[i] > t && complete[i] - part[i] <= t).ToArray();
            double present = good.Length == 0 ? 0 : good.Average(d => d.Occupancies[g.Index]);
            AddRegion(regions, new TruthRegion(g.Spec.Name, g.Spec.Name, GroupType.Compositional, null, Math.Round(present, 6), voxels), log);
        }
        foreach (ConformationalGroup g in plan.Conformational)
        {
            int[] used = good.Select(d => d.Poses[g.Index]).Distinct().Order().ToArray();
            if (used.Length < 2) continue;
            var occupied = used.ToDictionary(k => k, k =>
            {
                int[] poses = (int[])zeroPoses.Clone();
                poses[g.Index] = k;
                float[] map = level.Sum(all, poses);
                return map.Select(x => x > t).ToArray();
            });
            foreach (int k in used)
            {
                int[] voxels = Enumerable.Range(0, complete.Length)
                    .Where(i => occupied[k][i] && used.All(j => j == k || !occupied[j][i])).ToArray();
                double present = (double)good.Count(d => d.Poses[g.Index] == k) / good.Length;
                AddRegion(regions, new TruthRegion($"{g.Spec.Name}:pose{k}", g.Spec.Name, GroupType.Conformational, k, Math.Round(present, 6), voxels), log);
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
