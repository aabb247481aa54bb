using System.Runtime.InteropServices;

namespace Siren.Interop.Cuda.Driver;

/// <summary>A retained primary context of one device; releasing it drops this process's reference.</summary>
public sealed class CudaContextHandle : SafeHandle
{
    internal CudaContextHandle(IntPtr context, int device) : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(context);
        Device = device;
    }

    public int Device { get; }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Makes this context current on the calling thread (driver calls are per-thread).</summary>
    public void MakeCurrent() => DriverApi.Check(NativeMethods.cuCtxSetCurrent(handle), "cuCtxSetCurrent");

    protected override bool ReleaseHandle() => NativeMethods.cuDevicePrimaryCtxRelease_v2(Device) == CUresult.CUDA_SUCCESS;
}

/// <summary>
/// A driver object that lives in a context: it holds a reference on the context so the context
/// outlives it, and makes the context current before freeing (the finalizer thread has none current).
/// </summary>
public abstract class ContextBoundHandle : SafeHandle
{
    private readonly CudaContextHandle _context;

    protected ContextBoundHandle(CudaContextHandle context, IntPtr value) : base(IntPtr.Zero, ownsHandle: true)
    {
        bool added = false;
        context.DangerousAddRef(ref added);
        _context = context;
        SetHandle(value);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected sealed override bool ReleaseHandle()
    {
        bool freed = NativeMethods.cuCtxSetCurrent(_context.DangerousGetHandle()) == CUresult.CUDA_SUCCESS && Free(handle);
        _context.DangerousRelease();
        return freed;
    }

    protected abstract bool Free(IntPtr value);
}

/// <summary>A loaded module (CUmodule).</summary>
public sealed class CudaModuleHandle : ContextBoundHandle
{
    internal CudaModuleHandle(CudaContextHandle context, IntPtr module) : base(context, module) { }

    protected override bool Free(IntPtr value) => NativeMethods.cuModuleUnload(value) == CUresult.CUDA_SUCCESS;
}

/// <summary>A stream (CUstream); work on one stream runs in order, asynchronously to the host.</summary>
public sealed class CudaStreamHandle : ContextBoundHandle
{
    internal CudaStreamHandle(CudaContextHandle context, IntPtr stream) : base(context, stream) { }

    protected override bool Free(IntPtr value) => NativeMethods.cuStreamDestroy_v2(value) == CUresult.CUDA_SUCCESS;
}

/// <summary>A device allocation (CUdeviceptr) of <see cref="Bytes"/> bytes.</summary>
public sealed class DeviceMemory : ContextBoundHandle
{
    internal DeviceMemory(CudaContextHandle context, ulong pointer, long bytes) : base(context, (IntPtr)(long)pointer)
    {
        Bytes = bytes;
    }

    public long Bytes { get; }

    /// <summary>The CUdeviceptr, for kernel arguments.</summary>
    public ulong Pointer => (ulong)(long)DangerousGetHandle();

    protected override bool Free(IntPtr value) => NativeMethods.cuMemFree_v2((ulong)(long)value) == CUresult.CUDA_SUCCESS;
}
