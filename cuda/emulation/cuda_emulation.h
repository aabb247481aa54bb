// A CPU emulation of the CUDA execution model, just enough for cooccurrence.cu, so that the kernels'
// tiling, triangle and tail handling, rule selection and atomics can be checked on a machine without
// a GPU (cmake/ builds and runs it as a test). One block runs at a time, its threads as std::threads
// meeting at a barrier for __syncthreads; __shared__ becomes static, which is right while one block lives.
// It checks the kernels' logic, not their speed or the GPU's arithmetic (that is the GPU tests' job).
#pragma once
#include <thread>
#include <barrier>
#include <vector>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
struct dim3 { unsigned x = 1, y = 1, z = 1; };
thread_local dim3 threadIdx, blockIdx;
dim3 blockDim, gridDim;
std::barrier<>* g_barrier;
#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(x)
#define __shared__ static
inline void __syncthreads() { g_barrier->arrive_and_wait(); }
inline int __popcll(unsigned long long v) { return __builtin_popcountll(v); }
inline double __dmul_rn(double a, double b) { return a * b; }
using std::min; using std::max;
inline unsigned long long atomicAdd(unsigned long long* p, unsigned long long v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
inline int atomicAdd(int* p, int v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
template <class F> void launch(dim3 grid, dim3 block, F kernel)
{
    gridDim = grid; blockDim = block;
    for (unsigned by = 0; by < grid.y; by++)
        for (unsigned bx = 0; bx < grid.x; bx++)
        {
            std::barrier<> bar(block.x * block.y);
            g_barrier = &bar;
            std::vector<std::thread> threads;
            for (unsigned ty = 0; ty < block.y; ty++)
                for (unsigned tx = 0; tx < block.x; tx++)
                    threads.emplace_back([=] { threadIdx = {tx, ty, 0}; blockIdx = {bx, by, 0}; kernel(); });
            for (auto& t : threads) t.join();
        }
}
