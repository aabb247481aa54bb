using Siren.Interop.Cuda.Driver;

namespace Siren.Interop.Cuda;

/// <summary>The GPU the CUDA backend runs on, as the driver describes it.</summary>
public sealed record CudaDevice(int Ordinal, string Name, int ComputeCapability, int Multiprocessors, int ClockKhz, long TotalMemory, int DriverVersion)
{
    public override string ToString() =>
        $"{Name} (sm_{ComputeCapability}, {Multiprocessors} SMs at {ClockKhz / 1000} MHz, {TotalMemory / (1L << 20)} MiB, driver CUDA {DriverVersion / 1000}.{DriverVersion % 1000 / 10})";
}

/// <summary>
/// Asks the driver, once per call, whether a CUDA device can be used. A missing driver library or a
/// missing entry point means "not supported" with a reason, never an exception (ILGPU's RuntimeAPI).
/// </summary>
public static class CudaProbe
{
    /// <summary>Device 0, or null with a one-line <paramref name="reason"/> saying why CUDA cannot run here.</summary>
    public static CudaDevice? TryFindDevice(out string reason) => Classify(FindDevice, out reason);

    /// <summary>Runs <paramref name="find"/> and turns each way the driver can be unusable into a reason.</summary>
    internal static CudaDevice? Classify(Func<CudaDevice> find, out string reason)
    {
        try
        {
            CudaDevice device = find();
            reason = $"CUDA device {device}";
            return device;
        }
        catch (DllNotFoundException)
        {
            reason = "no NVIDIA driver (libcuda.so.1 not found)";
        }
        catch (EntryPointNotFoundException e)
        {
            reason = $"the NVIDIA driver's libcuda.so.1 is too old for this program ({e.Message})";
        }
        catch (CudaException e) when (e.Result == CUresult.CUDA_ERROR_NO_DEVICE)
        {
            reason = "the NVIDIA driver reports no CUDA device";
        }
        catch (CudaException e) when (e.Result == CUresult.CUDA_ERROR_STUB_LIBRARY)
        {
            reason = "libcuda.so.1 is the toolkit's stub library, not an installed NVIDIA driver";
        }
        catch (CudaException e)
        {
            reason = $"the NVIDIA driver failed: {e.Message}";
        }
        return null;
    }

    private static CudaDevice FindDevice()
    {
        DriverApi.Init();
        if (DriverApi.DeviceCount() == 0) throw new CudaException(CUresult.CUDA_ERROR_NO_DEVICE, "cuDeviceGetCount");
        int device = DriverApi.GetDevice(0);
        int major = DriverApi.DeviceAttribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        int minor = DriverApi.DeviceAttribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        return new CudaDevice(
            device,
            DriverApi.DeviceName(device),
            10 * major + minor,
            DriverApi.DeviceAttribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
            DriverApi.DeviceAttribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_CLOCK_RATE),
            DriverApi.DeviceTotalMemory(device),
            DriverApi.DriverVersion());
    }
}
