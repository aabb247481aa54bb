using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Siren.Core;
using Siren.Core.Blocks;
using Siren.Core.Benchmarking;
using Siren.Core.Kernels;
using Siren.Interop.Cuda;

namespace Siren.Cli.Commands;

/// <summary>
/// siren bench — end-to-end timing of sketch+expand and kernel throughput against the popcount peak.
/// Example: siren bench --boxes 64,96,128 --maps 500
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var boxes = new Option<string>("--boxes") { Description = "Comma-separated box sizes.", DefaultValueFactory = _ => "64,96,128" };
        var maps = new Option<int>("--maps") { Description = "Maps per ensemble.", DefaultValueFactory = _ => 500 };
        var repeats = new Option<int>("--repeats") { Description = "Runs per size; the fastest is reported.", DefaultValueFactory = _ => 3 };
        var workdir = new Option<string>("--workdir") { Description = "Folder for the generated maps (kept between runs).", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "siren-bench") };
        var device = DetectionArguments.DeviceOption();
        var seed = new Option<ulong>("--seed") { Description = "Seed of the generated ensembles and of sampling.", DefaultValueFactory = _ => 1UL };
        var command = new Command("bench", """
            Time sketch+expand end to end (reading and binarizing the maps included) on a generated ensemble at each
            box size, and report the pair kernels' pairs/s and popcounts/s against this machine's measured POPCNT peak.
            The maps are generated once into --workdir and reused.
            Example: siren bench --boxes 64,96,128 --maps 500 --repeats 3
            """) { boxes, maps, repeats, workdir, device, seed };
        command.SetAction(parse =>
        {
            int[] sizes = ParseBoxes(parse.GetValue(boxes)!);
            // Checked before the backend starts and the peak is measured, so a bad size costs no waiting.
            ScalingBenchmark.Validate(parse.GetValue(workdir)!, sizes, parse.GetValue(maps), parse.GetValue(repeats), parse.GetValue(seed));
            using ICooccurrenceBackend backend = DeviceSelection.Create(parse.GetValue(device)!, CliHost.Log);
            double peak = PopcountPeak.Measure(TimeSpan.FromSeconds(1));
            Console.WriteLine($"# Siren.Native bench: {Environment.ProcessorCount} cores, backend {backend.Name}, POPCNT peak {peak / 1e9:F2} G word-popcounts/s (all cores)");
            Console.WriteLine("| box | maps | union N | sampled n | seeds | blocks | read s | sketch s | expand s | total s | tested Mpairs | popcounted % | Mpairs/s | G popcounts/s | % of peak |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            // The figures are also recorded beside the generated maps, with what made them, as every command's are.
            var manifest = new RunManifest("bench")
                .Parameter("boxes", new JsonArray(sizes.Select(b => (JsonNode)b).ToArray())).Parameter("maps", parse.GetValue(maps))
                .Parameter("repeats", parse.GetValue(repeats)).Parameter("seed", parse.GetValue(seed)).Parameter("backend", backend.Name)
                .Parameter("cores", Environment.ProcessorCount).Result("popcount_peak_per_second", peak);
            var rows = new JsonArray();
            foreach (int box in sizes)
            {
                ScalingRow r = ScalingBenchmark.Measure(parse.GetValue(workdir)!, box, parse.GetValue(maps), backend, parse.GetValue(repeats), parse.GetValue(seed), CliHost.Log);
                Console.WriteLine(FormattableString.Invariant(
                    $"| {r.Box} | {r.Maps} | {r.UnionVoxels} | {r.Sampled} | {r.SeedBlocks} | {r.Blocks} | {r.ReadSeconds:F2} | {r.SketchSeconds:F2} | {r.ExpandSeconds:F2} | {r.TotalSeconds:F2} | {r.Pairs / 1e6:F0} | {100 * r.PopcountedShare:F0} | {r.PairsPerSecond / 1e6:F0} | {r.PopcountsPerSecond / 1e9:F2} | {100 * r.PopcountsPerSecond / peak:F0} |"));
                rows.Add(new JsonObject
                {
                    ["box"] = r.Box, ["union_voxels"] = r.UnionVoxels, ["sampled"] = r.Sampled, ["seed_blocks"] = r.SeedBlocks, ["blocks"] = r.Blocks,
                    ["read_s"] = r.ReadSeconds, ["sketch_s"] = r.SketchSeconds, ["expand_s"] = r.ExpandSeconds, ["total_s"] = r.TotalSeconds,
                    ["tested_pairs"] = r.Pairs, ["pairs_per_second"] = r.PairsPerSecond, ["popcounts_per_second"] = r.PopcountsPerSecond,
                    // The throughputs' denominators: the pair kernels' own seconds, inside sketch_s and expand_s.
                    ["sketch_kernel_s"] = r.SketchKernelSeconds, ["expand_kernel_s"] = r.ExpandKernelSeconds, ["popcounted_share"] = r.PopcountedShare,
                });
            }
            manifest.Result("rows", rows).WriteBeside(Path.Combine(parse.GetValue(workdir)!, "bench"));
            CliHost.Log($"bench: figures recorded in {Path.Combine(parse.GetValue(workdir)!, RunManifest.NameBeside("bench"))}");
            return 0;
        });
        return command;
    }

    private static int[] ParseBoxes(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int box) ? box
                : throw new SirenException($"--boxes '{list}': '{s}' is not a box size. Fix: pass comma-separated whole numbers, e.g. --boxes 64,96,128."))
            .ToArray();
}
