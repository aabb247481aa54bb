using System.Runtime.InteropServices;
using System.Text;

namespace Siren.Interop.Cuda.Driver;

/// <summary>
/// PascalCase wrappers over <see cref="NativeMethods"/>: every result is checked and a failure becomes a
/// <see cref="CudaException"/> carrying the driver's message; resources come back as safe handles.
/// </summary>
public static unsafe class DriverApi
{
    public static void Check(CUresult result, string call)
    {
        if (result != CUresult.CUDA_SUCCESS) throw new CudaException(result, call);
    }

    /// <summary>cuGetErrorName, or the number when the driver cannot say (or is not loaded).</summary>
    public static string ErrorName(CUresult result) => Describe(result, name: true) ?? $"CUresult {(int)result}";

    /// <summary>cuGetErrorString, or "no driver message" when the driver cannot say.</summary>
    public static string ErrorString(CUresult result) => Describe(result, name: false) ?? "no driver message";

    private static string? Describe(CUresult result, bool name)
    {
        try
        {
            IntPtr text;
            CUresult status = name ? NativeMethods.cuGetErrorName(result, out text) : NativeMethods.cuGetErrorString(result, out text);
            return status == CUresult.CUDA_SUCCESS && text != IntPtr.Zero ? Marshal.PtrToStringUTF8(text) : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    public static void Init() => Check(NativeMethods.cuInit(0), "cuInit");

    /// <summary>The driver's CUDA version as 1000·major + 10·minor (12040 = 12.4).</summary>
    public static int DriverVersion()
    {
        Check(NativeMethods.cuDriverGetVersion(out int version), "cuDriverGetVersion");
        return version;
    }

    public static int DeviceCount()
    {
        Check(NativeMethods.cuDeviceGetCount(out int count), "cuDeviceGetCount");
        return count;
    }

    public static int GetDevice(int ordinal)
    {
        Check(NativeMethods.cuDeviceGet(out int device, ordinal), "cuDeviceGet");
        return device;
    }

    public static string DeviceName(int device)
    {
        byte* name = stackalloc byte[256];
        Check(NativeMethods.cuDeviceGetName(name, 256, device), "cuDeviceGetName");
        return Marshal.PtrToStringUTF8((IntPtr)name) ?? "";
    }

    public static int DeviceAttribute(int device, CUdevice_attribute attribute)
    {
        Check(NativeMethods.cuDeviceGetAttribute(out int value, attribute, device), "cuDeviceGetAttribute");
        return value;
    }

    public static long DeviceTotalMemory(int device)
    {
        Check(NativeMethods.cuDeviceTotalMem_v2(out nuint bytes, device), "cuDeviceTotalMem_v2");
        return (long)bytes;
    }

    /// <summary>Retains the device's primary context and makes it current on this thread.</summary>
    public static CudaContextHandle RetainPrimaryContext(int device)
    {
        Check(NativeMethods.cuDevicePrimaryCtxRetain(out IntPtr context, device), "cuDevicePrimaryCtxRetain");
        var handle = new CudaContextHandle(context, device);
        handle.MakeCurrent();
        return handle;
    }

    /// <summary>
    /// Loads a cubin or NUL-terminated PTX image into the current context. A PTX image is compiled by
    /// the driver's JIT; its error log is put into the exception so a bad PTX says why.
    /// </summary>
    public static CudaModuleHandle LoadModule(CudaContextHandle context, ReadOnlySpan<byte> image)
    {
        const int logBytes = 8192;
        byte[] log = new byte[logBytes];
        CUjit_option* options = stackalloc CUjit_option[2];
        void** values = stackalloc void*[2];
        CUresult result;
        IntPtr module;
        fixed (byte* imagePointer = image)
        fixed (byte* logPointer = log)
        {
            options[0] = CUjit_option.CU_JIT_ERROR_LOG_BUFFER;
            values[0] = logPointer;
            options[1] = CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES;
            values[1] = (void*)(nuint)logBytes;
            result = NativeMethods.cuModuleLoadDataEx(out module, imagePointer, 2, options, values);
        }
        if (result != CUresult.CUDA_SUCCESS)
        {
            string detail = Encoding.UTF8.GetString(log).TrimEnd('\0').Trim();
            throw detail.Length > 0 ? new CudaException(result, "cuModuleLoadDataEx", detail) : new CudaException(result, "cuModuleLoadDataEx");
        }
        return new CudaModuleHandle(context, module);
    }

    public static IntPtr GetFunction(CudaModuleHandle module, string name)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* namePointer = utf8)
        {
            Check(NativeMethods.cuModuleGetFunction(out IntPtr function, module.DangerousGetHandle(), namePointer), $"cuModuleGetFunction({name})");
            return function;
        }
    }

    public static DeviceMemory Allocate(CudaContextHandle context, long bytes)
    {
        // A zero-byte allocation is an error to the driver; kernels never read an empty buffer, so allocate one word.
        long size = Math.Max(bytes, 8);
        Check(NativeMethods.cuMemAlloc_v2(out ulong pointer, (nuint)size), $"cuMemAlloc_v2({size} bytes)");
        return new DeviceMemory(context, pointer, size);
    }

    /// <summary>Allocates and fills device memory from <paramref name="source"/> (synchronous copy).</summary>
    public static DeviceMemory Upload<T>(CudaContextHandle context, ReadOnlySpan<T> source) where T : unmanaged
    {
        DeviceMemory memory = Allocate(context, (long)source.Length * sizeof(T));
        CopyToDevice(memory, source);
        return memory;
    }

    public static void CopyToDevice<T>(DeviceMemory destination, ReadOnlySpan<T> source) where T : unmanaged
    {
        if (source.IsEmpty) return;
        fixed (T* pointer = source)
            Check(NativeMethods.cuMemcpyHtoD_v2(destination.Pointer, pointer, (nuint)((long)source.Length * sizeof(T))), "cuMemcpyHtoD_v2");
    }

    public static void CopyToHost<T>(Span<T> destination, DeviceMemory source) where T : unmanaged
    {
        if (destination.IsEmpty) return;
        fixed (T* pointer = destination)
            Check(NativeMethods.cuMemcpyDtoH_v2(pointer, source.Pointer, (nuint)((long)destination.Length * sizeof(T))), "cuMemcpyDtoH_v2");
    }

    /// <summary>Queues a device-to-host copy; <paramref name="destination"/> stays pinned until the stream is synchronized.</summary>
    public static void CopyToHostAsync(void* destination, DeviceMemory source, long bytes, CudaStreamHandle stream) =>
        Check(NativeMethods.cuMemcpyDtoHAsync_v2(destination, source.Pointer, (nuint)bytes, stream.DangerousGetHandle()), "cuMemcpyDtoHAsync_v2");

    /// <summary>Queues setting <paramref name="count"/> 32-bit words to <paramref name="value"/>.</summary>
    public static void Fill32Async(DeviceMemory destination, uint value, long count, CudaStreamHandle stream) =>
        Check(NativeMethods.cuMemsetD32Async(destination.Pointer, value, (nuint)count, stream.DangerousGetHandle()), "cuMemsetD32Async");

    public static CudaStreamHandle CreateStream(CudaContextHandle context)
    {
        Check(NativeMethods.cuStreamCreate(out IntPtr stream, 0), "cuStreamCreate");
        return new CudaStreamHandle(context, stream);
    }

    public static void Synchronize(CudaStreamHandle stream) =>
        Check(NativeMethods.cuStreamSynchronize(stream.DangerousGetHandle()), "cuStreamSynchronize");

    /// <summary>
    /// Queues a kernel on <paramref name="stream"/> and returns at once. <paramref name="arguments"/>
    /// holds one pointer per kernel parameter, each to a value laid out as the kernel declares it.
    /// </summary>
    public static void Launch(IntPtr function, (uint X, uint Y) grid, (uint X, uint Y) block, CudaStreamHandle stream, void** arguments, string name) =>
        Check(NativeMethods.cuLaunchKernel(function, grid.X, grid.Y, 1, block.X, block.Y, 1, 0, stream.DangerousGetHandle(), arguments, null), $"cuLaunchKernel({name})");
}
