using System.Diagnostics;

namespace Siren.Core.Tests;

/// <summary>Runs the real `siren` executable (built beside the tests) as a user would, capturing its output.</summary>
public static class SirenProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>Far above any command the tests run (the slowest take seconds), on a loaded 2-core machine.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    public static Result Run(params string[] args) => Run(new Dictionary<string, string>(), args);

    /// <summary>With <paramref name="environment"/> set in the child (DOTNET_EnableAVX512=0 and the like).</summary>
    public static Result Run(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "siren.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        using Process p = Process.Start(start)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        // A command that hangs (reading a pipe or device it was given) fails its test, not the whole suite.
        if (!p.WaitForExit(Limit))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.Fail($"siren {string.Join(' ', args)} ran past {Limit.TotalMinutes} min and was killed; its stderr:\n{stderr.Result}");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
