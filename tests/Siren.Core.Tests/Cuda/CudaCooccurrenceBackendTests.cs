using Siren.Core.Blocks;
using Siren.Core.Ensemble;
using Siren.Core.Kernels;
using Siren.Core.Statistics;
using Siren.Interop.Cuda;

namespace Siren.Core.Tests.Cuda;

/// <summary>The contract on the GPU; every test is reported as skipped, with the probe's reason, where CUDA is not usable.</summary>
[CudaRequired]
public sealed class CudaCooccurrenceBackendTests : CooccurrenceBackendContract
{
    protected override ICooccurrenceBackend CreateBackend() => OpenCuda();

    private static CudaCooccurrenceBackend OpenCuda() =>
        CudaCooccurrenceBackend.TryCreate(out string reason) ?? throw new InvalidOperationException($"CUDA was usable at discovery but not now: {reason}");

    [BackendFact]
    public void OverflowingEdgeBufferIsRetriedWithTheExactSize()
    {
        OccupancyMatrix occ = RandomOccupancy(200, 12, 140, 4);
        var problem = new PairProblem(occ, new LocalityTable(12, 6.55));
        var rule = new EdgeRule(EdgePass.Positive, SignificanceTable.Build(EdgePass.Positive, occ.Maps, occ.Counts, 0.01, 0.05, 100, CutoffRule.Exact));
        int[] rows = Enumerable.Range(0, occ.Rows).ToArray();
        using var cpu = new CpuCooccurrenceBackend();
        EdgeList expected = cpu.SketchEdges(problem, rows, [rule])[0];

        using CudaCooccurrenceBackend cuda = OpenCuda();
        cuda.InitialEdgeCapacity = 1;
        EdgeList edges = cuda.SketchEdges(problem, rows, [rule])[0];

        Assert.True(expected.Count > 1, "the fixture must overflow a one-edge buffer");
        Assert.Equal(1, cuda.LastSketchRetries);
        Assert.Equal(expected.A, edges.A);
        Assert.Equal(expected.B, edges.B);
    }

    /// <summary>The acceptance check in small: sketch+expand on a planted ensemble give the same blocks.json bytes on both backends.</summary>
    [BackendFact]
    public void SketchAndExpandWriteTheSameBlocksAsTheCpu()
    {
        const int box = 20;
        string maps = TestPaths.NewTempDir();
        Synthetic.WriteEnsemble(maps, box, 120, Synthetic.Cube(box, 6, 6, 6, 6), [new Synthetic.Region(Synthetic.Cube(box, 12, 6, 6, 4), 0.35)], 11);
        var options = new DetectionOptions { VolDir = maps, Thresholds = Thresholds.Constant(0.5), Seed = 7, Passes = PassSelection.Both };
        string cpuOut = TestPaths.NewTempDir(), cudaOut = TestPaths.NewTempDir();
        using (var cpu = new CpuCooccurrenceBackend()) BlockDetection.Run(options, cpuOut, cpu);
        using (CudaCooccurrenceBackend cuda = OpenCuda()) BlockDetection.Run(options, cudaOut, cuda);

        foreach (string stage in new[] { BlockDetection.SketchFolder, BlockDetection.ExpandFolder })
        {
            byte[] expected = File.ReadAllBytes(Path.Combine(cpuOut, stage, "blocks.json"));
            Assert.Contains("\"voxels\"", System.Text.Encoding.UTF8.GetString(expected));
            Assert.Equal(expected, File.ReadAllBytes(Path.Combine(cudaOut, stage, "blocks.json")));
        }
    }
}
