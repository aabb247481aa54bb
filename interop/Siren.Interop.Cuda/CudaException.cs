using Siren.Interop.Cuda.Driver;

namespace Siren.Interop.Cuda;

/// <summary>A CUDA driver call that did not return CUDA_SUCCESS, with the driver's own name and message.</summary>
public sealed class CudaException : Exception
{
    public CudaException(CUresult result, string call)
        : base($"{call} failed: {DriverApi.ErrorName(result)} ({DriverApi.ErrorString(result)})")
    {
        Result = result;
    }

    public CudaException(CUresult result, string call, string detail)
        : base($"{call} failed: {DriverApi.ErrorName(result)} ({DriverApi.ErrorString(result)}): {detail}")
    {
        Result = result;
    }

    public CUresult Result { get; }
}

/// <summary>An NVRTC call that failed; for a compile error the message carries the program log.</summary>
public sealed class NvrtcException : Exception
{
    public NvrtcException(int result, string message) : base(message)
    {
        Result = result;
    }

    public int Result { get; }
}
