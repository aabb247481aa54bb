using System.Text;
using Siren.Interop.Cuda;
using Siren.Interop.Cuda.Nvrtc;

namespace Siren.Core.Tests.Cuda;

/// <summary>The kernels as shipped (embedded source) and as NVRTC compiles them; NVRTC needs no GPU.</summary>
public class NvrtcTests
{
    [Fact]
    public void KernelSourceIsEmbedded()
    {
        string source = KernelImages.Source;
        Assert.Equal(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "cuda", KernelImages.SourceName)), source);
        Assert.Contains("extern \"C\" __global__ void __launch_bounds__(THREADS_X * THREADS_Y)\nsketch_edges(", source);
        Assert.Contains("extern \"C\" __global__ void __launch_bounds__(THREADS_X * THREADS_Y)\nexpand_counts(", source);
    }

    [Fact]
    public void ProbingWithNoNvrtcFindsNothingInsteadOfThrowing()
    {
        (IntPtr handle, string? path) = NativeLibraries.Probe(["/nonexistent/libnvrtc.so.99", "libnvrtc-that-does-not-exist.so"]);
        Assert.Equal(IntPtr.Zero, handle);
        Assert.Null(path);
    }

    [Fact]
    public void CandidatesTryNewestSonamesFirstAndTheToolkitFolders()
    {
        List<string> candidates = NativeLibraries.NvrtcCandidates().ToList();
        Assert.True(candidates.IndexOf("libnvrtc.so.13") < candidates.IndexOf("libnvrtc.so.12"));
        Assert.True(candidates.IndexOf("libnvrtc.so.12") < candidates.IndexOf("libnvrtc.so.11.2"));
        Assert.Contains("/usr/local/cuda/lib64/libnvrtc.so.12", candidates);
    }

    [Fact]
    public void VersionReportsAbsenceAsAReason()
    {
        (int Major, int Minor)? version = NvrtcCompiler.TryVersion(out string reason);
        if (version is null) Assert.StartsWith("no NVRTC library found", reason);
        else Assert.StartsWith($"NVRTC {version.Value.Major}.{version.Value.Minor}", reason);
    }

    /// <summary>Compile check of cuda/cooccurrence.cu where an NVRTC library exists (SIREN_NVRTC or the loader path).</summary>
    [NvrtcFact]
    public void KernelsCompileToPtxWithoutFusedMultiplyAdd()
    {
        int architecture = NvrtcCompiler.TargetArchitecture(90);
        byte[] ptx = NvrtcCompiler.CompileToPtx(KernelImages.Source, KernelImages.SourceName, architecture);
        string text = Encoding.ASCII.GetString(ptx);
        Assert.Contains(".entry sketch_edges(", text);
        Assert.Contains(".entry expand_counts(", text);
        Assert.Contains("mul.rn.f64", text);
        Assert.DoesNotContain("fma.rn.f64", text);
        Assert.Contains("popc.b64", text);
    }

    [NvrtcFact]
    public void KernelsCompileToACubinForTheNewestSupportedGpu()
    {
        int architecture = NvrtcCompiler.SupportedArchitectures().Max();
        byte[] cubin = NvrtcCompiler.CompileToCubin(KernelImages.Source, KernelImages.SourceName, architecture);
        Assert.True(cubin.Length > 1000, $"cubin of {cubin.Length} bytes");
        Assert.Equal("\u007fELF"u8.ToArray(), cubin[..4]);
    }

    [NvrtcFact]
    public void CompileErrorsCarryTheProgramLog()
    {
        var e = Assert.Throws<NvrtcException>(() => NvrtcCompiler.CompileToPtx("extern \"C\" __global__ void broken() { undeclared = 1; }", "broken.cu", NvrtcCompiler.SupportedArchitectures().Min()));
        Assert.Contains("broken.cu", e.Message);
        Assert.Contains("undeclared", e.Message);
    }
}

/// <summary>A fact that needs an NVRTC library; skipped with the probe's reason elsewhere.</summary>
public sealed class NvrtcFactAttribute : FactAttribute
{
    public NvrtcFactAttribute()
    {
        if (NvrtcCompiler.TryVersion(out string reason) is null) Skip = reason;
    }
}
