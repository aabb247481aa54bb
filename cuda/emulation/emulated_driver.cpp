// An emulated CUDA driver: a libcuda.so.1 that exports the driver API calls Siren.Interop.Cuda makes
// and runs cooccurrence.cu's kernels on the CPU through cuda_emulation.h. Device memory is host memory,
// streams are synchronous, module images are accepted and ignored (the kernels are compiled in).
// Put its folder first on LD_LIBRARY_PATH and the CUDA backend tests run the whole host path (probe,
// NVRTC, argument marshalling, launches in slices, overflow retry, read-back) without a GPU:
//   LD_LIBRARY_PATH=cmake/build dotnet test ... --filter "FullyQualifiedName~Siren.Core.Tests.Cuda"
// For tests only: it is slow (a thread per emulated GPU thread) and knows just these two kernels.
#include "cuda_emulation.h"
#include "../cooccurrence.cu"
#include <cstring>
#include <cstdint>

typedef int CUresult;
enum { CUDA_SUCCESS = 0, CUDA_ERROR_INVALID_VALUE = 1, CUDA_ERROR_OUT_OF_MEMORY = 2, CUDA_ERROR_NOT_FOUND = 500 };
enum { SKETCH = 1, EXPAND = 2 };

template <class T> static T arg(void** params, int i) { return *static_cast<T*>(params[i]); }

extern "C" {

CUresult cuInit(unsigned) { return CUDA_SUCCESS; }
CUresult cuDriverGetVersion(int* version) { *version = 12040; return CUDA_SUCCESS; }
CUresult cuDeviceGetCount(int* count) { *count = 1; return CUDA_SUCCESS; }
CUresult cuDeviceGet(int* device, int ordinal) { *device = ordinal; return ordinal == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE; }
CUresult cuDeviceGetName(char* name, int length, int) { std::snprintf(name, length, "Siren emulated GPU"); return CUDA_SUCCESS; }
CUresult cuDeviceGetAttribute(int* value, int attribute, int)
{
    switch (attribute)
    {
        case 13: *value = 1000000; return CUDA_SUCCESS;   // clock rate, kHz
        case 16: *value = 1; return CUDA_SUCCESS;         // multiprocessors
        case 75: *value = 9; return CUDA_SUCCESS;         // compute capability 9.0
        case 76: *value = 0; return CUDA_SUCCESS;
        default: return CUDA_ERROR_INVALID_VALUE;
    }
}
CUresult cuDeviceTotalMem_v2(size_t* bytes, int) { *bytes = size_t(1) << 32; return CUDA_SUCCESS; }

static int context_tag;
CUresult cuDevicePrimaryCtxRetain(void** context, int) { *context = &context_tag; return CUDA_SUCCESS; }
CUresult cuDevicePrimaryCtxRelease_v2(int) { return CUDA_SUCCESS; }
CUresult cuCtxSetCurrent(void*) { return CUDA_SUCCESS; }

static int module_tag;
CUresult cuModuleLoadData(void** module, const void*) { *module = &module_tag; return CUDA_SUCCESS; }
CUresult cuModuleLoadDataEx(void** module, const void*, unsigned, int*, void**) { *module = &module_tag; return CUDA_SUCCESS; }
CUresult cuModuleUnload(void*) { return CUDA_SUCCESS; }
CUresult cuModuleGetFunction(void** function, void*, const char* name)
{
    if (std::strcmp(name, "sketch_edges") == 0) { *function = reinterpret_cast<void*>(SKETCH); return CUDA_SUCCESS; }
    if (std::strcmp(name, "expand_counts") == 0) { *function = reinterpret_cast<void*>(EXPAND); return CUDA_SUCCESS; }
    return CUDA_ERROR_NOT_FOUND;
}

CUresult cuMemAlloc_v2(unsigned long long* pointer, size_t bytes)
{
    void* memory = std::malloc(bytes);
    if (!memory) return CUDA_ERROR_OUT_OF_MEMORY;
    *pointer = reinterpret_cast<uintptr_t>(memory);
    return CUDA_SUCCESS;
}
CUresult cuMemFree_v2(unsigned long long pointer) { std::free(reinterpret_cast<void*>(pointer)); return CUDA_SUCCESS; }
CUresult cuMemcpyHtoD_v2(unsigned long long destination, const void* source, size_t bytes) { std::memcpy(reinterpret_cast<void*>(destination), source, bytes); return CUDA_SUCCESS; }
CUresult cuMemcpyDtoH_v2(void* destination, unsigned long long source, size_t bytes) { std::memcpy(destination, reinterpret_cast<void*>(source), bytes); return CUDA_SUCCESS; }
CUresult cuMemcpyHtoDAsync_v2(unsigned long long destination, const void* source, size_t bytes, void*) { return cuMemcpyHtoD_v2(destination, source, bytes); }
CUresult cuMemcpyDtoHAsync_v2(void* destination, unsigned long long source, size_t bytes, void*) { return cuMemcpyDtoH_v2(destination, source, bytes); }
CUresult cuMemsetD32_v2(unsigned long long destination, unsigned value, size_t count)
{
    unsigned* words = reinterpret_cast<unsigned*>(destination);
    std::fill(words, words + count, value);
    return CUDA_SUCCESS;
}
CUresult cuMemsetD32Async(unsigned long long destination, unsigned value, size_t count, void*) { return cuMemsetD32_v2(destination, value, count); }

static int stream_tag;
CUresult cuStreamCreate(void** stream, unsigned) { *stream = &stream_tag; return CUDA_SUCCESS; }
CUresult cuStreamSynchronize(void*) { return CUDA_SUCCESS; }
CUresult cuStreamDestroy_v2(void*) { return CUDA_SUCCESS; }

CUresult cuGetErrorName(CUresult error, const char** name)
{
    *name = error == CUDA_SUCCESS ? "CUDA_SUCCESS" : "CUDA_ERROR_EMULATED";
    return CUDA_SUCCESS;
}
CUresult cuGetErrorString(CUresult error, const char** message)
{
    *message = error == CUDA_SUCCESS ? "no error" : "emulated driver error";
    return CUDA_SUCCESS;
}

// Parameters arrive as the real driver receives them: one pointer per kernel parameter, in order.
CUresult cuLaunchKernel(void* function, unsigned gridX, unsigned gridY, unsigned gridZ, unsigned blockX, unsigned blockY, unsigned blockZ,
                        unsigned, void*, void** p, void**)
{
    if (gridZ != 1 || blockZ != 1 || blockX != THREADS_X || blockY != THREADS_Y) return CUDA_ERROR_INVALID_VALUE;
    typedef const int* ints;
    switch (reinterpret_cast<uintptr_t>(function))
    {
        case SKETCH:
            launch({gridX, gridY, 1}, {blockX, blockY, 1}, [=] {
                sketch_edges(arg<const u64*>(p, 0), arg<ints>(p, 1), arg<ints>(p, 2), arg<ints>(p, 3), arg<ints>(p, 4),
                             arg<int>(p, 5), arg<int>(p, 6), arg<int>(p, 7), arg<const double*>(p, 8),
                             arg<EdgeTable>(p, 9), arg<EdgeTable>(p, 10), arg<int>(p, 11),
                             arg<u64*>(p, 12), arg<u64*>(p, 13), arg<u64*>(p, 14), arg<u64*>(p, 15), arg<u64>(p, 16), arg<int>(p, 17));
            });
            return CUDA_SUCCESS;
        case EXPAND:
            launch({gridX, gridY, 1}, {blockX, blockY, 1}, [=] {
                expand_counts(arg<const u64*>(p, 0), arg<ints>(p, 1), arg<ints>(p, 2), arg<ints>(p, 3), arg<ints>(p, 4),
                              arg<int>(p, 5), arg<int>(p, 6), arg<int>(p, 7), arg<const double*>(p, 8),
                              arg<ints>(p, 9), arg<ints>(p, 10), arg<int>(p, 11), arg<ints>(p, 12), arg<int>(p, 13),
                              arg<EdgeTable>(p, 14), arg<EdgeTable>(p, 15), arg<int>(p, 16), arg<int*>(p, 17), arg<int>(p, 18));
            });
            return CUDA_SUCCESS;
        default:
            return CUDA_ERROR_INVALID_VALUE;
    }
}

}
