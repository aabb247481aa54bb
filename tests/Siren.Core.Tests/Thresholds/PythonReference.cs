using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Siren.Core.Tests.Thresholding;

/// <summary>
/// Runs Debian's python3 with given modules for reference numbers (numpy, mrcfile, torch); tests that need it
/// are reported as skipped, with the reason, where that python is absent (CI runs only dotnet test).
/// </summary>
public static class PythonReference
{
    private static readonly Dictionary<string, string?> Found = [];

    /// <summary>A python3 that imports <paramref name="modules"/>, or null.</summary>
    public static string? With(string modules)
    {
        lock (Found)
        {
            if (Found.TryGetValue(modules, out string? known)) return known;
            string? hit = null;
            foreach (string candidate in new[] { "/usr/bin/python3", "python3" })
            {
                try
                {
                    var (code, _) = Run(candidate, $"-c \"import {modules}\"", TimeSpan.FromSeconds(60));
                    if (code == 0) { hit = candidate; break; }
                }
                catch (System.ComponentModel.Win32Exception) { }
            }
            return Found[modules] = hit;
        }
    }

    public static (int ExitCode, string Output) Run(string python, string arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(python, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout)) { process.Kill(true); throw new TimeoutException($"{python} {arguments} did not finish in {timeout}"); }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Raw little-endian float32, the layout the scripts read with np.fromfile and write with tofile.</summary>
    public static void WriteFloats(string path, IEnumerable<float[]> arrays) =>
        File.WriteAllBytes(path, MemoryMarshal.AsBytes(arrays.SelectMany(a => a).ToArray().AsSpan()).ToArray());

    public static float[] ReadFloats(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();

    public static string Script(string python, string code, params string[] args)
    {
        string path = Path.Combine(TestPaths.NewTempDir("py"), "script.py");
        File.WriteAllText(path, code);
        var (exit, output) = Run(python, $"\"{path}\" {string.Join(' ', args.Select(a => $"\"{a}\""))}", TimeSpan.FromMinutes(2));
        Assert.True(exit == 0, $"python failed: {output}");
        return output;
    }
}

/// <summary>A fact that needs python3 with <c>modules</c> importable; skipped with a message otherwise.</summary>
public sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute(string modules, bool needsSharedData = false)
    {
        if (needsSharedData && TestPaths.SharedData is null) Skip = "../shared/data is absent beside the repository; skipped.";
        else if (PythonReference.With(modules) is null) Skip = $"python3 with {modules} is not installed (apt-get install python3-numpy python3-mrcfile python3-torch python3-onnx); reference check skipped.";
    }
}
