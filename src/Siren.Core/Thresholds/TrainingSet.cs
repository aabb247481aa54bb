using System.Globalization;
using System.Numerics;
using System.Text;
using Siren.Core.IO;
using Siren.Core.Mrc;

namespace Siren.Core.Thresholding;

/// <summary>A point mass: position (Å), density weight (electrons, as molmap) and whether it counts toward the molecular volume.</summary>
public readonly record struct PseudoAtom(Vector3 Position, float Weight, float Volume);

/// <summary>
/// Simulated maps with known contour levels for training and evaluating the threshold model.
/// </summary>
/// <remarks>
/// Shapes: the 50S chains in ../shared, the simulation library's built-in pseudo-complex
/// (<see cref="Simulation.PseudoComplex"/>) and synthetic shapes filled with pseudo-residues. Rendering is
/// a minimal atom → Gaussian density renderer of its own, written before the simulation library landed and
/// kept because it is cheap at these sizes: each atom's electrons are spread trilinearly onto the grid and
/// the grid is blurred with a Gaussian of σ = 0.225·resolution (molmap's σ factor 1/(π√2), as
/// <see cref="Simulation.Molmap"/>).
/// Maps are rendered directly at box 64 on the coarse grid a Fourier crop of a B-box map (B = 64…320)
/// would produce (voxel = B·apix/64); σ has a floor of 0.6 voxel, which stands in for the crop's band limit.
///
/// Label rule: the level whose isosurface encloses the molecular volume, Σ mass × specific volume with
/// 1.21 Å³/Da for protein (partial specific volume 0.73 cm³/g) and 0.91 Å³/Da for nucleic acid (0.55 cm³/g),
/// over the atoms as the model lists them (no hydrogens added: the simulation library's rule). The level is the
/// value of the k-th brightest voxel with k = volume / voxel³. Synthetic shapes are filled with
/// pseudo-residues of 110 Da (one per 133 Å³); the membrane-like belt is not molecule and does not count.
/// </remarks>
public static class TrainingSet
{
    public const int Box = Preprocess.ModelBox;
    public static readonly string[] TrainingFamilies = ["ribosome_subset", "builtin_complex", "pseudo_complex", "elongated", "ring", "membrane", "plate", "blob_cluster"];
    public static readonly string[] HeldOutFamilies = ["dumbbell", "shell", "filament"];

    private const float ProteinVolumePerDa = 1.21f, NucleicVolumePerDa = 0.91f;
    private const float ResidueMass = 110f, ResidueElectrons = 58f;

    /// <summary>One generated map and what made it.</summary>
    public sealed record Sample(int Id, string Family, float[] Map, double VoxelSize, double Resolution, double MolecularVolume, double Label);

    /// <summary>
    /// Writes a set: with <paramref name="rawMaps"/> every map as OUT/maps/vol_NNNNN.mrc (for prediction and
    /// baselines), otherwise the normalized maps packed as float16 in OUT/normalized_f16.bin (for training);
    /// always OUT/labels.csv with vol_id, contour_level, normalized_label, vol_min, vol_max, family,
    /// resolution, apix, molecular_volume.
    /// </summary>
    public static void Write(string outdir, int count, ulong seed, IReadOnlyList<string> families, string? ribosomeDir,
        bool rawMaps, IProgress<double>? progress = null)
    {
        AtomicFile.EnsureDirectory(outdir);
        var chains = families.Contains("ribosome_subset") ? LoadRibosomeChains(ribosomeDir) : [];
        var rows = new string[count];
        string mapsDir = Path.Combine(outdir, "maps");
        var packed = rawMaps ? null : new Half[(long)count * Box * Box * Box];
        int done = 0;
        Parallel.For(0, count, i =>
        {
            var rng = new Random(unchecked((int)(seed * 1_000_003UL + (ulong)i)));
            string family = families[rng.Next(families.Count)];
            var sample = Generate(i, family, rng, chains);
            var prepared = Preprocess.Prepare(new MrcVolume(Box, Box, Box, sample.Map, Vec3.All((float)sample.VoxelSize), default), i, family, out _);
            if (rawMaps)
                MrcWriter.Write(Path.Combine(mapsDir, $"vol_{i:D5}.mrc"), new MrcVolume(Box, Box, Box, sample.Map, Vec3.All((float)sample.VoxelSize), default));
            else
                for (int v = 0; v < prepared.Normalized.Length; v++) packed![(long)i * prepared.Normalized.Length + v] = (Half)prepared.Normalized[v];
            rows[i] = string.Create(CultureInfo.InvariantCulture,
                $"{i},{sample.Label:R},{prepared.Stats.Normalize(sample.Label):R},{prepared.Stats.Min:R},{prepared.Stats.Max:R},{family},{sample.Resolution:0.##},{sample.VoxelSize:0.###},{sample.MolecularVolume:0}");
            progress?.Report((double)Interlocked.Increment(ref done) / count);
        });
        if (packed is not null)
            AtomicFile.Write(Path.Combine(outdir, "normalized_f16.bin"), s =>
            {
                // One map at a time: the whole set can exceed 2 GB, more than one span can address.
                int perMap = Box * Box * Box;
                for (long i = 0; i < count; i++)
                    s.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(packed.AsSpan((int)(i * perMap), perMap)));
            });
        AtomicFile.WriteAllText(Path.Combine(outdir, "labels.csv"),
            "vol_id,contour_level,normalized_label,vol_min,vol_max,family,resolution,apix,molecular_volume\n" + string.Join("\n", rows) + "\n");
    }

    /// <summary>Generates one map of a family with a random pose, scale, resolution, noise, mask and offset.</summary>
    public static Sample Generate(int id, string family, Random rng, IReadOnlyList<PseudoAtom[]> ribosomeChains)
    {
        var atoms = family switch
        {
            "ribosome_subset" => RibosomeSubset(rng, ribosomeChains),
            "builtin_complex" => BuiltinComplexSubset(rng),
            "pseudo_complex" => PseudoComplex(rng),
            "elongated" => Fill(rng, Ellipsoid(U(rng, 14, 24), U(rng, 14, 24), U(rng, 50, 110))),
            "ring" => Fill(rng, Torus(U(rng, 35, 70), U(rng, 9, 20))),
            "membrane" => Membrane(rng),
            "plate" => Fill(rng, Ellipsoid(U(rng, 35, 70), U(rng, 30, 60), U(rng, 8, 14))),
            "blob_cluster" => BlobCluster(rng),
            "dumbbell" => Dumbbell(rng),
            "shell" => Fill(rng, Shell(U(rng, 40, 75), U(rng, 8, 16))),
            "filament" => Filament(rng),
            _ => throw new SirenException($"unknown shape family '{family}'. Fix: use one of {string.Join(", ", TrainingFamilies.Concat(HeldOutFamilies))}."),
        };
        Rotate(atoms, rng);

        // Particle extent sets the box: it fills 40–80 % of a raw box of 64–320 voxels.
        float radius = 0;
        var centre = Vector3.Zero;
        foreach (var a in atoms) centre += a.Position;
        centre /= atoms.Length;
        foreach (var a in atoms) radius = MathF.Max(radius, Vector3.Distance(a.Position, centre));
        double fill = U(rng, 0.4, 0.8);
        double voxel = 2 * radius / fill / Box;
        double resolution = U(rng, 3, 15);
        double sigma = Math.Max(0.225 * resolution / voxel, 0.6);

        var map = new float[Box * Box * Box];
        double molecularVolume = 0;
        var shift = new Vector3(Box / 2f) + new Vector3(U(rng, -3, 3), U(rng, -3, 3), U(rng, -3, 3));
        foreach (var a in atoms)
        {
            Splat(map, (a.Position - centre) / (float)voxel + shift, a.Weight);
            molecularVolume += a.Volume;
        }
        GaussianBlur(map, sigma);

        double peak = map.Max();
        if (rng.NextDouble() < 0.8)
        {
            // Correlated noise, as left in reconstructions: white noise blurred by 0.5–1.5 voxel.
            var noise = new float[map.Length];
            for (int i = 0; i < noise.Length; i++) noise[i] = (float)Normal(rng);
            GaussianBlur(noise, U(rng, 0.5, 1.5));
            double sd = Math.Sqrt(noise.Average(x => (double)x * x));
            double level = U(rng, 0.005, 0.12) * peak / sd;
            for (int i = 0; i < map.Length; i++) map[i] += (float)(level * noise[i]);
        }
        if (rng.NextDouble() < 0.5) ApplySoftMask(map, peak, rng);
        double scale = Math.Pow(10, U(rng, -2, 2)) / peak;
        double offset = U(rng, -0.03, 0.03);
        for (int i = 0; i < map.Length; i++) map[i] = (float)((map[i] / peak + offset) * peak * scale);

        int enclosed = (int)Math.Clamp(Math.Round(molecularVolume / (voxel * voxel * voxel)), 1, map.Length - 1);
        var sorted = (float[])map.Clone();
        Array.Sort(sorted);
        double label = sorted[map.Length - enclosed];
        return new Sample(id, family, map, voxel, resolution, molecularVolume, label);
    }

    /// <summary>Chains of the 50S model in ../shared (each file's chain is one unit).</summary>
    public static IReadOnlyList<PseudoAtom[]> LoadRibosomeChains(string? dir)
    {
        if (dir is null || !Directory.Exists(dir))
            throw new SirenException($"ribosome model folder '{dir}' not found. Fix: pass --ribosome with the folder of prots1.pdb, RNA1.pdb, … (shared/data/ecoli50s_model).");
        var chains = new List<PseudoAtom[]>();
        foreach (string file in Directory.GetFiles(dir, "*.pdb").OrderBy(f => f, StringComparer.Ordinal))
        {
            var byChain = new Dictionary<char, List<PseudoAtom>>();
            foreach (string line in File.ReadLines(file))
            {
                if (!(line.StartsWith("ATOM", StringComparison.Ordinal) || line.StartsWith("HETATM", StringComparison.Ordinal)) || line.Length < 54) continue;
                string element = line.Length >= 78 ? line.Substring(76, 2).Trim() : line.Substring(12, 2).Trim();
                if (element.Length == 0) element = line.Substring(12, 2).Trim();
                var (z, mass) = ElementOf(element);
                if (z == 0) continue;
                string residue = line.Substring(17, 3).Trim();
                bool nucleic = residue is "A" or "C" or "G" or "U" or "T" or "DA" or "DC" or "DG" or "DT";
                float volume = mass * (nucleic ? NucleicVolumePerDa : ProteinVolumePerDa);
                var pos = new Vector3(F(line, 30), F(line, 38), F(line, 46));
                char chain = line[21];
                if (!byChain.TryGetValue(chain, out var list)) byChain[chain] = list = [];
                list.Add(new PseudoAtom(pos, z, volume));
            }
            chains.AddRange(byChain.OrderBy(kv => kv.Key).Select(kv => kv.Value.ToArray()));
        }
        return chains;

        static float F(string line, int start) => float.Parse(line.AsSpan(start, 8), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static (int Z, float Mass) ElementOf(string symbol) => symbol.ToUpperInvariant() switch
    {
        "C" => (6, 12.011f), "N" => (7, 14.007f), "O" => (8, 15.999f), "P" => (15, 30.974f), "S" => (16, 32.06f),
        "MG" => (12, 24.305f), "ZN" => (30, 65.38f), "K" => (19, 39.098f), "NA" => (11, 22.99f), "FE" => (26, 55.845f),
        _ => (0, 0f),
    };

    private static PseudoAtom[] RibosomeSubset(Random rng, IReadOnlyList<PseudoAtom[]> chains)
    {
        if (chains.Count == 0) throw new SirenException("the ribosome_subset family needs the 50S chains. Fix: pass --ribosome.");
        double keep = U(rng, 0.25, 1.0);
        var atoms = new List<PseudoAtom>();
        foreach (var chain in chains)
            if (rng.NextDouble() < keep) atoms.AddRange(chain);
        if (atoms.Count == 0) atoms.AddRange(chains[rng.Next(chains.Count)]);
        return atoms.ToArray();
    }

    /// <summary>A random subset (at least the core) of the simulation library's built-in pseudo-complex, a fresh build per map.</summary>
    private static PseudoAtom[] BuiltinComplexSubset(Random rng)
    {
        var complex = Simulation.PseudoComplex.Build((ulong)rng.NextInt64());
        var keep = complex.Subunits.Where(u => u.Role == Simulation.PseudoSubunitRole.Core || rng.NextDouble() < 0.6).Select(u => u.Chain).ToHashSet();
        return complex.Model.Atoms.Where(a => keep.Contains(a.Chain))
            .Select(a => new PseudoAtom(a.Position, a.AtomicNumber, a.Mass * (a.IsNucleic ? NucleicVolumePerDa : ProteinVolumePerDa)))
            .ToArray();
    }

    private static PseudoAtom[] PseudoComplex(Random rng)
    {
        // 3–8 ellipsoidal domains, each touching the previous one (a random walk of domains).
        int domains = rng.Next(3, 9);
        var parts = new List<PseudoAtom>();
        var at = Vector3.Zero;
        for (int d = 0; d < domains; d++)
        {
            float a = U(rng, 12, 28), b = U(rng, 12, 28), c = U(rng, 12, 28);
            var blob = Fill(rng, Ellipsoid(a, b, c));
            Rotate(blob, rng);
            for (int i = 0; i < blob.Length; i++) blob[i] = blob[i] with { Position = blob[i].Position + at };
            parts.AddRange(blob);
            at += RandomDirection(rng) * (0.8f * (a + b + c) / 3 + U(rng, 8, 20));
        }
        return parts.ToArray();
    }

    private static PseudoAtom[] BlobCluster(Random rng)
    {
        // An irregular globule: the union of 5–15 overlapping spheres of different sizes.
        int count = rng.Next(5, 16);
        var centres = new Vector3[count];
        var radii = new float[count];
        for (int k = 0; k < count; k++)
        {
            radii[k] = U(rng, 8, 22);
            centres[k] = k == 0 ? Vector3.Zero : centres[rng.Next(k)] + RandomDirection(rng) * U(rng, 0.5f, 1.1f) * (radii[k] + 10);
        }
        var min = new Vector3(float.MaxValue); var max = new Vector3(float.MinValue);
        for (int k = 0; k < count; k++) { min = Vector3.Min(min, centres[k] - new Vector3(radii[k])); max = Vector3.Max(max, centres[k] + new Vector3(radii[k])); }
        var mid = (min + max) / 2;
        return Fill(rng, p =>
        {
            for (int k = 0; k < count; k++)
                if (Vector3.DistanceSquared(p + mid, centres[k]) <= radii[k] * radii[k]) return true;
            return false;
        }, (max - min) / 2);
    }

    private static PseudoAtom[] Membrane(Random rng)
    {
        // A transmembrane core with a low-density belt (detergent or lipid) around its middle: the belt
        // adds density at 25–50 % of protein but no molecular volume.
        float coreRadius = U(rng, 18, 35), coreHalfLength = U(rng, 30, 60);
        var core = Fill(rng, p => p.X * p.X + p.Y * p.Y <= coreRadius * coreRadius && MathF.Abs(p.Z) <= coreHalfLength, new Vector3(coreRadius, coreRadius, coreHalfLength));
        float beltOuter = coreRadius + U(rng, 12, 25), beltHalf = U(rng, 14, 22);
        float beltDensity = U(rng, 0.25f, 0.5f);
        var belt = Fill(rng, p =>
        {
            float r2 = p.X * p.X + p.Y * p.Y;
            return r2 > coreRadius * coreRadius && r2 <= beltOuter * beltOuter && MathF.Abs(p.Z) <= beltHalf;
        }, new Vector3(beltOuter, beltOuter, beltHalf), beltDensity);
        for (int i = 0; i < belt.Length; i++) belt[i] = belt[i] with { Volume = 0 };
        return core.Concat(belt).ToArray();
    }

    private static PseudoAtom[] Dumbbell(Random rng)
    {
        float r1 = U(rng, 20, 35), r2 = U(rng, 20, 35), gap = U(rng, 15, 40), linker = U(rng, 5, 9);
        float half = (r1 + r2 + gap) / 2;
        return Fill(rng, p =>
        {
            var a = p - new Vector3(0, 0, -half + r1);
            var b = p - new Vector3(0, 0, half - r2);
            return a.LengthSquared() <= r1 * r1 || b.LengthSquared() <= r2 * r2 || (p.X * p.X + p.Y * p.Y <= linker * linker && MathF.Abs(p.Z) <= half);
        }, new Vector3(MathF.Max(r1, r2), MathF.Max(r1, r2), half));
    }

    private static PseudoAtom[] Filament(Random rng)
    {
        // Subunits along a helix: the held-out "repeating assembly" shape.
        int units = rng.Next(8, 20);
        float helixRadius = U(rng, 12, 30), rise = U(rng, 8, 16), twist = U(rng, 0.4f, 1.2f), unit = U(rng, 10, 16);
        var parts = new List<PseudoAtom>();
        for (int k = 0; k < units; k++)
        {
            var c = new Vector3(helixRadius * MathF.Cos(k * twist), helixRadius * MathF.Sin(k * twist), (k - units / 2f) * rise);
            var blob = Fill(rng, Ellipsoid(unit, unit * 0.8f, unit * 0.9f));
            parts.AddRange(blob.Select(a => a with { Position = a.Position + c }));
        }
        return parts.ToArray();
    }

    private static (Func<Vector3, bool> Inside, Vector3 Half) Ellipsoid(float a, float b, float c) =>
        (p => p.X * p.X / (a * a) + p.Y * p.Y / (b * b) + p.Z * p.Z / (c * c) <= 1, new Vector3(a, b, c));

    private static (Func<Vector3, bool> Inside, Vector3 Half) Torus(float major, float minor) =>
        (p =>
        {
            float q = MathF.Sqrt(p.X * p.X + p.Y * p.Y) - major;
            return q * q + p.Z * p.Z <= minor * minor;
        }, new Vector3(major + minor, major + minor, minor));

    private static (Func<Vector3, bool> Inside, Vector3 Half) Shell(float outer, float thickness) =>
        (p => p.LengthSquared() <= outer * outer && p.LengthSquared() >= (outer - thickness) * (outer - thickness), new Vector3(outer));

    private static PseudoAtom[] Fill(Random rng, (Func<Vector3, bool> Inside, Vector3 Half) shape) => Fill(rng, shape.Inside, shape.Half);

    /// <summary>Pseudo-residues uniformly inside a shape at protein density (one 110 Da residue per 133 Å³) times <paramref name="density"/>.</summary>
    private static PseudoAtom[] Fill(Random rng, Func<Vector3, bool> inside, Vector3 half, float density = 1)
    {
        double boxVolume = 8.0 * half.X * half.Y * half.Z;
        int tries = (int)(boxVolume / (ResidueMass * ProteinVolumePerDa) * density);
        var atoms = new List<PseudoAtom>(tries);
        for (int t = 0; t < tries; t++)
        {
            var p = new Vector3(U(rng, -half.X, half.X), U(rng, -half.Y, half.Y), U(rng, -half.Z, half.Z));
            if (inside(p)) atoms.Add(new PseudoAtom(p, ResidueElectrons, ResidueMass * ProteinVolumePerDa));
        }
        return atoms.ToArray();
    }

    private static void Rotate(PseudoAtom[] atoms, Random rng)
    {
        var q = Quaternion.Normalize(new Quaternion((float)Normal(rng), (float)Normal(rng), (float)Normal(rng), (float)Normal(rng)));
        for (int i = 0; i < atoms.Length; i++) atoms[i] = atoms[i] with { Position = Vector3.Transform(atoms[i].Position, q) };
    }

    private static Vector3 RandomDirection(Random rng) =>
        Vector3.Normalize(new Vector3((float)Normal(rng), (float)Normal(rng), (float)Normal(rng)));

    private static void Splat(float[] map, Vector3 p, float weight)
    {
        int x0 = (int)MathF.Floor(p.X), y0 = (int)MathF.Floor(p.Y), z0 = (int)MathF.Floor(p.Z);
        float fx = p.X - x0, fy = p.Y - y0, fz = p.Z - z0;
        for (int dz = 0; dz < 2; dz++)
            for (int dy = 0; dy < 2; dy++)
                for (int dx = 0; dx < 2; dx++)
                {
                    int x = x0 + dx, y = y0 + dy, z = z0 + dz;
                    if ((uint)x >= Box || (uint)y >= Box || (uint)z >= Box) continue;
                    float w = (dx == 1 ? fx : 1 - fx) * (dy == 1 ? fy : 1 - fy) * (dz == 1 ? fz : 1 - fz);
                    map[(z * Box + y) * Box + x] += weight * w;
                }
    }

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

    private static void ApplySoftMask(float[] map, double peak, Random rng)
    {
        // RELION-style solvent mask: the region above a low level, widened and given a soft edge.
        var mask = new float[map.Length];
        double level = U(rng, 0.02, 0.08) * peak;
        for (int i = 0; i < map.Length; i++) mask[i] = map[i] > level ? 1 : 0;
        GaussianBlur(mask, U(rng, 1.5, 3.5));
        for (int i = 0; i < map.Length; i++)
        {
            float m = Math.Clamp(mask[i] * 4, 0, 1);
            map[i] *= 0.5f - 0.5f * MathF.Cos(MathF.PI * m);
        }
    }

    private static float U(Random rng, float lo, float hi) => lo + (float)rng.NextDouble() * (hi - lo);
    private static double U(Random rng, double lo, double hi) => lo + rng.NextDouble() * (hi - lo);
    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
