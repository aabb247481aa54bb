using System.Runtime.CompilerServices;

namespace Siren.Core.Tests;

/// <summary>Finds the repository root (the folder holding Siren.Native.sln) and the shared data beside it.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>../shared/data beside the repository, or null when this checkout has none.</summary>
    public static string? SharedData
    {
        get
        {
            string dir = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));
            return Directory.Exists(dir) ? dir : null;
        }
    }

    /// <summary>
    /// This test run's scratch folder. Simulated ensembles add up to gigabytes over a run, so the whole folder
    /// is deleted when the test process exits (CI machines can be short of disk).
    /// </summary>
    private static readonly string RunScratch = CreateRunScratch();

    public static string NewTempDir([CallerMemberName] string name = "")
    {
        string dir = Path.Combine(RunScratch, $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string CreateRunScratch()
    {
        string root = Path.Combine(Path.GetTempPath(), "siren-tests");
        RemoveScratchOfEndedRuns(root);
        string dir = Path.Combine(root, $"run-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        };
        return dir;
    }

    /// <summary>The exit handler may be cut short when the test host is torn down; what it left is removed by the next run.</summary>
    private static void RemoveScratchOfEndedRuns(string root)
    {
        if (!Directory.Exists(root)) return;
        foreach (string dir in Directory.EnumerateDirectories(root, "run-*"))
        {
            string[] parts = Path.GetFileName(dir).Split('-');
            if (parts.Length < 3 || !int.TryParse(parts[1], out int pid) || IsRunning(pid)) continue;
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsRunning(int pid)
    {
        try { return !System.Diagnostics.Process.GetProcessById(pid).HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Siren.Native.sln"))) return dir.FullName;
        throw new InvalidOperationException("Siren.Native.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fact that needs ../shared/data; reported as skipped, with the reason, when it is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (TestPaths.SharedData is null) Skip = "../shared/data is absent beside the repository; shared-data tests skipped.";
    }
}

/// <summary>A test of Unix devices or named pipes; skipped, with the reason, where there are none.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows() || !File.Exists("/dev/zero")) Skip = "needs Unix devices and named pipes (/dev/zero, mkfifo); skipped on this system.";
    }
}

/// <summary>
/// A test that sends a child process the Unix signal <c>number</c>; skipped, with the reason, on Windows and
/// where this process ignores that signal: children inherit an ignored signal and .NET leaves it ignored, as a
/// shell does for SIGINT in a job started in the background (`dotnet test … &amp;`).
/// </summary>
public sealed class UnixSignalFactAttribute : FactAttribute
{
    public UnixSignalFactAttribute(int number)
    {
        if (OperatingSystem.IsWindows()) Skip = "sends Unix signals with kill; skipped on Windows.";
        else if (Ignored(number)) Skip = $"signal {number} is ignored in this test run (started in the background?), so a child cannot be stopped by it; run the tests in the foreground.";
    }

    /// <summary>The signal's bit in SigIgn of /proc/self/status (Linux; elsewhere assumed not ignored).</summary>
    private static bool Ignored(int number)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return false;
        string? mask = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))?["SigIgn:".Length..].Trim();
        return mask is not null && (Convert.ToUInt64(mask, 16) >> (number - 1) & 1) == 1;
    }
}
