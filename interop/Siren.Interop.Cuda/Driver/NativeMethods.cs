using System.Runtime.InteropServices;

namespace Siren.Interop.Cuda.Driver;

/// <summary>
/// The CUDA driver API (cuda.h) as exported by libcuda.so.1, names and argument order kept verbatim.
/// Handles (CUcontext, CUmodule, CUfunction, CUstream) are IntPtr, CUdevice is int, CUdeviceptr is
/// ulong. Versioned exports (_v2) are the ones cuda.h maps the plain names to since CUDA 4/11.
/// Nothing here checks results: <see cref="DriverApi"/> does.
/// </summary>
internal static unsafe partial class NativeMethods
{
    static NativeMethods() => NativeLibraries.EnsureResolver();

    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuInit(uint flags);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuDriverGetVersion(out int version);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuDeviceGetCount(out int count);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuDeviceGet(out int device, int ordinal);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuDeviceGetName(byte* name, int length, int device);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuDeviceGetAttribute(out int value, CUdevice_attribute attribute, int device);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuDeviceTotalMem_v2(out nuint bytes, int device);

    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuDevicePrimaryCtxRetain(out IntPtr context, int device);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuDevicePrimaryCtxRelease_v2(int device);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuCtxSetCurrent(IntPtr context);

    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuModuleLoadData(out IntPtr module, byte* image);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuModuleLoadDataEx(out IntPtr module, byte* image, uint numOptions, CUjit_option* options, void** optionValues);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuModuleGetFunction(out IntPtr function, IntPtr module, byte* name);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuModuleUnload(IntPtr module);

    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuMemAlloc_v2(out ulong pointer, nuint bytes);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuMemFree_v2(ulong pointer);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuMemcpyHtoD_v2(ulong destination, void* source, nuint bytes);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuMemcpyDtoH_v2(void* destination, ulong source, nuint bytes);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuMemcpyHtoDAsync_v2(ulong destination, void* source, nuint bytes, IntPtr stream);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuMemcpyDtoHAsync_v2(void* destination, ulong source, nuint bytes, IntPtr stream);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuMemsetD32_v2(ulong destination, uint value, nuint count);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuMemsetD32Async(ulong destination, uint value, nuint count, IntPtr stream);

    [LibraryImport(NativeLibraries.Driver)]
    internal static partial CUresult cuLaunchKernel(IntPtr function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedMemBytes, IntPtr stream, void** kernelParams, void** extra);

    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuStreamCreate(out IntPtr stream, uint flags);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuStreamSynchronize(IntPtr stream);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuStreamDestroy_v2(IntPtr stream);

    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuGetErrorString(CUresult error, out IntPtr message);
    [LibraryImport(NativeLibraries.Driver)] internal static partial CUresult cuGetErrorName(CUresult error, out IntPtr name);
}
