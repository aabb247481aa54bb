using System.Reflection;
using System.Runtime.InteropServices;

namespace Siren.Interop.Cuda;

/// <summary>
/// Maps this assembly's logical library names to files: "cuda" to the driver (libcuda.so.1, installed
/// by the NVIDIA driver, never by the toolkit) and "nvrtc" to the newest NVRTC found by probing
/// versioned sonames and the usual toolkit folders, since the toolkit's lib64 is often not on the
/// loader path. One resolver per assembly is all .NET allows, so both libraries share this one.
/// </summary>
internal static class NativeLibraries
{
    public const string Driver = "cuda";
    public const string Nvrtc = "nvrtc";

    private static int _registered;
    private static readonly Lazy<(IntPtr Handle, string? Path)> NvrtcLibrary = new(() => Probe(NvrtcCandidates()));

    /// <summary>The NVRTC file that was loaded, or null when none was found.</summary>
    public static string? NvrtcPath => NvrtcLibrary.Value.Path;

    public static void EnsureResolver()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
            NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) => name switch
    {
        Driver => NativeLibrary.TryLoad(OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1", out IntPtr h) ? h : IntPtr.Zero,
        Nvrtc => NvrtcLibrary.Value.Handle,
        _ => IntPtr.Zero,
    };

    /// <summary>The first candidate that loads; (Zero, null) when none does.</summary>
    internal static (IntPtr Handle, string? Path) Probe(IEnumerable<string> candidates)
    {
        foreach (string candidate in candidates)
            if (NativeLibrary.TryLoad(candidate, out IntPtr handle)) return (handle, candidate);
        return (IntPtr.Zero, null);
    }

    /// <summary>
    /// SIREN_NVRTC (an explicit file) first, then sonames newest first (CUDA 13, 12, 11.x keeps the
    /// 11.2 soname), each bare (loader path) and under CUDA_PATH, CUDA_HOME and /usr/local/cuda*.
    /// </summary>
    internal static IEnumerable<string> NvrtcCandidates()
    {
        string? explicitPath = Environment.GetEnvironmentVariable("SIREN_NVRTC");
        if (!string.IsNullOrEmpty(explicitPath)) yield return explicitPath;

        string[] names = OperatingSystem.IsWindows()
            ? ["nvrtc64_130_0.dll", "nvrtc64_120_0.dll", "nvrtc64_112_0.dll"]
            : ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"];
        var folders = new List<string>();
        foreach (string variable in new[] { "CUDA_PATH", "CUDA_HOME" })
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } root) folders.Add(Path.Combine(root, "lib64"));
        folders.Add("/usr/local/cuda/lib64");
        if (Directory.Exists("/usr/local"))
            folders.AddRange(Directory.GetDirectories("/usr/local", "cuda-*").OrderDescending(StringComparer.Ordinal).Select(d => Path.Combine(d, "lib64")));

        foreach (string name in names)
        {
            yield return name;
            foreach (string folder in folders) yield return Path.Combine(folder, name);
        }
    }
}
