using System.Globalization;
using System.Numerics;
using System.Text;
using Siren.Core.IO;
using Siren.Core.Mrc;
using Siren.Core.Simulation;

namespace Siren.Core.Thresholding;

/// <summary>
/// Simulated maps with known contour levels for training and evaluating the threshold model, made with
/// the simulation library: atoms (real or pseudo-atoms) rendered by <see cref="Molmap"/>, drawn from
/// <see cref="SirenRandom"/>, labelled by <see cref="Molmap.ThresholdForVolume(ReadOnlySpan{float}, double, double)"/>.
/// </summary>
/// <remarks>
/// Shapes: the 50S chains in ../shared, the simulation library's built-in pseudo-complex
/// (<see cref="Simulation.PseudoComplex"/>) and synthetic shapes filled uniformly with pseudo-atoms.
/// A synthetic shape is one region (a union of parts is filled once, so overlapping parts do not double
/// the density there: a real molecule has one density).
/// Maps are rendered directly at box 64 on the coarse grid a Fourier crop to 64 would produce: the voxel
/// (B·apix/64 for a B-box map) follows from the particle's size, which fills 40–80 % of the box, so no B is
/// drawn; the molmap σ has a floor of 0.25–0.6 voxel (drawn per map), which
/// stands in for the crop's band limit and covers siren simulate's point-sampled maps. With a crop range
/// (make-training-set --crop-from 64-320) each map is instead rendered at a box B drawn from that range,
/// on the grid B·voxel/64 = voxel·64/B finer, and Fourier-cropped to 64 as preprocess crops a user's map:
/// the same shapes, poses, resolutions, noise and labels (B comes from a stream of its own), so the two
/// kinds of set compare map by map.
///
/// Label rule: the level whose isosurface encloses the molecular volume, Σ mass × specific volume with
/// 1.21 Å³/Da for protein (partial specific volume 0.73 cm³/g) and 0.91 Å³/Da for nucleic acid (0.55 cm³/g),
/// over the atoms as the model lists them (no hydrogens added: the simulation library's rule,
/// <see cref="AtomModel.MolecularVolume"/>). Synthetic shapes are filled uniformly with pseudo-atoms of
/// 14 Da and 7 electrons (one per 16.9 Å³, protein's heavy-atom density); the membrane-like belt is
/// density that is not molecule and does not count.
/// </remarks>
public static class TrainingSet
{
    public const int Box = Preprocess.ModelBox;
    public static readonly string[] TrainingFamilies = ["ribosome_subset", "builtin_complex", "pseudo_complex", "elongated", "ring", "membrane", "plate", "blob_cluster", "worm", "barrel"];
    public static readonly string[] HeldOutFamilies = ["dumbbell", "shell", "filament"];

    // Synthetic shapes are filled with pseudo-atoms at the number density of protein heavy atoms, so their
    // interior is as smooth as a real molecule's at the same resolution (a fill of residue-sized points,
    // one per 133 Å³, would speckle at high resolution and make the labelled level ill-defined).
    private const float PseudoAtomMass = 14f;
    private const int PseudoAtomElectrons = 7;
    // The molmap σ floor in voxels, drawn per map: 0.6 stands in for a Fourier crop's band limit; lower
    // floors leave point-sampled Gaussians narrower than a voxel, as siren simulate renders 10 Å maps on a
    // 6.55 Å grid (σ = 0.34 voxel), so both kinds of map are in the training set.
    private const double MinSigmaVoxelsLow = 0.25, MinSigmaVoxelsHigh = 0.6;

    /// <summary>One generated map and what made it (<paramref name="RenderBox"/>: the box it was rendered at before its crop to 64).</summary>
    public sealed record Sample(int Id, string Family, float[] Map, double VoxelSize, double Resolution, double MolecularVolume, double Label, int RenderBox = Box);

    /// <summary>The stream purpose of a map's render box, apart from its other draws (<see cref="SirenRandom.ForStream"/>).</summary>
    private const ulong RenderBoxPurpose = 0xC409;

    /// <summary>
    /// The boxes a map may be rendered at before its crop to 64 (--crop-from LO-HI): the even boxes in the range
    /// made of factors 2, 3, 5 and 7, which the crop's own FFT transforms (64, 70, 72, 80, 84, 90, 96, 98, 100, …).
    /// </summary>
    public static int[] CropBoxes(int low, int high)
    {
        if (low < Box || high < low || high > MaxCropBox)
            throw new SirenException($"--crop-from {low}-{high}: boxes are cropped down to {Box}, so the range must lie within {Box}–{MaxCropBox} with its low end first. Fix: pass --crop-from 64-320.");
        var boxes = Enumerable.Range(low, high - low + 1).Where(b => b % 2 == 0 && MixedRadixFft.Handles(b)).ToArray();
        if (boxes.Length == 0)
            throw new SirenException($"--crop-from {low}-{high} holds no even box made of factors 2, 3, 5 and 7. Fix: widen the range (64-320).");
        return boxes;
    }

    public static void RequireCropShare(double cropShare)
    {
        if (!(cropShare >= 0 && cropShare <= 1))
            throw new SirenException($"--crop-share {cropShare}: a share of maps lies between 0 and 1. Fix: omit it (every map cropped) or pass e.g. 0.5.");
    }

    /// <summary>
    /// The largest render box: the range of user maps the model is evaluated on; a 320³ map and its crop's
    /// first stage take 0.25 GB per map in flight (one per core).
    /// </summary>
    public const int MaxCropBox = 320;

    /// <summary>A shape to render: the molecule's atoms and extra density that is not molecule (a detergent belt).</summary>
    private sealed record Shape(Atom[] Molecule, Atom[] Extra);

    /// <summary>The set's files in OUT: its labels, its packed maps, or (raw maps) the folder of its maps.</summary>
    public const string LabelsFile = "labels.csv", PackedFile = "normalized_f16.bin", MapsFolder = "maps";

    /// <summary>
    /// Writes a set: with <paramref name="rawMaps"/> every map as OUT/maps/vol_NNNNN.mrc (for prediction and
    /// baselines), otherwise the normalized maps packed as float16 in OUT/normalized_f16.bin (for training);
    /// always OUT/labels.csv with vol_id, contour_level, normalized_label, vol_min, vol_max, family,
    /// resolution, apix, molecular_volume. Map i draws from its own stream of <paramref name="seed"/>, so the
    /// set does not depend on thread scheduling.
    /// </summary>
    /// <param name="cropBoxes">Boxes to render at and crop to 64 (<see cref="CropBoxes"/>), one drawn per cropped map; null renders every map at 64.</param>
    /// <param name="cropShare">The share of maps cropped (drawn per map); the others are rendered at 64.</param>
    public static void Write(string outdir, int count, ulong seed, IReadOnlyList<string> families, string? ribosomeDir,
        bool rawMaps, IProgress<double>? progress = null, int[]? cropBoxes = null, double cropShare = 1)
    {
        RequireCropShare(cropShare);
        Validate(outdir, count, families, ribosomeDir, rawMaps);
        var chains = families.Contains("ribosome_subset") ? LoadRibosomeChains(ribosomeDir) : [];
        var rows = new string[count];
        string mapsDir = Path.Combine(outdir, MapsFolder);
        // One array per map: a set of more than 8,191 maps has more elements than one .NET array can hold.
        var packed = rawMaps ? null : new Half[count][];
        int done = 0;
        // One map in flight per core: a map's render and crop wait on their own parallel loops, and the thread pool
        // answers waiting work items with more threads, each holding a map (19 GB at 6,000 maps cropped from 64–320).
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var rng = SirenRandom.ForStream(seed, (ulong)i);
            string family = families[rng.NextInt(families.Count)];
            int renderBox = Box;
            if (cropBoxes is not null)
            {
                var boxRng = SirenRandom.ForStream(seed, (ulong)i, RenderBoxPurpose);
                if (boxRng.NextDouble() < cropShare) renderBox = cropBoxes[boxRng.NextInt(cropBoxes.Length)];
            }
            var sample = Generate(i, family, rng, chains, renderBox);
            var volume = new MrcVolume(Box, Box, Box, sample.Map, Vec3.All((float)sample.VoxelSize), default);
            var prepared = Preprocess.Prepare(volume, i, family, out _);
            if (rawMaps)
                MrcWriter.Write(Path.Combine(mapsDir, $"vol_{i:D5}.mrc"), volume);
            else
            {
                var half = new Half[prepared.Normalized.Length];
                for (int v = 0; v < half.Length; v++) half[v] = (Half)prepared.Normalized[v];
                packed![i] = half;
            }
            rows[i] = string.Create(CultureInfo.InvariantCulture,
                $"{i},{sample.Label:R},{prepared.Stats.Normalize(sample.Label):R},{prepared.Stats.Min:R},{prepared.Stats.Max:R},{family},{sample.Resolution:0.##},{sample.VoxelSize:0.###},{sample.MolecularVolume:0}")
                + (cropBoxes is null ? "" : $",{sample.RenderBox}");
            progress?.Report((double)Interlocked.Increment(ref done) / count);
        });
        if (packed is not null)
            AtomicFile.Write(Path.Combine(outdir, PackedFile), s =>
            {
                foreach (var map in packed)
                    s.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(map.AsSpan()));
            });
        AtomicFile.WriteAllText(Path.Combine(outdir, LabelsFile),
            "vol_id,contour_level,normalized_label,vol_min,vol_max,family,resolution,apix,molecular_volume" + (cropBoxes is null ? "" : ",render_box") + "\n" + string.Join("\n", rows) + "\n");
    }

    /// <summary>Generates one map of a family with a random pose, scale, resolution, noise, mask and offset.</summary>
    /// <param name="renderBox">The box to render at before the Fourier crop to 64; 64 renders at 64 directly.</param>
    public static Sample Generate(int id, string family, SirenRandom rng, IReadOnlyList<Atom[]> ribosomeChains, int renderBox = Box)
    {
        // The crop only shrinks, and an odd box's crop samples half a voxel in, off the direct render's grid.
        if (renderBox < Box || renderBox % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(renderBox), renderBox, $"the render box must be even and at least {Box}");
        var shape = family switch
        {
            "ribosome_subset" => new Shape(RibosomeSubset(rng, ribosomeChains), []),
            "builtin_complex" => new Shape(BuiltinComplexSubset(rng), []),
            "pseudo_complex" => new Shape(PseudoComplex(rng), []),
            "elongated" => new Shape(Fill(rng, Ellipsoid(U(rng, 14, 24), U(rng, 14, 24), U(rng, 50, 110))), []),
            "ring" => new Shape(Fill(rng, Torus(U(rng, 35, 70), U(rng, 9, 20))), []),
            "membrane" => Membrane(rng),
            "plate" => new Shape(Fill(rng, Ellipsoid(U(rng, 35, 70), U(rng, 30, 60), U(rng, 8, 14))), []),
            "blob_cluster" => new Shape(BlobCluster(rng), []),
            "worm" => new Shape(Worm(rng), []),
            "barrel" => new Shape(Fill(rng, Barrel(U(rng, 30, 70), U(rng, 10, 25), U(rng, 25, 80))), []),
            "dumbbell" => new Shape(Dumbbell(rng), []),
            "shell" => new Shape(Fill(rng, Shell(U(rng, 40, 75), U(rng, 8, 16))), []),
            "filament" => new Shape(Filament(rng), []),
            _ => throw new SirenException($"unknown shape family '{family}'. Fix: use one of {string.Join(", ", TrainingFamilies.Concat(HeldOutFamilies))}."),
        };
        var rotation = RandomRotation(rng);
        var molecule = new AtomModel(shape.Molecule);
        var all = shape.Molecule.Concat(shape.Extra).ToArray();

        // Particle extent sets the voxel: the particle fills 40–80 % of the box-64 grid.
        var centre = Vector3.Zero;
        foreach (var a in all) centre += a.Position;
        centre /= all.Length;
        float radius = 0;
        foreach (var a in all) radius = MathF.Max(radius, Vector3.Distance(a.Position, centre));
        double fill = rng.Uniform(0.4, 0.8);
        double voxel = 2 * radius / fill / Box;
        double resolution = rng.Uniform(3, 15);
        double sigmaFloor = rng.Uniform(MinSigmaVoxelsLow, MinSigmaVoxelsHigh);
        // Rendered at a larger box, the σ floor only keeps atoms from falling between the fine grid's points;
        // the crop sets the band limit.
        double renderVoxel = voxel * Box / renderBox;
        double renderResolution = Math.Max(resolution, sigmaFloor * renderVoxel / Molmap.SigmaPerResolution);
        var shift = new Vector3(U(rng, -3, 3), U(rng, -3, 3), U(rng, -3, 3)) * (float)voxel;
        var posed = all.Select(a => a with { Position = Vector3.Transform(a.Position - centre, rotation) + shift }).ToArray();
        // The crop's voxel j lies where the fine grid's voxel j·B/64 does (an even B), so both grids start at
        // the same point and the particle sits where a direct render puts it.
        var grid = new GridSpec(renderBox, renderVoxel, -new Vector3((Box - 1) / 2f) * (float)voxel);
        var rendered = new float[renderBox * renderBox * renderBox];
        Molmap.Accumulate(rendered, posed, grid, renderResolution);
        var map = renderBox == Box ? rendered : FourierCrop.Downsample(rendered, renderBox, Box);

        double peak = map.Max();
        if (rng.NextDouble() < 0.8)
        {
            // Correlated noise, as left in reconstructions: white noise blurred by 0.5–1.5 voxel.
            var noise = new float[map.Length];
            rng.FillGaussian(noise);
            GaussianBlur(noise, rng.Uniform(0.5, 1.5));
            double sd = Math.Sqrt(noise.Average(x => (double)x * x));
            double level = rng.Uniform(0.005, 0.12) * peak / sd;
            for (int i = 0; i < map.Length; i++) map[i] += (float)(level * noise[i]);
        }
        if (rng.NextDouble() < 0.5) ApplySoftMask(map, peak, rng);
        double scale = Math.Pow(10, rng.Uniform(-2, 2)) / peak;
        double offset = rng.Uniform(-0.03, 0.03);
        for (int i = 0; i < map.Length; i++) map[i] = (float)((map[i] / peak + offset) * peak * scale);

        double molecularVolume = molecule.MolecularVolume;
        double label = Molmap.ThresholdForVolume(map, voxel * voxel * voxel, molecularVolume);
        return new Sample(id, family, map, voxel, resolution, molecularVolume, label, renderBox);
    }

    /// <summary>
    /// Everything <see cref="Write"/> checks before it makes a map: the count, the families, the 50S model
    /// they may need, and room for the set. make-training-set calls it before it removes an earlier set.
    /// </summary>
    public static void Validate(string outdir, int count, IReadOnlyList<string> families, string? ribosomeDir, bool rawMaps)
    {
        if (count < 1) throw new SirenException($"--count {count}: a training set needs at least one map. Fix: pass --count 1 or more (training/train.sh uses 6000).");
        ValidateFamilies(families);
        if (families.Contains("ribosome_subset")) RequireRibosomeFolder(ribosomeDir);
        AtomicFile.EnsureDirectory(outdir, "--out");
        // Packed maps stay in memory until the file is written; raw maps go to disk one by one.
        if (rawMaps)
            ResourceBudget.RequireDisk(outdir, (double)count * ResourceBudget.MapFileBytes(Box), $"make-training-set: {count} maps of {Box}³",
                "lower --count or write to a larger disk");
        else
            ResourceBudget.RequireMemory((double)count * Box * Box * Box * 2, $"make-training-set: {count} packed float16 maps of {Box}³",
                "lower --count, or write --raw-maps");
    }

    /// <summary>
    /// Refuses an empty or unknown family before any map is drawn: a family is drawn at random per map, so a
    /// misspelt one would otherwise fail only in the maps that happen to draw it.
    /// </summary>
    private static void ValidateFamilies(IReadOnlyList<string> families)
    {
        string[] known = TrainingFamilies.Concat(HeldOutFamilies).ToArray();
        if (families.Count == 0)
            throw new SirenException($"--families names no shape family. Fix: pass a comma-separated list of {string.Join(", ", known)}.");
        if (families.FirstOrDefault(f => !known.Contains(f)) is { } unknown)
            throw new SirenException($"unknown shape family '{unknown}' in --families. Fix: use one of {string.Join(", ", known)}.");
    }

    /// <summary>Chains of the 50S model in ../shared, one unit per (file, chain).</summary>
    public static IReadOnlyList<Atom[]> LoadRibosomeChains(string? dir)
    {
        RequireRibosomeFolder(dir);
        return AtomModel.ReadPath(dir!, "--ribosome").Atoms.GroupBy(a => (a.Model, a.Chain))
            .OrderBy(g => g.Key.Model, StringComparer.Ordinal).ThenBy(g => g.Key.Chain, StringComparer.Ordinal)
            .Select(g => g.ToArray()).ToArray();
    }

    private static void RequireRibosomeFolder(string? dir)
    {
        if (dir is null)
            throw new SirenException("--families includes ribosome_subset, which needs the 50S model. Fix: pass --ribosome with the folder of prots1.pdb, RNA1.pdb, … (shared/data/ecoli50s_model), or drop ribosome_subset.");
        if (!Directory.Exists(dir))
            throw new SirenException($"--ribosome '{dir}' is not a folder. Fix: pass --ribosome with the folder of prots1.pdb, RNA1.pdb, … (shared/data/ecoli50s_model).");
    }

    private static Atom[] RibosomeSubset(SirenRandom rng, IReadOnlyList<Atom[]> chains)
    {
        if (chains.Count == 0) throw new SirenException("the ribosome_subset family needs the 50S chains. Fix: pass --ribosome.");
        double keep = rng.Uniform(0.25, 1.0);
        var atoms = new List<Atom>();
        foreach (var chain in chains)
            if (rng.NextDouble() < keep) atoms.AddRange(chain);
        if (atoms.Count == 0) atoms.AddRange(chains[rng.NextInt(chains.Count)]);
        return atoms.ToArray();
    }

    /// <summary>A random subset (at least the core) of the simulation library's built-in pseudo-complex, a fresh build per map.</summary>
    private static Atom[] BuiltinComplexSubset(SirenRandom rng)
    {
        var complex = Simulation.PseudoComplex.Build(rng.NextUInt64());
        var keep = complex.Subunits.Where(u => u.Role == Simulation.PseudoSubunitRole.Core || rng.NextDouble() < 0.6).Select(u => u.Chain).ToHashSet();
        return complex.Model.Atoms.Where(a => keep.Contains(a.Chain)).ToArray();
    }

    /// <summary>3–8 ellipsoidal domains in a random walk, each touching or near the previous one.</summary>
    private static Atom[] PseudoComplex(SirenRandom rng)
    {
        int domains = 3 + rng.NextInt(6);
        var parts = new List<Region>();
        var at = Vector3.Zero;
        for (int d = 0; d < domains; d++)
        {
            float a = U(rng, 12, 28), b = U(rng, 12, 28), c = U(rng, 12, 28);
            parts.Add(Ellipsoid(a, b, c).Moved(at, RandomRotation(rng)));
            at += RandomDirection(rng) * (0.8f * (a + b + c) / 3 + U(rng, 8, 20));
        }
        return Fill(rng, Region.Union(parts));
    }

    /// <summary>An irregular globule: the union of 5–15 overlapping spheres of different sizes.</summary>
    private static Atom[] BlobCluster(SirenRandom rng)
    {
        int count = 5 + rng.NextInt(11);
        var centres = new Vector3[count];
        var parts = new List<Region>();
        for (int k = 0; k < count; k++)
        {
            float radius = U(rng, 8, 22);
            centres[k] = k == 0 ? Vector3.Zero : centres[rng.NextInt(k)] + RandomDirection(rng) * U(rng, 0.5f, 1.1f) * (radius + 10);
            parts.Add(Ellipsoid(radius, radius, radius).Moved(centres[k], Quaternion.Identity));
        }
        return Fill(rng, Region.Union(parts));
    }

    /// <summary>A worm-like tube of radius 5–12 Å (RNA helices, coiled coils): thin everywhere, so its density never reaches the protein plateau at low resolution.</summary>
    private static Atom[] Worm(SirenRandom rng)
    {
        int beads = 30 + rng.NextInt(60);
        float radius = U(rng, 5, 12), step = radius * 0.6f;
        var parts = new List<Region>();
        var at = Vector3.Zero;
        var direction = RandomDirection(rng);
        for (int k = 0; k < beads; k++)
        {
            parts.Add(Ellipsoid(radius, radius, radius).Moved(at, Quaternion.Identity));
            direction = Vector3.Normalize(direction + 0.35f * RandomDirection(rng));
            at += direction * step;
        }
        return Fill(rng, Region.Union(parts));
    }

    /// <summary>A transmembrane core with a low-density belt (detergent or lipid) around its middle: the belt adds density at 25–50 % of protein but no molecular volume.</summary>
    private static Shape Membrane(SirenRandom rng)
    {
        float coreRadius = U(rng, 18, 35), coreHalfLength = U(rng, 30, 60);
        var core = Fill(rng, new Region(p => p.X * p.X + p.Y * p.Y <= coreRadius * coreRadius && MathF.Abs(p.Z) <= coreHalfLength,
            -new Vector3(coreRadius, coreRadius, coreHalfLength), new Vector3(coreRadius, coreRadius, coreHalfLength)));
        float beltOuter = coreRadius + U(rng, 12, 25), beltHalf = U(rng, 14, 22);
        var belt = Fill(rng, new Region(p =>
        {
            float r2 = p.X * p.X + p.Y * p.Y;
            return r2 > coreRadius * coreRadius && r2 <= beltOuter * beltOuter && MathF.Abs(p.Z) <= beltHalf;
        }, -new Vector3(beltOuter, beltOuter, beltHalf), new Vector3(beltOuter, beltOuter, beltHalf)), U(rng, 0.25f, 0.5f));
        return new Shape(core, belt);
    }

    private static Atom[] Dumbbell(SirenRandom rng)
    {
        float r1 = U(rng, 20, 35), r2 = U(rng, 20, 35), gap = U(rng, 15, 40), linker = U(rng, 5, 9);
        float half = (r1 + r2 + gap) / 2;
        var rod = new Region(p => p.X * p.X + p.Y * p.Y <= linker * linker && MathF.Abs(p.Z) <= half,
            -new Vector3(linker, linker, half), new Vector3(linker, linker, half));
        return Fill(rng, Region.Union([
            Ellipsoid(r1, r1, r1).Moved(new Vector3(0, 0, -half + r1), Quaternion.Identity),
            Ellipsoid(r2, r2, r2).Moved(new Vector3(0, 0, half - r2), Quaternion.Identity),
            rod]));
    }

    /// <summary>Subunits along a helix: the held-out "repeating assembly" shape.</summary>
    private static Atom[] Filament(SirenRandom rng)
    {
        int units = 8 + rng.NextInt(12);
        float helixRadius = U(rng, 12, 30), rise = U(rng, 8, 16), twist = U(rng, 0.4f, 1.2f), unit = U(rng, 10, 16);
        var parts = new List<Region>();
        for (int k = 0; k < units; k++)
        {
            var c = new Vector3(helixRadius * MathF.Cos(k * twist), helixRadius * MathF.Sin(k * twist), (k - units / 2f) * rise);
            parts.Add(Ellipsoid(unit, unit * 0.8f, unit * 0.9f).Moved(c, Quaternion.Identity));
        }
        return Fill(rng, Region.Union(parts));
    }

    /// <summary>A region of space: a membership test and its bounding box (Å).</summary>
    private sealed record Region(Func<Vector3, bool> Inside, Vector3 Min, Vector3 Max)
    {
        /// <summary>The region rotated by <paramref name="rotation"/> about its origin, then moved to <paramref name="centre"/>.</summary>
        public Region Moved(Vector3 centre, Quaternion rotation)
        {
            var inverse = Quaternion.Conjugate(rotation);
            float reach = MathF.Max(Max.Length(), Min.Length());
            return new Region(p => Inside(Vector3.Transform(p - centre, inverse)), centre - new Vector3(reach), centre + new Vector3(reach));
        }

        public static Region Union(IReadOnlyList<Region> parts)
        {
            var min = new Vector3(float.MaxValue); var max = new Vector3(float.MinValue);
            foreach (var part in parts) { min = Vector3.Min(min, part.Min); max = Vector3.Max(max, part.Max); }
            return new Region(p =>
            {
                foreach (var part in parts)
                    if (p.X >= part.Min.X && p.Y >= part.Min.Y && p.Z >= part.Min.Z && p.X <= part.Max.X && p.Y <= part.Max.Y && p.Z <= part.Max.Z && part.Inside(p))
                        return true;
                return false;
            }, min, max);
        }
    }

    private static Region Ellipsoid(float a, float b, float c) =>
        new(p => p.X * p.X / (a * a) + p.Y * p.Y / (b * b) + p.Z * p.Z / (c * c) <= 1, -new Vector3(a, b, c), new Vector3(a, b, c));

    private static Region Torus(float major, float minor) =>
        new(p =>
        {
            float q = MathF.Sqrt(p.X * p.X + p.Y * p.Y) - major;
            return q * q + p.Z * p.Z <= minor * minor;
        }, -new Vector3(major + minor, major + minor, minor), new Vector3(major + minor, major + minor, minor));

    /// <summary>An open-ended hollow cylinder (a proteasome- or chaperonin-like barrel, a pore).</summary>
    private static Region Barrel(float outer, float wall, float halfLength) =>
        new(p =>
        {
            float r2 = p.X * p.X + p.Y * p.Y, inner = MathF.Max(outer - wall, 0);
            return r2 <= outer * outer && r2 >= inner * inner && MathF.Abs(p.Z) <= halfLength;
        }, -new Vector3(outer, outer, halfLength), new Vector3(outer, outer, halfLength));

    private static Region Shell(float outer, float thickness) =>
        new(p => p.LengthSquared() <= outer * outer && p.LengthSquared() >= (outer - thickness) * (outer - thickness), -new Vector3(outer), new Vector3(outer));

    /// <summary>Pseudo-atoms placed uniformly in a region at protein density (one 14 Da atom per 16.9 Å³) times <paramref name="density"/>.</summary>
    private static Atom[] Fill(SirenRandom rng, Region region, float density = 1)
    {
        var size = region.Max - region.Min;
        double boxVolume = (double)size.X * size.Y * size.Z;
        long tries = (long)(boxVolume / (PseudoAtomMass * AtomModel.ProteinVolumePerDalton) * density);
        var atoms = new List<Atom>();
        for (long t = 0; t < tries; t++)
        {
            var p = region.Min + new Vector3((float)rng.NextDouble(), (float)rng.NextDouble(), (float)rng.NextDouble()) * size;
            if (region.Inside(p)) atoms.Add(new Atom("shape", "A", atoms.Count + 1, "UNK", "CA", "X", PseudoAtomElectrons, PseudoAtomMass, p));
        }
        return atoms.ToArray();
    }

    private static Quaternion RandomRotation(SirenRandom rng) =>
        Quaternion.Normalize(new Quaternion((float)rng.NextGaussian(), (float)rng.NextGaussian(), (float)rng.NextGaussian(), (float)rng.NextGaussian()));

    private static Vector3 RandomDirection(SirenRandom rng) =>
        Vector3.Normalize(new Vector3((float)rng.NextGaussian(), (float)rng.NextGaussian(), (float)rng.NextGaussian()));

    /// <summary>Separable Gaussian blur with zero padding (σ in voxels, kernel to 3σ).</summary>
    internal static void GaussianBlur(float[] map, double sigma)
    {
        int radius = Math.Max(1, (int)Math.Ceiling(3 * sigma));
        var kernel = new float[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) sum += kernel[i + radius] = (float)Math.Exp(-0.5 * i * i / (sigma * sigma));
        for (int i = 0; i < kernel.Length; i++) kernel[i] = (float)(kernel[i] / sum);
        var line = new float[Box];
        foreach (int stride in new[] { 1, Box, Box * Box })
            for (int a = 0; a < Box; a++)
                for (int b = 0; b < Box; b++)
                {
                    int start = stride == 1 ? (a * Box + b) * Box : stride == Box ? a * Box * Box + b : a * Box + b;
                    for (int i = 0; i < Box; i++) line[i] = map[start + i * stride];
                    for (int i = 0; i < Box; i++)
                    {
                        float acc = 0;
                        int lo = Math.Max(-radius, -i), hi = Math.Min(radius, Box - 1 - i);
                        for (int k = lo; k <= hi; k++) acc += kernel[k + radius] * line[i + k];
                        map[start + i * stride] = acc;
                    }
                }
    }

    private static void ApplySoftMask(float[] map, double peak, SirenRandom rng)
    {
        // RELION-style solvent mask: the region above a low level, widened and given a soft edge.
        var mask = new float[map.Length];
        double level = rng.Uniform(0.02, 0.08) * peak;
        for (int i = 0; i < map.Length; i++) mask[i] = map[i] > level ? 1 : 0;
        GaussianBlur(mask, rng.Uniform(1.5, 3.5));
        for (int i = 0; i < map.Length; i++)
        {
            float m = Math.Clamp(mask[i] * 4, 0, 1);
            map[i] *= 0.5f - 0.5f * MathF.Cos(MathF.PI * m);
        }
    }

    private static float U(SirenRandom rng, float lo, float hi) => (float)rng.Uniform(lo, hi);
}
