using System.Diagnostics;
using System.Globalization;

namespace Siren.Core.Tests.Cli;

/// <summary>
/// benchmarks/gpu/run_gpu_bench.sh, dry-run on the CPU (GPU_DEVICE=cpu): its table must carry `siren bench`'s
/// figures. It once read them by position, and after bench gained two columns it reported the share of pairs
/// popcounted as the GPU's popcounts per second.
/// </summary>
public class GpuBenchScriptTests
{
    [UnixFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void TableCarriesTheBenchFiguresByColumnName()
    {
        string work = TestPaths.NewTempDir();
        // The script wants one executable; the tests have the CLI as a dll.
        string siren = Path.Combine(work, "siren");
        File.WriteAllText(siren, $"#!/bin/sh\nexec dotnet \"{Path.Combine(AppContext.BaseDirectory, "siren.dll")}\" \"$@\"\n");
        File.SetUnixFileMode(siren, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(TestPaths.RepoRoot, "benchmarks", "gpu", "run_gpu_bench.sh"));
        foreach (var (name, value) in new[] { ("SIREN", siren), ("WORK", work), ("GPU_DEVICE", "cpu"), ("BOXES", "32"), ("MAPS", "60") })
            start.Environment[name] = value;
        using Process p = Process.Start(start)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)));
        Assert.True(p.ExitCode == 0, output + stderr.Result);

        string[] row = Cells(output.Split('\n').Single(l => l.StartsWith("| 32 | 60 |", StringComparison.Ordinal)));
        string[] header = Cells(File.ReadLines(Path.Combine(work, "bench_cpu_32_60.md")).First(l => l.StartsWith("| box |", StringComparison.Ordinal)));
        string[] bench = Cells(File.ReadLines(Path.Combine(work, "bench_cpu_32_60.md")).Single(l => l.StartsWith("| 32 |", StringComparison.Ordinal)));
        string Bench(string column) => bench[Array.IndexOf(header, column)];

        // | box | maps | union N | sampled n | blocks | CPU s | CUDA s | ratio | CUDA G popc/s | % peak | blocks.json |
        Assert.Equal(Bench("union N"), row[2]);
        Assert.Equal(Bench("sampled n"), row[3]);
        Assert.Equal(Bench("blocks"), row[4]);
        Assert.Equal(Number(Bench("sketch s")) + Number(Bench("expand s")), Number(row[5]), 6);
        Assert.Equal(Bench("G popcounts/s"), row[8]);
        // The column the script used to report there instead, told apart at this size (a share of a few % against a rate under 0.1 G/s).
        Assert.NotEqual(Bench("popcounted %"), Bench("G popcounts/s"));
        Assert.Equal("identical", row[10]);
    }

    private static double Number(string cell) => double.Parse(cell, CultureInfo.InvariantCulture);

    private static string[] Cells(string line) => line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
}
