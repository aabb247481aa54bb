using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Siren.Core.Tests.Cli;

/// <summary>Ctrl-C or SIGTERM part-way: the command stops, says so in one line, and leaves no half-written file.</summary>
public partial class InterruptTests
{
    /// <summary>libc's kill(2): a fresh machine need not have the kill program.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [UnixSignalFact(2)]
    public void SimulationStoppedByCtrlCLeavesWholeMapsAndNoTemporaries() => InterruptSimulation("INT", 2, 130);

    [UnixSignalFact(15)]
    public void SimulationStoppedBySigtermLeavesWholeMapsAndNoTemporaries() => InterruptSimulation("TERM", 15, 143);

    private static void InterruptSimulation(string signal, int number, int exitCode)
    {
        string outdir = TestPaths.NewTempDir();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "siren.dll"), "simulate", "--preset", "demo", "--n", "3000", "--outdir", outdir })
            start.ArgumentList.Add(a);
        using Process p = Process.Start(start)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        // Signalled while maps are being written: after the first is whole, long before the 3000th.
        var clock = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(outdir, "vol_0001.mrc")) && clock.Elapsed < TimeSpan.FromMinutes(2) && !p.HasExited) Thread.Sleep(20);
        Assert.False(p.HasExited, stderr.IsCompleted ? stderr.Result : "exited");
        Assert.Equal(0, Kill(p.Id, number));
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(1)));

        Assert.Equal(exitCode, p.ExitCode);
        Assert.Contains($"error: interrupted (SIG{signal})", stderr.Result);
        Assert.Contains("Fix: rerun", stderr.Result);
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(outdir), f => Path.GetFileName(f).StartsWith('.'));
        // What is there is whole: every map reads, and the files that vouch for a finished ensemble are absent.
        foreach (string map in Directory.EnumerateFiles(outdir, "*.mrc")) Siren.Core.Mrc.MrcReader.Read(map);
        Assert.False(File.Exists(Path.Combine(outdir, "truth.json")));
    }
}
