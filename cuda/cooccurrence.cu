// Pairwise co-occupancy kernels of Siren.Native: sketch (edges among a voxel subset) and expand
// (every voxel against every seed-block member, counted per block).
//
// Both count n11 = popcount(row_i & row_j) over bit-packed occupancy rows (bit m of word m/64 = map m
// occupied) and apply the edge test of each requested rule in the same sweep. The test must give the
// CPU backend's answer bit for bit (Siren.Core.Kernels.ICooccurrenceBackend):
//   n00 = V - f_i - f_j + n11
//   positive pass:   x = n11, capX = min(f_i, f_j);     y = n00, capY = V - max(f_i, f_j)
//   complement pass: x = n00, capX = V - max(f_i, f_j); y = n11, capY = min(f_i, f_j)
//   edge <=> (double)x > min(c * L, (double)capX) && y > min(O, capY)
// with L (a double: a reference-mode cutoff may sit a sliver below a whole count) and O (an integer)
// from the rule's cutoff tables at the ranks of (f_i, f_j), and c the locality factor read from a table
// of doubles indexed by q = (2 dx)^2 + (2 dy)^2 + (2 dz)^2 (half-voxel units). The only floating-point
// operation is c * L: it is one IEEE multiply (__dmul_rn) so that no compiler can fuse it into an FMA,
// and the host also compiles with -fmad=false.
//
// Self-contained on purpose: NVRTC compiles this file at run time without any CUDA headers.

#define TILE 64        // rows per tile side: a block computes a TILE x TILE patch of pairs
#define THREADS_X 16   // block is THREADS_X x THREADS_Y threads, each computing a 4 x 4 micro-tile
#define THREADS_Y 16
#define MICRO 4        // TILE == MICRO * THREADS_X == MICRO * THREADS_Y
#define WORD_CHUNK 8   // words of each row staged in shared memory at a time; rows are padded to a multiple of 8 words

typedef unsigned long long u64;

// One rule's cutoff tables in device memory (SignificanceTable): rank[f] indexes a size x size
// row-major table; pass is 0 (positive) or 1 (complement). Layout matches the host's EdgeTableArgs.
struct EdgeTable
{
    const int* rank;
    const double* local;
    const int* other;
    int size;
    int pass;
};

__device__ __forceinline__ bool is_edge(int n11, int fi, int fj, int maps, double c, const EdgeTable& t)
{
    int n00 = maps - fi - fj + n11;
    int lo = min(fi, fj);
    int hi = max(fi, fj);
    int x, capX, y, capY;
    if (t.pass == 0) { x = n11; capX = lo; y = n00; capY = maps - hi; }
    else { x = n00; capX = maps - hi; y = n11; capY = lo; }
    int ri = t.rank[fi], rj = t.rank[fj];
    if (ri < 0 || rj < 0) return false;   // a count the table was not built for never makes an edge (as on the CPU)
    int cell = ri * t.size + rj;
    double scaled = __dmul_rn(c, t.local[cell]);
    double localLimit = scaled < (double)capX ? scaled : (double)capX;
    int other = t.other[cell];
    int otherLimit = other < capY ? other : capY;
    return (double)x > localLimit && y > otherLimit;
}

// Stages words [w0, w0 + WORD_CHUNK) of rows [start, start + TILE) into s_tile[word][row], transposed
// so that the compute loop reads consecutive rows across a warp. Rows at or past `limit` are zero,
// which adds nothing to any popcount. With g_index the tile's rows are g_index[start + r] (a gather
// from the full matrix); without it they are start + r.
__device__ __forceinline__ void stage_tile(u64 (*s_tile)[TILE + 1], const u64* __restrict__ g_bits,
                                           const int* __restrict__ g_index, long long start, long long limit,
                                           int words, int w0)
{
    int thread = threadIdx.y * THREADS_X + threadIdx.x;
    for (int t = thread; t < WORD_CHUNK * TILE; t += THREADS_X * THREADS_Y)
    {
        int r = t / WORD_CHUNK;   // consecutive threads read consecutive words of one row: coalesced
        int w = t % WORD_CHUNK;
        long long row = start + r;
        u64 value = 0;
        if (row < limit)
        {
            long long source = g_index ? (long long)g_index[row] : row;
            value = g_bits[source * words + w0 + w];
        }
        s_tile[w][r] = value;
    }
}

// Accumulates n11 for the thread's MICRO x MICRO pairs: rows threadIdx.y + THREADS_Y * a of tile A
// against rows threadIdx.x + THREADS_X * b of tile B, over all words.
__device__ __forceinline__ void count_tile(int (&n11)[MICRO][MICRO], u64 (*s_a)[TILE + 1], u64 (*s_b)[TILE + 1],
                                           const u64* __restrict__ g_bits,
                                           const int* __restrict__ g_index_a, long long start_a, long long limit_a,
                                           const int* __restrict__ g_index_b, long long start_b, long long limit_b,
                                           int words)
{
#pragma unroll
    for (int a = 0; a < MICRO; a++)
#pragma unroll
        for (int b = 0; b < MICRO; b++) n11[a][b] = 0;
    for (int w0 = 0; w0 < words; w0 += WORD_CHUNK)
    {
        stage_tile(s_a, g_bits, g_index_a, start_a, limit_a, words, w0);
        stage_tile(s_b, g_bits, g_index_b, start_b, limit_b, words, w0);
        __syncthreads();
#pragma unroll
        for (int w = 0; w < WORD_CHUNK; w++)
        {
            u64 ra[MICRO], rb[MICRO];
#pragma unroll
            for (int a = 0; a < MICRO; a++) ra[a] = s_a[w][threadIdx.y + THREADS_Y * a];
#pragma unroll
            for (int b = 0; b < MICRO; b++) rb[b] = s_b[w][threadIdx.x + THREADS_X * b];
#pragma unroll
            for (int a = 0; a < MICRO; a++)
#pragma unroll
                for (int b = 0; b < MICRO; b++) n11[a][b] += __popcll(ra[a] & rb[b]);
        }
        __syncthreads();
    }
}

// Sketch: every unordered pair (i, j), i < j, of the n rows of g_bits is tested against one or two
// rules; each passing pair is appended to its rule's edge buffer as (i << 32) | j.
// Preconditions:
//   - launched with blockDim = (16, 16, 1); gridDim.x = ceil(n / 64) tiles of j, gridDim.y tiles of i
//     starting at tile tileOffset (the host splits the i range over several launches);
//   - words % 8 == 0 (OccupancyMatrix pads rows to 512 bits) and zero bits past the last map;
//   - g_factors covers q up to 12 (box - 1)^2; rank[f] < 0 (a count a table was not built for) means no edge;
//   - *g_count0 (and *g_count1) are zeroed before the first launch; a count above capacity means the
//     buffer overflowed: the edges past capacity were dropped and the host reruns with a bigger buffer;
//   - ruleCount is 1 or 2; with 1, table1 / g_edges1 / g_count1 are ignored.
extern "C" __global__ void __launch_bounds__(THREADS_X * THREADS_Y)
sketch_edges(const u64* __restrict__ g_bits, const int* __restrict__ g_counts,
             const int* __restrict__ g_x, const int* __restrict__ g_y, const int* __restrict__ g_z,
             int n, int words, int maps, const double* __restrict__ g_factors,
             EdgeTable table0, EdgeTable table1, int ruleCount,
             u64* __restrict__ g_edges0, u64* __restrict__ g_count0,
             u64* __restrict__ g_edges1, u64* __restrict__ g_count1,
             u64 capacity, int tileOffset)
{
    __shared__ u64 s_a[WORD_CHUNK][TILE + 1];   // +1 column: staging stores hit different banks
    __shared__ u64 s_b[WORD_CHUNK][TILE + 1];

    long long tileI = (long long)blockIdx.y + tileOffset;
    long long tileJ = blockIdx.x;
    if (tileI > tileJ) return;   // lower triangle: those pairs are counted by the mirrored tile
    long long startI = tileI * TILE, startJ = tileJ * TILE;

    int n11[MICRO][MICRO];
    count_tile(n11, s_a, s_b, g_bits, 0, startI, n, 0, startJ, n, words);

    // Fully unrolled so that n11 stays in registers (a dynamic index would put it in local memory).
#pragma unroll
    for (int a = 0; a < MICRO; a++)
    {
        long long i = startI + threadIdx.y + THREADS_Y * a;
        if (i >= n) continue;
        int fi = g_counts[i], xi = g_x[i], yi = g_y[i], zi = g_z[i];
#pragma unroll
        for (int b = 0; b < MICRO; b++)
        {
            long long j = startJ + threadIdx.x + THREADS_X * b;
            if (j >= n || j <= i) continue;
            int fj = g_counts[j];
            int dx = xi - g_x[j], dy = yi - g_y[j], dz = zi - g_z[j];
            double c = g_factors[4 * (dx * dx + dy * dy + dz * dz)];
            u64 key = ((u64)i << 32) | (u64)j;
            if (is_edge(n11[a][b], fi, fj, maps, c, table0))
            {
                u64 slot = atomicAdd(g_count0, 1ULL);
                if (slot < capacity) g_edges0[slot] = key;
            }
            if (ruleCount > 1 && is_edge(n11[a][b], fi, fj, maps, c, table1))
            {
                u64 slot = atomicAdd(g_count1, 1ULL);
                if (slot < capacity) g_edges1[slot] = key;
            }
        }
    }
}

// Expand: every row v of the full matrix (n rows) against every seed member k (members rows, listed
// block by block: g_memberRow[k] is the member's row, g_memberBlock[k] its block). For each rule r,
// g_out[(r * n + v) * blockCount + block] counts the block's members passing with v. The locality
// factor uses q = (2 x_v - 2 mx)^2 + (2 y_v - 2 my)^2 + (2 z_v - 2 mz)^2 against the block's twice-
// median g_twiceMedian[3 * block + axis].
// Preconditions:
//   - blockDim = (16, 16, 1); gridDim.x tiles of members, gridDim.y tiles of v starting at tile
//     tileOffset (the host splits the v range over several launches);
//   - words % 8 == 0 and zero bits past the last map; g_out zeroed before the first launch;
//   - members grouped by block (consecutive members mostly share a block, so a thread adds each run
//     of equal blocks with one atomic);
//   - g_factors covers q up to 12 (box - 1)^2; rank[f] < 0 means no edge; ruleCount 1 or 2.
extern "C" __global__ void __launch_bounds__(THREADS_X * THREADS_Y)
expand_counts(const u64* __restrict__ g_bits, const int* __restrict__ g_counts,
              const int* __restrict__ g_x, const int* __restrict__ g_y, const int* __restrict__ g_z,
              int n, int words, int maps, const double* __restrict__ g_factors,
              const int* __restrict__ g_memberRow, const int* __restrict__ g_memberBlock, int members,
              const int* __restrict__ g_twiceMedian, int blockCount,
              EdgeTable table0, EdgeTable table1, int ruleCount,
              int* __restrict__ g_out, int tileOffset)
{
    __shared__ u64 s_v[WORD_CHUNK][TILE + 1];
    __shared__ u64 s_k[WORD_CHUNK][TILE + 1];

    long long startV = ((long long)blockIdx.y + tileOffset) * TILE;
    long long startK = (long long)blockIdx.x * TILE;

    int n11[MICRO][MICRO];
    count_tile(n11, s_v, s_k, g_bits, 0, startV, n, g_memberRow, startK, members, words);

    int fk[MICRO], blockOf[MICRO];
#pragma unroll
    for (int b = 0; b < MICRO; b++)
    {
        long long k = startK + threadIdx.x + THREADS_X * b;
        blockOf[b] = k < members ? g_memberBlock[k] : -1;
        fk[b] = k < members ? g_counts[g_memberRow[k]] : 0;
    }

    // Fully unrolled so that n11, fk and blockOf stay in registers.
#pragma unroll
    for (int a = 0; a < MICRO; a++)
    {
        long long v = startV + threadIdx.y + THREADS_Y * a;
        if (v >= n) continue;
        int fv = g_counts[v], x2 = 2 * g_x[v], y2 = 2 * g_y[v], z2 = 2 * g_z[v];
#pragma unroll
        for (int r = 0; r < 2; r++)
        {
            if (r >= ruleCount) break;
            EdgeTable table = r == 0 ? table0 : table1;   // by value: a reference to a chosen parameter would spill both to local memory
            int* out = g_out + ((long long)r * n + v) * blockCount;
            int runBlock = -1, run = 0;
#pragma unroll
            for (int b = 0; b < MICRO; b++)
            {
                int block = blockOf[b];
                if (block < 0) continue;
                int dx = x2 - g_twiceMedian[3 * block];
                int dy = y2 - g_twiceMedian[3 * block + 1];
                int dz = z2 - g_twiceMedian[3 * block + 2];
                double c = g_factors[dx * dx + dy * dy + dz * dz];
                if (!is_edge(n11[a][b], fv, fk[b], maps, c, table)) continue;
                if (block != runBlock)
                {
                    if (run > 0) atomicAdd(out + runBlock, run);
                    runBlock = block;
                    run = 0;
                }
                run++;
            }
            if (run > 0) atomicAdd(out + runBlock, run);
        }
    }
}
