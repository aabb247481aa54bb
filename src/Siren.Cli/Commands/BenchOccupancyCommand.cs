using System.CommandLine;
using System.Globalization;
using Siren.Core.Blocks;
using Siren.Core.Occupancy;

namespace Siren.Cli.Commands;

/// <summary>
/// siren bench-occupancy: occupancy maps/s against a raw read of the same files.
/// Example: siren bench-occupancy --dir /work/tmp/occ-bench --distinct 4000 --maps 100000
/// </summary>
public static class BenchOccupancyCommand
{
    public static Command Create()
    {
        var dir = new Option<string>("--dir") { Description = "Scratch folder for the generated maps (reused between runs).", Required = true };
        var distinct = new Option<int>("--distinct") { Description = "Distinct map files written (distinct × 1 MB at box 64).", DefaultValueFactory = _ => 4000 };
        var maps = new Option<int>("--maps") { Description = "Maps streamed, cycling through the distinct files.", DefaultValueFactory = _ => 100_000 };
        var box = new Option<int>("--box") { Description = "Box size of the generated maps.", DefaultValueFactory = _ => 64 };
        var blocks = new Option<int>("--blocks") { Description = "Spherical blocks measured per map.", DefaultValueFactory = _ => 20 };
        var jobs = new Option<int>("--jobs") { Description = "Parallel readers (0: one per core).", DefaultValueFactory = _ => 0 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the generated maps and blocks.", DefaultValueFactory = _ => 0UL };
        var command = new Command("bench-occupancy",
            "Benchmark siren occupancy: stream --maps maps (cycling through --distinct generated files, since 100k × 1 MB does not fit a " +
            "work disk) through --blocks blocks, binarized and per-voxel normalized, and compare with a raw read of the same file list " +
            "with the same parallelism. Both run from the page cache when the distinct files fit in RAM.\n" +
            "Example: siren bench-occupancy --dir /tmp/occ-bench --distinct 4000 --maps 100000")
        {
            dir, distinct, maps, box, blocks, jobs, seed,
        };
        command.SetAction(pr =>
        {
            OccupancyBenchmarkResult r = OccupancyBenchmark.Run(pr.GetValue(dir)!, pr.GetValue(distinct), pr.GetValue(maps), pr.GetValue(box),
                pr.GetValue(blocks), pr.GetValue(jobs), pr.GetValue(seed), CliHost.Log);
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"raw read:  {r.Maps} maps in {r.RawReadSeconds:F2} s = {r.RawMapsPerSecond:F0} maps/s ({r.RawGigabytesPerSecond:F2} GB/s)"));
            Console.WriteLine(string.Create(inv, $"occupancy: {r.Maps} maps × {r.Blocks} blocks in {r.OccupancySeconds:F2} s = {r.MapsPerSecond:F0} maps/s ({r.GigabytesPerSecond:F2} GB/s), {100 * r.MapsPerSecond / r.RawMapsPerSecond:F0}% of the raw read rate"));
            Console.WriteLine(string.Create(inv, $"({r.Workers} workers, {r.DistinctMaps} distinct files of {r.BytesPerMap} bytes, box {r.Box})"));
            new RunManifest("bench-occupancy")
                .Parameter("distinct", r.DistinctMaps).Parameter("maps", r.Maps).Parameter("box", r.Box).Parameter("blocks", r.Blocks)
                .Parameter("workers", r.Workers).Parameter("seed", pr.GetValue(seed))
                .Result("raw_maps_per_second", r.RawMapsPerSecond).Result("maps_per_second", r.MapsPerSecond)
                .Seconds("raw_read", TimeSpan.FromSeconds(r.RawReadSeconds)).Seconds("occupancy", TimeSpan.FromSeconds(r.OccupancySeconds))
                .WriteBeside(Path.Combine(pr.GetValue(dir)!, "bench-occupancy"));
            return 0;
        });
        return command;
    }
}
