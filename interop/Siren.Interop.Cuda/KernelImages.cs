using System.Text;
using Siren.Interop.Cuda.Driver;
using Siren.Interop.Cuda.Nvrtc;

namespace Siren.Interop.Cuda;

/// <summary>
/// The co-occurrence kernels as they travel in this assembly: the cuda/cooccurrence.cu source always,
/// plus the PTX and sm_90 cubin when cmake/ built them with nvcc. <see cref="Load"/> takes the best
/// one that the device accepts: the cubin on sm_90, else the PTX (the driver JIT-compiles it for
/// newer GPUs), else the source compiled by NVRTC for this device (a cubin, or PTX for a GPU newer
/// than the NVRTC).
/// </summary>
public static class KernelImages
{
    public const string SourceName = "cooccurrence.cu";
    private const string Prefix = "Siren.Cuda.cooccurrence.";

    public static string Source { get; } = Encoding.UTF8.GetString(Resource("cu") ?? throw new InvalidOperationException("kernel source cooccurrence.cu is not embedded in Siren.Interop.Cuda"));

    /// <summary>nvcc's PTX (compute_70), NUL-terminated, or null when the build had no nvcc.</summary>
    public static byte[]? Ptx { get; } = Resource("ptx") is { } ptx ? [.. ptx, 0] : null;

    /// <summary>nvcc's cubin for sm_90, or null when the build had no nvcc.</summary>
    public static byte[]? Cubin90 { get; } = Resource("sm_90.cubin");

    /// <summary>Loads a module for <paramref name="device"/>; says which image it used, and why earlier ones were skipped, through <paramref name="log"/>.</summary>
    public static (CudaModuleHandle Module, string Image) Load(CudaContextHandle context, CudaDevice device, Action<string>? log)
    {
        if (Cubin90 is not null && device.ComputeCapability == 90 && TryLoad(context, Cubin90, "embedded sm_90 cubin", log) is { } embeddedCubin)
            return (embeddedCubin, "embedded sm_90 cubin");
        if (Ptx is not null && TryLoad(context, Ptx, "embedded PTX", log) is { } embeddedPtx)
            return (embeddedPtx, "embedded PTX");

        if (NvrtcCompiler.TryVersion(out string nvrtc) is null)
            throw new NvrtcException(0, $"no prebuilt kernel fits this GPU and {nvrtc}");
        int architecture = NvrtcCompiler.TargetArchitecture(device.ComputeCapability);
        // A cubin for exactly this GPU needs no PTX JIT, so it loads even when the toolkit's NVRTC is
        // newer than the driver; PTX covers a GPU newer than this NVRTC knows.
        if (architecture == device.ComputeCapability)
        {
            byte[] cubin = NvrtcCompiler.CompileToCubin(Source, SourceName, architecture);
            if (TryLoad(context, cubin, $"NVRTC sm_{architecture} cubin", log) is { } compiled)
                return (compiled, $"{nvrtc}, sm_{architecture} cubin");
        }
        byte[] ptx = NvrtcCompiler.CompileToPtx(Source, SourceName, architecture);
        return (DriverApi.LoadModule(context, ptx), $"{nvrtc}, compute_{architecture} PTX");
    }

    private static CudaModuleHandle? TryLoad(CudaContextHandle context, byte[] image, string what, Action<string>? log)
    {
        try
        {
            return DriverApi.LoadModule(context, image);
        }
        catch (CudaException e)
        {
            log?.Invoke($"cuda: {what} did not load ({e.Message}); trying the next image.");
            return null;
        }
    }

    private static byte[]? Resource(string suffix)
    {
        using Stream? stream = typeof(KernelImages).Assembly.GetManifestResourceStream(Prefix + suffix);
        if (stream is null) return null;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
