using System.Runtime.InteropServices;
using Siren.Core.Kernels;
using Siren.Interop.Cuda.Driver;

namespace Siren.Interop.Cuda;

/// <summary>
/// The co-occurrence backend on an NVIDIA GPU: cuda/cooccurrence.cu's sketch_edges and expand_counts
/// through the driver API. Each call uploads what it needs, queues its launches on one stream and
/// synchronizes once per progress step; results equal the CPU backend's (the kernels use the same
/// integer counts, the same cutoff tables and locality doubles, and one IEEE multiply).
/// </summary>
public sealed unsafe class CudaCooccurrenceBackend : ICooccurrenceBackend
{
    private const int Tile = 64;                 // TILE in cooccurrence.cu
    private const uint ThreadsPerSide = 16;      // THREADS_X, THREADS_Y
    private const int MaxGridY = 65535;          // the driver's limit on gridDim.y
    private const int RulesPerSweep = 2;         // the kernels test one or two rules per sweep
    private const int ProgressSteps = 20;

    private readonly CudaContextHandle _context;
    private readonly CudaModuleHandle _module;
    private readonly CudaStreamHandle _stream;
    private readonly IntPtr _sketch;
    private readonly IntPtr _expand;

    private CudaCooccurrenceBackend(CudaDevice device, CudaContextHandle context, CudaModuleHandle module, string image)
    {
        Device = device;
        _context = context;
        _module = module;
        Image = image;
        _stream = DriverApi.CreateStream(context);
        _sketch = DriverApi.GetFunction(module, "sketch_edges");
        _expand = DriverApi.GetFunction(module, "expand_counts");
    }

    public string Name => "cuda";

    public CudaDevice Device { get; }

    /// <summary>Which kernel image was loaded (embedded cubin, embedded PTX, or NVRTC with its version).</summary>
    public string Image { get; }

    /// <summary>
    /// Edges each rule's buffer holds on the first try of a sketch sweep. A sweep that finds more
    /// reruns once with buffers of the exact size it counted; tests set this small to exercise that.
    /// </summary>
    internal long InitialEdgeCapacity { get; set; } = 1L << 22;

    /// <summary>Retries of the last sketch call because an edge buffer overflowed (0 when it fit).</summary>
    internal int LastSketchRetries { get; private set; }

    /// <summary>
    /// Opens device 0 and loads the kernels, or returns null with a one-line <paramref name="reason"/>
    /// (no driver, no device, no loadable kernel image: no prebuilt module fits and NVRTC is missing).
    /// </summary>
    public static CudaCooccurrenceBackend? TryCreate(out string reason, Action<string>? log = null)
    {
        CudaDevice? device = CudaProbe.TryFindDevice(out reason);
        if (device is null) return null;
        CudaContextHandle? context = null;
        try
        {
            context = DriverApi.RetainPrimaryContext(device.Ordinal);
            (CudaModuleHandle module, string image) = KernelImages.Load(context, device, log);
            reason = $"CUDA on {device}, kernels from {image}";
            return new CudaCooccurrenceBackend(device, context, module, image);
        }
        catch (Exception e) when (e is CudaException or NvrtcException or DllNotFoundException or EntryPointNotFoundException)
        {
            context?.Dispose();
            reason = $"the CUDA kernels could not be loaded on {device.Name}: {e.Message.ReplaceLineEndings(" ")}";
            return null;
        }
    }

    public IReadOnlyList<EdgeList> SketchEdges(PairProblem problem, ReadOnlySpan<int> rows, ReadOnlySpan<EdgeRule> rules, IProgress<double>? progress = null)
    {
        _context.MakeCurrent();
        var occupancy = problem.Occupancy;
        int n = rows.Length;
        int words = occupancy.WordsPerRow;
        var result = new EdgeList[rules.Length];
        if (n < 2)
        {
            for (int r = 0; r < rules.Length; r++) result[r] = new EdgeList([], []);
            return result;
        }

        // The sketch rows are a subset: gather them into a compact matrix so the kernel streams only those.
        int[] rowList = rows.ToArray();
        var bits = new ulong[(long)n * words];
        var counts = new int[n];
        var x = new int[n]; var y = new int[n]; var z = new int[n];
        for (int i = 0; i < n; i++)
        {
            int row = rowList[i];
            occupancy.Row(row).CopyTo(bits.AsSpan(i * words, words));
            counts[i] = occupancy.Counts[row];
            x[i] = occupancy.X[row]; y[i] = occupancy.Y[row]; z[i] = occupancy.Z[row];
        }

        using DeviceMemory gBits = DriverApi.Upload<ulong>(_context, bits);
        using DeviceMemory gCounts = DriverApi.Upload<int>(_context, counts);
        using DeviceMemory gX = DriverApi.Upload<int>(_context, x);
        using DeviceMemory gY = DriverApi.Upload<int>(_context, y);
        using DeviceMemory gZ = DriverApi.Upload<int>(_context, z);
        using DeviceMemory gFactors = DriverApi.Upload<double>(_context, problem.Locality.Factors);

        LastSketchRetries = 0;
        int groups = (rules.Length + RulesPerSweep - 1) / RulesPerSweep;
        for (int group = 0; group < groups; group++)
        {
            int first = group * RulesPerSweep;
            int count = Math.Min(RulesPerSweep, rules.Length - first);
            using var tables = new DeviceTables(_context, rules.Slice(first, count));
            var sweepProgress = progress is null ? null : new ScaledProgress(progress, group, groups);
            long[][] keys = SketchSweep(gBits, gCounts, gX, gY, gZ, gFactors, n, words, occupancy.Maps, tables, sweepProgress);
            for (int r = 0; r < count; r++) result[first + r] = ToEdgeList(keys[r], rowList);
        }
        return result;
    }

    private long[][] SketchSweep(DeviceMemory gBits, DeviceMemory gCounts, DeviceMemory gX, DeviceMemory gY, DeviceMemory gZ, DeviceMemory gFactors,
                                 int n, int words, int maps, DeviceTables tables, IProgress<double>? progress)
    {
        int rules = tables.Count;
        long tiles = (n + Tile - 1) / Tile;
        long capacity = InitialEdgeCapacity;
        void** args = stackalloc void*[18];
        ulong* found = stackalloc ulong[2];
        while (true)
        {
            using DeviceMemory gEdges0 = DriverApi.Allocate(_context, capacity * sizeof(ulong));
            using DeviceMemory gEdges1 = DriverApi.Allocate(_context, rules > 1 ? capacity * sizeof(ulong) : 8);
            using DeviceMemory gFound = DriverApi.Allocate(_context, 2 * sizeof(ulong));
            DriverApi.Fill32Async(gFound, 0, 4, _stream);

            EdgeTableArgs table0 = tables.Args(0), table1 = tables.Args(Math.Min(1, rules - 1));
            ulong bitsPtr = gBits.Pointer, countsPtr = gCounts.Pointer, xPtr = gX.Pointer, yPtr = gY.Pointer, zPtr = gZ.Pointer, factorsPtr = gFactors.Pointer;
            ulong edges0Ptr = gEdges0.Pointer, edges1Ptr = gEdges1.Pointer, found0Ptr = gFound.Pointer, found1Ptr = gFound.Pointer + sizeof(ulong);
            ulong capacityArg = (ulong)capacity;
            int nArg = n, wordsArg = words, mapsArg = maps, ruleCount = rules, tileOffset = 0;
            args[0] = &bitsPtr; args[1] = &countsPtr; args[2] = &xPtr; args[3] = &yPtr; args[4] = &zPtr;
            args[5] = &nArg; args[6] = &wordsArg; args[7] = &mapsArg; args[8] = &factorsPtr;
            args[9] = &table0; args[10] = &table1; args[11] = &ruleCount;
            args[12] = &edges0Ptr; args[13] = &found0Ptr; args[14] = &edges1Ptr; args[15] = &found1Ptr;
            args[16] = &capacityArg; args[17] = &tileOffset;

            // Rows of i tiles go in slices (gridDim.y is limited, and each slice is a progress step);
            // tile row t pairs with tiles - t column tiles, which weighs the progress.
            long chunk = Math.Clamp((tiles + ProgressSteps - 1) / ProgressSteps, 1, MaxGridY);
            double totalWork = tiles * (tiles + 1) / 2.0, done = 0;
            for (long start = 0; start < tiles; start += chunk)
            {
                long length = Math.Min(chunk, tiles - start);
                tileOffset = (int)start;
                DriverApi.Launch(_sketch, ((uint)tiles, (uint)length), (ThreadsPerSide, ThreadsPerSide), _stream, args, "sketch_edges");
                if (progress is null) continue;
                DriverApi.Synchronize(_stream);
                for (long t = start; t < start + length; t++) done += tiles - t;
                progress.Report(done / totalWork);
            }

            DriverApi.CopyToHostAsync(found, gFound, 2 * sizeof(ulong), _stream);
            DriverApi.Synchronize(_stream);
            long needed = (long)Math.Max(found[0], rules > 1 ? found[1] : 0);
            if (needed > capacity)
            {
                // The kernel dropped the edges past capacity but counted them all: one rerun with exact buffers suffices.
                capacity = needed;
                LastSketchRetries++;
                continue;
            }

            var keys = new long[rules][];
            for (int r = 0; r < rules; r++)
            {
                keys[r] = new long[(long)found[r]];
                DriverApi.CopyToHost<long>(keys[r], r == 0 ? gEdges0 : gEdges1);
            }
            return keys;
        }
    }

    /// <summary>Keys (i &lt;&lt; 32 | j) over the compact rows, in atomic (arbitrary) order, to sorted (row a, row b).</summary>
    private static EdgeList ToEdgeList(long[] keys, int[] rowList)
    {
        // rowList ascends and i < j, so the order of (i, j) is the order of (rowList[i], rowList[j]).
        Array.Sort(keys);
        var a = new int[keys.Length];
        var b = new int[keys.Length];
        for (int e = 0; e < keys.Length; e++)
        {
            a[e] = rowList[(int)(keys[e] >> 32)];
            b[e] = rowList[(int)(keys[e] & 0xFFFF_FFFF)];
        }
        return new EdgeList(a, b);
    }

    public int[] ExpandCounts(PairProblem problem, IReadOnlyList<ExpandBlock> blocks, ReadOnlySpan<EdgeRule> rules, IProgress<double>? progress = null)
    {
        _context.MakeCurrent();
        var occupancy = problem.Occupancy;
        int n = occupancy.Rows;
        int blockCount = blocks.Count;
        if ((long)rules.Length * n * blockCount > ICooccurrenceBackend.MaxExpandCells)
            throw new ArgumentException($"{rules.Length} rules × {n} rows × {blockCount} blocks exceed {ICooccurrenceBackend.MaxExpandCells} counts: pass the blocks in batches.", nameof(blocks));
        var result = new int[rules.Length * n * blockCount];
        int members = blocks.Sum(b => b.Rows.Length);
        if (n == 0 || members == 0) return result;

        // Members block by block: the kernel adds each run of one block's members with one atomic.
        var memberRow = new int[members];
        var memberBlock = new int[members];
        var twiceMedian = new int[3 * blockCount];
        int k = 0;
        for (int block = 0; block < blockCount; block++)
        {
            ExpandBlock b = blocks[block];
            foreach (int row in b.Rows) { memberRow[k] = row; memberBlock[k] = block; k++; }
            twiceMedian[3 * block] = b.TwiceMedianX;
            twiceMedian[3 * block + 1] = b.TwiceMedianY;
            twiceMedian[3 * block + 2] = b.TwiceMedianZ;
        }

        using DeviceMemory gBits = DriverApi.Upload<ulong>(_context, occupancy.Bits);
        using DeviceMemory gCounts = DriverApi.Upload<int>(_context, occupancy.Counts);
        using DeviceMemory gX = DriverApi.Upload<int>(_context, occupancy.X);
        using DeviceMemory gY = DriverApi.Upload<int>(_context, occupancy.Y);
        using DeviceMemory gZ = DriverApi.Upload<int>(_context, occupancy.Z);
        using DeviceMemory gFactors = DriverApi.Upload<double>(_context, problem.Locality.Factors);
        using DeviceMemory gMemberRow = DriverApi.Upload<int>(_context, memberRow);
        using DeviceMemory gMemberBlock = DriverApi.Upload<int>(_context, memberBlock);
        using DeviceMemory gTwiceMedian = DriverApi.Upload<int>(_context, twiceMedian);

        long perRule = (long)n * blockCount;
        int groups = (rules.Length + RulesPerSweep - 1) / RulesPerSweep;
        void** args = stackalloc void*[19];
        for (int group = 0; group < groups; group++)
        {
            int first = group * RulesPerSweep;
            int count = Math.Min(RulesPerSweep, rules.Length - first);
            using var tables = new DeviceTables(_context, rules.Slice(first, count));
            using DeviceMemory gOut = DriverApi.Allocate(_context, count * perRule * sizeof(int));
            DriverApi.Fill32Async(gOut, 0, count * perRule, _stream);

            EdgeTableArgs table0 = tables.Args(0), table1 = tables.Args(Math.Min(1, count - 1));
            ulong bitsPtr = gBits.Pointer, countsPtr = gCounts.Pointer, xPtr = gX.Pointer, yPtr = gY.Pointer, zPtr = gZ.Pointer, factorsPtr = gFactors.Pointer;
            ulong memberRowPtr = gMemberRow.Pointer, memberBlockPtr = gMemberBlock.Pointer, twiceMedianPtr = gTwiceMedian.Pointer, outPtr = gOut.Pointer;
            int nArg = n, wordsArg = occupancy.WordsPerRow, mapsArg = occupancy.Maps, membersArg = members, blockCountArg = blockCount, ruleCount = count, tileOffset = 0;
            args[0] = &bitsPtr; args[1] = &countsPtr; args[2] = &xPtr; args[3] = &yPtr; args[4] = &zPtr;
            args[5] = &nArg; args[6] = &wordsArg; args[7] = &mapsArg; args[8] = &factorsPtr;
            args[9] = &memberRowPtr; args[10] = &memberBlockPtr; args[11] = &membersArg;
            args[12] = &twiceMedianPtr; args[13] = &blockCountArg;
            args[14] = &table0; args[15] = &table1; args[16] = &ruleCount;
            args[17] = &outPtr; args[18] = &tileOffset;

            long vTiles = (n + Tile - 1) / Tile;
            long memberTiles = (members + Tile - 1) / Tile;
            long chunk = Math.Clamp((vTiles + ProgressSteps - 1) / ProgressSteps, 1, MaxGridY);
            for (long start = 0; start < vTiles; start += chunk)
            {
                long length = Math.Min(chunk, vTiles - start);
                tileOffset = (int)start;
                DriverApi.Launch(_expand, ((uint)memberTiles, (uint)length), (ThreadsPerSide, ThreadsPerSide), _stream, args, "expand_counts");
                if (progress is null) continue;
                DriverApi.Synchronize(_stream);
                progress.Report((group + (double)(start + length) / vTiles) / groups);
            }
            fixed (int* destination = &result[first * perRule])
            {
                DriverApi.CopyToHostAsync(destination, gOut, count * perRule * sizeof(int), _stream);
                DriverApi.Synchronize(_stream);
            }
        }
        return result;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _module.Dispose();
        _context.Dispose();
    }

    /// <summary>The EdgeTable struct of cooccurrence.cu: three device pointers, then size and pass.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct EdgeTableArgs
    {
        public ulong Rank;
        public ulong Local;
        public ulong Other;
        public int Size;
        public int Pass;
    }

    /// <summary>The cutoff tables of up to two rules in device memory.</summary>
    private sealed class DeviceTables : IDisposable
    {
        private readonly List<DeviceMemory> _memory = [];
        private readonly EdgeTableArgs[] _args;

        public DeviceTables(CudaContextHandle context, ReadOnlySpan<EdgeRule> rules)
        {
            _args = new EdgeTableArgs[rules.Length];
            for (int r = 0; r < rules.Length; r++)
            {
                var table = rules[r].Table;
                DeviceMemory rank = Keep(DriverApi.Upload<int>(context, table.Rank));
                DeviceMemory local = Keep(DriverApi.Upload<double>(context, table.Local));
                DeviceMemory other = Keep(DriverApi.Upload<int>(context, table.Other));
                _args[r] = new EdgeTableArgs { Rank = rank.Pointer, Local = local.Pointer, Other = other.Pointer, Size = table.Size, Pass = (int)rules[r].Pass };
            }
        }

        public int Count => _args.Length;

        public EdgeTableArgs Args(int rule) => _args[rule];

        private DeviceMemory Keep(DeviceMemory memory)
        {
            _memory.Add(memory);
            return memory;
        }

        public void Dispose()
        {
            foreach (DeviceMemory memory in _memory) memory.Dispose();
        }
    }

    /// <summary>Maps one sweep's 0..1 onto its share of the whole call.</summary>
    private sealed class ScaledProgress(IProgress<double> inner, int index, int count) : IProgress<double>
    {
        public void Report(double value) => inner.Report((index + value) / count);
    }
}
