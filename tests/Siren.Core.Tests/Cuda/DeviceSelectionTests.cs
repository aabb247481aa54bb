using System.CommandLine;
using Siren.Cli;
using Siren.Cli.Commands;
using Siren.Core.Blocks;
using Siren.Core.Kernels;
using Siren.Interop.Cuda;
using Siren.Interop.Cuda.Driver;

namespace Siren.Core.Tests.Cuda;

/// <summary>--device: the CPU when asked, the fallback when CUDA is missing, one clear line when CUDA is demanded.</summary>
public class DeviceSelectionTests
{
    [Fact]
    public void CpuGivesTheCpuBackend()
    {
        var log = new List<string>();
        using ICooccurrenceBackend backend = DeviceSelection.Create("cpu", log.Add);
        Assert.IsType<CpuCooccurrenceBackend>(backend);
        Assert.StartsWith("cpu-", backend.Name);
        Assert.Contains(log, l => l.Contains(backend.Name));
    }

    [Fact]
    public void UnknownDeviceIsAUserError()
    {
        var e = Assert.Throws<SirenException>(() => DeviceSelection.Create("tpu"));
        Assert.Contains("--device tpu", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [NoCudaFact]
    public void AutoFallsBackToTheCpuAndSaysWhy()
    {
        var log = new List<string>();
        using ICooccurrenceBackend backend = DeviceSelection.Create("auto", log.Add);
        Assert.IsType<CpuCooccurrenceBackend>(backend);
        string line = Assert.Single(log, l => l.StartsWith("device: auto chose cpu-"));
        Assert.Contains("CUDA not usable", line);
        Assert.Null(CudaCooccurrenceBackend.TryCreate(out string reason));
        Assert.Contains(reason, line);
    }

    [NoCudaFact]
    public void CudaDemandedButMissingFailsWithOneLine()
    {
        var e = Assert.Throws<SirenException>(() => DeviceSelection.Create("cuda"));
        Assert.StartsWith("--device cuda: CUDA is not usable here: ", e.Message);
        Assert.Contains("Fix:", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MissingDriverLibraryMeansNotSupported()
    {
        Assert.Null(CudaProbe.Classify(() => throw new DllNotFoundException("libcuda.so.1"), out string reason));
        Assert.Equal("no NVIDIA driver (libcuda.so.1 not found)", reason);
        Assert.Null(CudaProbe.Classify(() => throw new EntryPointNotFoundException("cuDevicePrimaryCtxRelease_v2"), out reason));
        Assert.Contains("too old", reason);
        Assert.Null(CudaProbe.Classify(() => throw new CudaException(CUresult.CUDA_ERROR_NO_DEVICE, "cuInit"), out reason));
        Assert.Equal("the NVIDIA driver reports no CUDA device", reason);
        Assert.Null(CudaProbe.Classify(() => throw new CudaException(CUresult.CUDA_ERROR_STUB_LIBRARY, "cuInit"), out reason));
        Assert.Contains("stub", reason);
    }

    [NoDriverFact]
    public void ProbeWithoutADriverIsNotSupportedRatherThanACrash()
    {
        Assert.Null(CudaProbe.TryFindDevice(out string reason));
        Assert.Equal("no NVIDIA driver (libcuda.so.1 not found)", reason);
        Assert.Null(CudaCooccurrenceBackend.TryCreate(out string again));
        Assert.Equal(reason, again);
    }

    [Fact]
    public void DriverErrorsWithoutADriverStillDescribeThemselves()
    {
        var e = new CudaException(CUresult.CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc_v2");
        Assert.StartsWith("cuMemAlloc_v2 failed: ", e.Message);
        Assert.Equal(CUresult.CUDA_ERROR_OUT_OF_MEMORY, e.Result);
    }

    /// <summary>The sketch command end to end: --device auto runs on the CPU here and the manifest names the backend; --device cuda exits 2.</summary>
    [NoCudaFact]
    public void SketchCommandRecordsTheBackendAndRejectsMissingCuda()
    {
        string maps = TestPaths.NewTempDir();
        const int box = 12;
        Synthetic.WriteEnsemble(maps, box, 60, Synthetic.Cube(box, 3, 3, 3, 4), [new Synthetic.Region(Synthetic.Cube(box, 7, 3, 3, 3), 0.4)], 2);
        string outdir = TestPaths.NewTempDir();
        var root = new RootCommand { SketchCommand.Create() };
        string[] common = ["sketch", "--voldir", maps, "--threshold", "0.5", "--outdir", outdir, "--seed", "1"];

        Assert.Equal(0, CliHost.Run(root, [.. common, "--device", "auto"]));
        string backend = RunManifest.ReadParameters(Path.Combine(outdir, BlockDetection.SketchFolder))["backend"]!.GetValue<string>();
        Assert.Equal(new CpuCooccurrenceBackend().Name, backend);

        Assert.Equal(2, CliHost.Run(root, [.. common, "--device", "cuda"]));
    }
}

/// <summary>A fact about a machine with no libcuda.so.1 at all; skipped where one loads (a driver, or the emulated one).</summary>
public sealed class NoDriverFactAttribute : FactAttribute
{
    public NoDriverFactAttribute()
    {
        if (System.Runtime.InteropServices.NativeLibrary.TryLoad("libcuda.so.1", out IntPtr handle))
        {
            System.Runtime.InteropServices.NativeLibrary.Free(handle);
            Skip = "libcuda.so.1 loads here; this test covers machines without a driver.";
        }
    }
}
