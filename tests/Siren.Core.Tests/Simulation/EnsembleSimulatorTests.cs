using Siren.Core.Blocks;
using Siren.Core.Ensemble;
using Siren.Core.Mrc;
using Siren.Core.Simulation;

namespace Siren.Core.Tests.Simulation;

public class EnsembleSimulatorTests
{
    private static bool[] Binarize(string dir, MapTruth map) =>
        MrcReader.Read(Path.Combine(dir, map.File)).Data.Select(v => v > map.Threshold).ToArray();

    private static int[] Where(bool[] a, bool[] b, Func<bool, bool, bool> keep) =>
        Enumerable.Range(0, a.Length).Where(i => keep(a[i], b[i])).ToArray();

    [Fact]
    public void SameSeedWritesIdenticalFilesAndAnotherSeedDoesNot()
    {
        PseudoComplex complex = SimulationFixtures.SmallComplex();
        HeterogeneitySpec spec = SimulationFixtures.Spec(complex, noise: 0.2, partial: 0.2, junk: 0.2, resolutionSpread: 2);
        string a = TestPaths.NewTempDir(), b = TestPaths.NewTempDir(), c = TestPaths.NewTempDir();

        EnsembleSimulator.Run(complex.Model, spec, a, seed: 5);
        EnsembleSimulator.Run(complex.Model, spec, b, seed: 5);
        EnsembleSimulator.Run(complex.Model, spec, c, seed: 6);

        string[] files = Directory.GetFiles(a).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(12 + 3, files.Length);
        foreach (string f in files)
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, f)), File.ReadAllBytes(Path.Combine(b, f)));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(a, "vol_000.mrc")), File.ReadAllBytes(Path.Combine(c, "vol_000.mrc")));
    }

    [Fact]
    public void AGroupTheDrawnMapsDoNotVaryIsNoRegion()
    {
        // One map: every group it has is present throughout (or absent throughout), so none is a region to find.
        PseudoComplex complex = SimulationFixtures.SmallComplex();
        HeterogeneitySpec spec = SimulationFixtures.Spec(complex);
        var messages = new List<string>();
        SimulationTruth one = EnsembleSimulator.Run(complex.Model, spec, TestPaths.NewTempDir(), seed: 3, maps: 1, log: messages.Add).Truth;
        Assert.DoesNotContain(one.Regions, r => r.Type == GroupType.Compositional);
        Assert.Contains(messages, m => m.Contains("does not vary; it is not listed in truth.json", StringComparison.Ordinal));
        // Forty maps of the same spec vary, and list their regions.
        SimulationTruth forty = EnsembleSimulator.Run(complex.Model, spec, TestPaths.NewTempDir(), seed: 3, maps: 40).Truth;
        Assert.Contains(forty.Regions, r => r.Type == GroupType.Compositional && r.PresentFraction is > 0 and < 1);
    }

    [Fact]
    public void TrueThresholdsBinarizeEachMapToItsClassAndRegionsAreTheDifferences()
    {
        PseudoComplex complex = SimulationFixtures.SmallComplex();
        HeterogeneitySpec spec = SimulationFixtures.Spec(complex);
        string dir = TestPaths.NewTempDir();

        SimulationTruth truth = EnsembleSimulator.Run(complex.Model, spec, dir, seed: 3, maps: 40).Truth;

        // thresholds.csv carries the same levels as truth.json.
        Thresholds csv = Thresholds.FromCsv(Path.Combine(dir, EnsembleSimulator.ThresholdsFileName));
        Assert.All(truth.Maps, m => Assert.Equal(m.Threshold, csv.For(m.Id)));
        Assert.Equal(20, truth.Maps.Count(m => m.Class == "with-D"));
        Assert.Contains(truth.Maps, m => m.Scale != truth.Maps[0].Scale);

        TruthRegion d = Assert.Single(truth.Regions, r => r.Name == "D");
        TruthRegion pose0 = Assert.Single(truth.Regions, r => r.Name == "arm:pose0");
        TruthRegion pose1 = Assert.Single(truth.Regions, r => r.Name == "arm:pose1");
        Assert.Equal(3, truth.Regions.Count);
        Assert.All(truth.Regions, r => Assert.Equal(r.Voxels.Order(), r.Voxels));

        // Without noise, scale and offset are undone by each map's threshold: two maps that differ only in D
        // differ exactly by D's region, and two that differ only in the arm's pose by the two pose regions.
        MapTruth withD = truth.Maps.First(m => m.Class == "with-D" && m.Poses["arm"] == 0);
        MapTruth withoutD = truth.Maps.First(m => m.Class == "without-D" && m.Poses["arm"] == 0);
        MapTruth withDPose1 = truth.Maps.First(m => m.Class == "with-D" && m.Poses["arm"] == 1);
        bool[] bWith = Binarize(dir, withD), bWithout = Binarize(dir, withoutD), bPose1 = Binarize(dir, withDPose1);
        Assert.Equal(d.Voxels, Where(bWith, bWithout, (x, y) => x && !y));
        Assert.Empty(Where(bWith, bWithout, (x, y) => !x && y));
        Assert.Equal(pose0.Voxels, Where(bWith, bPose1, (x, y) => x && !y));
        Assert.Equal(pose1.Voxels, Where(bWith, bPose1, (x, y) => !x && y));
        // The complete map encloses the model's molecular volume.
        Assert.Equal((int)Math.Round(complex.Model.MolecularVolume / SimulationFixtures.SmallGrid.VoxelVolume), bWith.Count(x => x));
    }

    [Fact]
    public void WrongScaleJunkMapsHaveOutlierThresholdsThatFilterDrops()
    {
        PseudoComplex complex = SimulationFixtures.SmallComplex();
        HeterogeneitySpec spec = SimulationFixtures.Spec(complex, noise: 0.2, partial: 0.2, junk: 0.04);
        string dir = TestPaths.NewTempDir();

        SimulationTruth truth = EnsembleSimulator.Run(complex.Model, spec, dir, seed: 2, maps: 100).Truth;
        BinarizedEnsemble ensemble = BinarizedEnsemble.Load(dir, Thresholds.FromCsv(Path.Combine(dir, EnsembleSimulator.ThresholdsFileName)), filter: true);

        int[] junk = truth.Maps.Where(m => m.Junk is not null).Select(m => m.Id).ToArray();
        Assert.Equal(4, junk.Length);
        Assert.Equal(["noise", "noise", "scale", "scale"], truth.Maps.Where(m => m.Junk is not null).Select(m => m.Junk!).Order());
        int[] wrongScale = truth.Maps.Where(m => m.Junk == "scale").Select(m => m.Id).ToArray();
        int[] dropped = ensemble.Dropped.Select(d => d.Map.MapId).ToArray();
        // Wrong-scale maps are threshold outliers; pure-noise maps may pass the mean ± 2σ filter (it is not robust
        // to the outliers themselves), as junk does in real ensembles. No real map is dropped.
        Assert.Subset(dropped.ToHashSet(), wrongScale.ToHashSet());
        Assert.Subset(junk.ToHashSet(), dropped.ToHashSet());
        // Partial maps: D present at an intermediate occupancy.
        Assert.Contains(truth.Maps, m => m.Occupancies["D"] is > 0 and < 1);
    }

    [Fact]
    public void DeletionSelectsTheChainsLastResiduesByNumber()
    {
        PseudoComplex complex = SimulationFixtures.SmallComplex();
        int residuesD = complex.Subunits.Single(s => s.Chain == "D").Residues;
        HeterogeneitySpec spec = SimulationFixtures.Spec(complex) with
        {
            Groups = [new GroupSpec { Name = "Dtail", Select = [new AtomSelection { Chain = "D", Last = 10 }] }],
            Classes = [new ClassSpec { Name = "a", Frequency = 1, Present = ["Dtail"] }, new ClassSpec { Name = "b", Frequency = 1 }],
        };
        var messages = new List<string>();

        EnsembleSimulator.Run(complex.Model, spec, TestPaths.NewTempDir(), seed: 0, maps: 2, log: messages.Add);

        Assert.Contains(messages, m => m.Contains("group 'Dtail' (compositional): 80 atoms"));
        var tooMany = spec with { Groups = [new GroupSpec { Name = "Dtail", Select = [new AtomSelection { Chain = "D", Last = residuesD + 1 }] }] };
        var e = Assert.Throws<SirenException>(() => EnsembleSimulator.Run(complex.Model, tooMany, TestPaths.NewTempDir(), seed: 0, maps: 2));
        Assert.Contains($"which has {residuesD}", e.Message);
    }

    [Fact]
    public void AtomsOutsideTheGridAreRefusedBeforeAnyMapIsWritten()
    {
        PseudoComplex complex = SimulationFixtures.SmallComplex();
        HeterogeneitySpec shifted = SimulationFixtures.Spec(complex) with { Grid = new GridOptions { Box = 32, Apix = 8, Origin = [1000, 0, 0] } };
        string outdir = TestPaths.NewTempDir();

        var e = Assert.Throws<SirenException>(() => EnsembleSimulator.Run(complex.Model, shifted, outdir, seed: 0, maps: 2));

        Assert.Contains($"{complex.Model.Count} of {complex.Model.Count} atoms", e.Message);
        Assert.Contains("grid.center", e.Message);
        Assert.Empty(Directory.GetFiles(outdir, "vol_*.mrc"));
        // Centring the model on the same grid places every atom inside it.
        EnsembleSimulator.Run(complex.Model, shifted with { Grid = shifted.Grid with { Center = true } }, outdir, seed: 0, maps: 2);
    }

    [Fact]
    public void AGridWhoseMapsExceedMemoryIsRefusedBeforeRendering()
    {
        PseudoComplex complex = SimulationFixtures.SmallComplex();
        HeterogeneitySpec huge = SimulationFixtures.Spec(complex) with
        {
            Grid = new GridOptions { Box = GridSpec.MaxBox, Apix = 1, Center = true },
            Resolution = new ResolutionRange { Min = 10, Max = 20, Levels = ResolutionRange.MaxLevels },
        };

        var e = Assert.Throws<SirenException>(() => EnsembleSimulator.Run(complex.Model, huge, TestPaths.NewTempDir(), seed: 0, maps: 2));

        Assert.Contains("of memory", e.Message);
        Assert.Contains("grid.box", e.Message);
    }

    [Fact]
    public void MapsSimulateDidNotWriteAreRefusedAndLeftAsTheyWere()
    {
        PseudoComplex complex = SimulationFixtures.SmallComplex();
        string outdir = TestPaths.NewTempDir(), real = Path.Combine(outdir, "vol_000.mrc");
        MrcWriter.Write(real, MrcVolume.Zeros(8, Vec3.All(6.55f), Vec3.All(0)), label: "cryoDRGN volume");
        byte[] before = File.ReadAllBytes(real);

        var e = Assert.Throws<SirenException>(() => EnsembleSimulator.Run(complex.Model, SimulationFixtures.Spec(complex), outdir, seed: 0, maps: 2));

        Assert.Contains("vol_000.mrc", e.Message);
        Assert.Contains("Fix: choose an empty --outdir or the folder of an earlier simulate", e.Message);
        Assert.Equal([real], Directory.GetFiles(outdir));
        Assert.Equal(before, File.ReadAllBytes(real));
    }

    [Fact]
    public void ARerunReplacesAnEarlierSimulationThatHasNoManifest()
    {
        // A library run (siren demo's maps folder) or a run killed before its manifest: the maps' label says whose they are.
        PseudoComplex complex = SimulationFixtures.SmallComplex();
        HeterogeneitySpec spec = SimulationFixtures.Spec(complex);
        string outdir = TestPaths.NewTempDir();
        EnsembleSimulator.Run(complex.Model, spec, outdir, seed: 1, maps: 4);

        SimulationTruth truth = EnsembleSimulator.Run(complex.Model, spec, outdir, seed: 2, maps: 2).Truth;

        Assert.Equal(["vol_000.mrc", "vol_001.mrc"], Directory.GetFiles(outdir, "vol_*.mrc").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(2UL, SimulationTruth.Read(outdir).Seed);
        Assert.Equal(2, truth.Maps.Count);
    }

    [Fact]
    public void ARerunThatFailsLeavesNoThresholdsOrTruthOfTheEarlierRun()
    {
        PseudoComplex complex = SimulationFixtures.SmallComplex();
        HeterogeneitySpec spec = SimulationFixtures.Spec(complex);
        string outdir = TestPaths.NewTempDir();
        EnsembleSimulator.Run(complex.Model, spec, outdir, seed: 1, maps: 4);
        new RunManifest("simulate").Write(outdir);
        // A folder where the rerun's fourth map goes stops it half-way, as a full disk would.
        File.Delete(Path.Combine(outdir, "vol_003.mrc"));
        Directory.CreateDirectory(Path.Combine(outdir, "vol_003.mrc"));

        Assert.Contains("vol_003.mrc", Assert.Throws<SirenException>(() => EnsembleSimulator.Run(complex.Model, spec, outdir, seed: 2, maps: 6)).Message);

        Assert.NotEmpty(Directory.GetFiles(outdir, "vol_*.mrc"));
        foreach (string earlier in new[] { SimulationTruth.FileName, EnsembleSimulator.ThresholdsFileName, EnsembleSimulator.SpecFileName, RunManifest.FileName })
            Assert.False(File.Exists(Path.Combine(outdir, earlier)), $"{earlier} of the earlier run is still beside the new maps");
    }
}
