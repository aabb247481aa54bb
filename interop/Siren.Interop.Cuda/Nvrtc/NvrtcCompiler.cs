using System.Runtime.InteropServices;
using System.Text;

namespace Siren.Interop.Cuda.Nvrtc;

/// <summary>
/// Compiles CUDA C++ source to PTX with NVRTC. No GPU or driver is needed for this step, so a
/// machine with only the NVRTC library can check that the kernels compile.
/// </summary>
public static unsafe class NvrtcCompiler
{
    /// <summary>
    /// The loaded NVRTC's version, or null with <paramref name="reason"/> when no NVRTC library loads
    /// (none installed, or one without the expected entry points).
    /// </summary>
    public static (int Major, int Minor)? TryVersion(out string reason)
    {
        try
        {
            Check(NativeMethods.nvrtcVersion(out int major, out int minor), "nvrtcVersion");
            reason = $"NVRTC {major}.{minor} ({NativeLibraries.NvrtcPath})";
            return (major, minor);
        }
        catch (DllNotFoundException)
        {
            reason = "no NVRTC library found (tried SIREN_NVRTC, libnvrtc.so.13/12/11.2 on the loader path, CUDA_PATH, CUDA_HOME and /usr/local/cuda*)";
            return null;
        }
        catch (EntryPointNotFoundException e)
        {
            reason = $"the NVRTC library {NativeLibraries.NvrtcPath} lacks an entry point: {e.Message}";
            return null;
        }
    }

    /// <summary>The compute capabilities (e.g. 90 for compute_90) this NVRTC can target.</summary>
    public static int[] SupportedArchitectures()
    {
        Check(NativeMethods.nvrtcGetNumSupportedArchs(out int count), "nvrtcGetNumSupportedArchs");
        int[] architectures = new int[count];
        fixed (int* pointer = architectures)
            Check(NativeMethods.nvrtcGetSupportedArchs(pointer), "nvrtcGetSupportedArchs");
        return architectures;
    }

    /// <summary>
    /// The newest architecture this NVRTC supports that does not exceed the device's compute capability
    /// (PTX for an older architecture runs on newer devices; the reverse does not load).
    /// </summary>
    public static int TargetArchitecture(int deviceCapability)
    {
        int[] supported = SupportedArchitectures();
        int[] usable = supported.Where(a => a <= deviceCapability).ToArray();
        if (usable.Length == 0)
            throw new NvrtcException(0, $"NVRTC supports compute_{supported.Min()} and newer; the device is compute_{deviceCapability}.");
        return usable.Max();
    }

    /// <summary>
    /// Compiles <paramref name="source"/> to NUL-terminated PTX for compute_<paramref name="architecture"/>.
    /// -fmad=false keeps every multiply-add two IEEE operations, as the CPU backend computes them.
    /// </summary>
    public static byte[] CompileToPtx(string source, string name, int architecture) =>
        Compile(source, name, $"compute_{architecture}", cubin: false);

    /// <summary>
    /// Compiles <paramref name="source"/> to a cubin (machine code) for sm_<paramref name="architecture"/>.
    /// Unlike PTX, a cubin does not need the driver's JIT to understand this NVRTC's PTX version, so it
    /// loads when the toolkit is newer than the driver (within one CUDA major version).
    /// </summary>
    public static byte[] CompileToCubin(string source, string name, int architecture) =>
        Compile(source, name, $"sm_{architecture}", cubin: true);

    private static byte[] Compile(string source, string name, string target, bool cubin)
    {
        string[] options = [$"--gpu-architecture={target}", "--fmad=false", "--std=c++14"];
        byte[] sourceUtf8 = Encoding.UTF8.GetBytes(source + "\0");
        byte[] nameUtf8 = Encoding.UTF8.GetBytes(name + "\0");
        IntPtr program;
        fixed (byte* sourcePointer = sourceUtf8)
        fixed (byte* namePointer = nameUtf8)
            Check(NativeMethods.nvrtcCreateProgram(out program, sourcePointer, namePointer, 0, null, null), "nvrtcCreateProgram");
        try
        {
            int result = CompileWithOptions(program, options);
            if (result != NativeMethods.NVRTC_SUCCESS)
                throw new NvrtcException(result, $"NVRTC could not compile {name} for {target}: {ErrorString(result)}\n{ProgramLog(program)}");
            nuint size;
            if (cubin) Check(NativeMethods.nvrtcGetCUBINSize(program, out size), "nvrtcGetCUBINSize");
            else Check(NativeMethods.nvrtcGetPTXSize(program, out size), "nvrtcGetPTXSize");
            byte[] image = new byte[(int)size];
            fixed (byte* imagePointer = image)
            {
                if (cubin) Check(NativeMethods.nvrtcGetCUBIN(program, imagePointer), "nvrtcGetCUBIN");
                else Check(NativeMethods.nvrtcGetPTX(program, imagePointer), "nvrtcGetPTX");
            }
            return image;
        }
        finally
        {
            NativeMethods.nvrtcDestroyProgram(ref program);
        }
    }

    private static int CompileWithOptions(IntPtr program, string[] options)
    {
        var pinned = new GCHandle[options.Length];
        byte** pointers = stackalloc byte*[options.Length];
        try
        {
            for (int i = 0; i < options.Length; i++)
            {
                pinned[i] = GCHandle.Alloc(Encoding.UTF8.GetBytes(options[i] + "\0"), GCHandleType.Pinned);
                pointers[i] = (byte*)pinned[i].AddrOfPinnedObject();
            }
            return NativeMethods.nvrtcCompileProgram(program, options.Length, pointers);
        }
        finally
        {
            foreach (GCHandle handle in pinned)
                if (handle.IsAllocated) handle.Free();
        }
    }

    private static string ProgramLog(IntPtr program)
    {
        if (NativeMethods.nvrtcGetProgramLogSize(program, out nuint size) != NativeMethods.NVRTC_SUCCESS || size <= 1) return "";
        byte[] log = new byte[(int)size];
        fixed (byte* pointer = log)
            if (NativeMethods.nvrtcGetProgramLog(program, pointer) != NativeMethods.NVRTC_SUCCESS) return "";
        return Encoding.UTF8.GetString(log, 0, log.Length - 1).Trim();
    }

    private static string ErrorString(int result) => Marshal.PtrToStringUTF8(NativeMethods.nvrtcGetErrorString(result)) ?? $"nvrtcResult {result}";

    private static void Check(int result, string call)
    {
        if (result != NativeMethods.NVRTC_SUCCESS) throw new NvrtcException(result, $"{call} failed: {ErrorString(result)}");
    }
}
