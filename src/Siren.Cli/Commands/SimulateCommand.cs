using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Siren.Core;
using Siren.Core.Blocks;
using Siren.Core.Simulation;

namespace Siren.Cli.Commands;

/// <summary>
/// siren simulate: an ensemble with known heterogeneity (maps, true thresholds, truth regions).
/// Example: siren simulate --preset ul2-titration --model ../shared/data/ecoli50s_model --deletion 271 --intact 0.5 --outdir sim/d271_i50
/// </summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var preset = new Option<string?>("--preset") { Description = "Built-in ensemble: demo (the built-in pseudo-complex) or ul2-titration (needs --model)." };
        preset.AcceptOnlyFromAmong(SimulationPresets.Names);
        var spec = new Option<string?>("--spec") { Description = "Heterogeneity spec (JSON: grid, resolution, groups, classes, variation; see docs/simulation.md); used with --model or --builtin." };
        var model = new Option<string?>("--model") { Description = "Atomic model: a PDB/mmCIF file or a folder of them (e.g. ../shared/data/ecoli50s_model)." };
        var builtin = new Option<bool>("--builtin") { Description = "Use the built-in pseudo-complex (chains A–C core, D/E docked, F arm) as the model for --spec." };
        var deletion = new Option<int>("--deletion") { Description = "ul2-titration: C-terminal residues of uL2 deleted (paper: 73, 136, 213, 271).", DefaultValueFactory = _ => 271 };
        var intact = new Option<double>("--intact") { Description = "ul2-titration: fraction of maps with intact uL2 (paper: 0.25, 0.5, 0.75; 1 = homogeneous control).", DefaultValueFactory = _ => 0.5 };
        var count = new Option<int?>("--n") { Description = "Number of maps (default: the preset's or spec's \"maps\")." };
        var seed = new Option<ulong>("--seed") { Description = "Random seed; the same seed gives identical files.", DefaultValueFactory = _ => 0UL };
        var outdir = new Option<string>("--outdir") { Description = "Output folder for vol_NNN.mrc, thresholds.csv, truth.json: an empty folder or an earlier simulate's, whose files a rerun replaces.", Required = true };

        var command = new Command("simulate",
            "Simulate a cryo-EM volume ensemble with known compositional and conformational heterogeneity: molmap-like density " +
            "(Gaussian per atom, weight = atomic number, sigma = 0.225 x resolution), per-map resolution, scale, offset, low-pass noise, " +
            "partial occupancy and junk maps. Writes vol_NNN.mrc, thresholds.csv (true thresholds, vol_id,denormalized_predictions), " +
            "truth.json (per-map truth and each variable region's voxels), spec.json (the spec used) and manifest.json.\n\n" +
            "Examples:\n  siren simulate --preset demo --outdir sim/demo\n" +
            "  siren simulate --preset ul2-titration --model ../shared/data/ecoli50s_model --deletion 271 --intact 0.5 --outdir sim/d271_i50\n" +
            "  siren simulate --spec my_spec.json --model my_model.pdb --n 200 --seed 1 --outdir sim/mine")
        {
            preset, spec, model, builtin, deletion, intact, count, seed, outdir,
        };
        command.SetAction(pr =>
        {
            string? presetName = pr.GetValue(preset), specPath = pr.GetValue(spec), modelPath = pr.GetValue(model);
            ulong seedValue = pr.GetValue(seed);
            WarnUnusedTitrationOptions(pr, presetName, deletion, intact);
            SimulationSetup setup = Resolve(presetName, specPath, modelPath, pr.GetValue(builtin), pr.GetValue(deletion), pr.GetValue(intact), seedValue);
            string dir = pr.GetValue(outdir)!;
            var manifest = new RunManifest("simulate")
                .Parameter("preset", presetName).Parameter("spec", specPath is null ? null : Path.GetFullPath(specPath))
                .Parameter("model", modelPath is null ? null : Path.GetFullPath(modelPath)).Parameter("seed", seedValue)
                .Parameter("maps", pr.GetValue(count) ?? setup.Spec.Maps).Parameter("name", setup.Spec.Name);
            SimulationResult result = manifest.Time("simulate", () =>
                EnsembleSimulator.Run(setup.Model, setup.Spec, dir, seedValue, pr.GetValue(count), CliHost.Log, CliHost.Progress("simulate")));
            var regions = new JsonArray(result.Truth.Regions.Select(r => (JsonNode)new JsonObject
            {
                ["name"] = r.Name, ["voxels"] = r.Voxels.Length, ["present_fraction"] = r.PresentFraction,
            }).ToArray());
            manifest.Result("maps", result.Truth.Maps.Count).Result("regions", regions).Write(result.OutDir);
            Console.WriteLine($"simulate: {result.Truth.Maps.Count} maps in {result.OutDir} ({result.Seconds.ToString("F1", CultureInfo.InvariantCulture)} s); " +
                $"{result.Truth.Regions.Count} variable regions: " +
                (result.Truth.Regions.Count == 0 ? "none (homogeneous)" : string.Join(", ", result.Truth.Regions.Select(r => $"{r.Name} ({r.Voxels.Length} voxels, {r.PresentFraction:P0})"))));
            return 0;
        });
        return command;
    }

    /// <summary>--deletion and --intact shape the uL2 titration only; given with another ensemble they would seem to have been used.</summary>
    internal static void WarnUnusedTitrationOptions(ParseResult pr, string? presetName, Option deletion, Option intact)
    {
        if (presetName != SimulationPresets.Ul2Titration && (pr.Given(deletion) || pr.Given(intact)))
            CliHost.Log("warning: --deletion and --intact apply to --preset ul2-titration only; ignored here.");
    }

    internal static SimulationSetup Resolve(string? preset, string? specPath, string? modelPath, bool builtin, int deletion, double intact, ulong seed)
    {
        if (builtin && specPath is null)
            throw new SirenException("--builtin is the model for --spec, and no --spec was given. Fix: add --spec FILE, or drop --builtin (the presets bring their own models).");
        switch (preset)
        {
            case SimulationPresets.Demo when specPath is null && modelPath is null && !builtin:
                return SimulationPresets.DemoSetup(seed);
            case SimulationPresets.Ul2Titration when specPath is null && !builtin:
                return SimulationPresets.Ul2TitrationSetup(
                    modelPath ?? throw new SirenException("--preset ul2-titration needs the 50S model. Fix: add --model ../shared/data/ecoli50s_model."),
                    deletion, intact);
            case not null:
                throw new SirenException($"--preset {preset} takes no --spec{(preset == SimulationPresets.Demo ? ", --model" : "")} or --builtin. Fix: drop them, or use --spec without --preset.");
        }
        if (specPath is null)
            throw new SirenException("nothing to simulate. Fix: pass --preset demo, --preset ul2-titration --model DIR, or --spec FILE with --model PATH or --builtin.");
        if (builtin == (modelPath is not null))
            throw new SirenException("--spec needs exactly one model source. Fix: pass either --model PATH or --builtin.");
        AtomModel atoms = builtin ? PseudoComplex.Build(seed).Model : AtomModel.ReadPath(modelPath!);
        return new SimulationSetup(atoms, HeterogeneitySpec.Read(specPath));
    }
}
