using System.Runtime.InteropServices;

namespace Siren.Interop.Cuda.Nvrtc;

/// <summary>
/// NVRTC (nvrtc.h), the runtime CUDA C++ compiler, names kept verbatim; the library file is found by
/// probing (<see cref="NativeLibraries.NvrtcCandidates"/>). Results are nvrtcResult ints (0 = success).
/// </summary>
internal static unsafe partial class NativeMethods
{
    static NativeMethods() => NativeLibraries.EnsureResolver();

    internal const int NVRTC_SUCCESS = 0;

    [LibraryImport(NativeLibraries.Nvrtc)] internal static partial int nvrtcVersion(out int major, out int minor);
    [LibraryImport(NativeLibraries.Nvrtc)] internal static partial int nvrtcGetNumSupportedArchs(out int count);
    [LibraryImport(NativeLibraries.Nvrtc)] internal static partial int nvrtcGetSupportedArchs(int* architectures);
    [LibraryImport(NativeLibraries.Nvrtc)] internal static partial int nvrtcCreateProgram(out IntPtr program, byte* source, byte* name, int numHeaders, byte** headers, byte** includeNames);
    [LibraryImport(NativeLibraries.Nvrtc)] internal static partial int nvrtcCompileProgram(IntPtr program, int numOptions, byte** options);
    [LibraryImport(NativeLibraries.Nvrtc)] internal static partial int nvrtcGetProgramLogSize(IntPtr program, out nuint size);
    [LibraryImport(NativeLibraries.Nvrtc)] internal static partial int nvrtcGetProgramLog(IntPtr program, byte* log);
    [LibraryImport(NativeLibraries.Nvrtc)] internal static partial int nvrtcGetPTXSize(IntPtr program, out nuint size);
    [LibraryImport(NativeLibraries.Nvrtc)] internal static partial int nvrtcGetPTX(IntPtr program, byte* ptx);
    [LibraryImport(NativeLibraries.Nvrtc)] internal static partial int nvrtcGetCUBINSize(IntPtr program, out nuint size);
    [LibraryImport(NativeLibraries.Nvrtc)] internal static partial int nvrtcGetCUBIN(IntPtr program, byte* cubin);
    [LibraryImport(NativeLibraries.Nvrtc)] internal static partial int nvrtcDestroyProgram(ref IntPtr program);
    [LibraryImport(NativeLibraries.Nvrtc)] internal static partial IntPtr nvrtcGetErrorString(int result);
}
