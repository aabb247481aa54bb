using Siren.Core.Simulation;

namespace Siren.Core.Tests.Simulation;

public class HeterogeneitySpecTests
{
    [Fact]
    public void Read_RoundTripsASpecWrittenByToJson()
    {
        HeterogeneitySpec spec = SimulationPresets.DemoSetup().Spec;
        string path = Path.Combine(TestPaths.NewTempDir(), "spec.json");
        File.WriteAllText(path, spec.ToJson());

        HeterogeneitySpec read = HeterogeneitySpec.Read(path);

        Assert.Equal(spec.ToJson(), read.ToJson());
        Assert.Equal(GroupType.Conformational, read.Groups[2].Type);
        Assert.Equal([-40.0, 0, 40], read.Groups[2].Angles!);
        Assert.Equal(["D", "E"], read.Classes[0].Present);
    }

    [Theory]
    [InlineData("""{"groups": [{"name": "g", "select": [{"chain": "A"}]}], "classes": [{"name": "c", "frequency": 1, "present": ["h"]}]}""", "'h' as present")]
    [InlineData("""{"groups": [{"name": "g", "select": [{"chain": "A"}]}], "classes": [{"name": "c", "frequency": 1}], "colour": 1}""", "colour")]
    [InlineData("""{"groups": [{"name": "g", "type": "conformational", "select": [{"chain": "A"}]}], "classes": [{"name": "c", "frequency": 1}]}""", "pivot")]
    [InlineData("""{"groups": [{"name": "g", "select": [{"last": 5}]}], "classes": [{"name": "c", "frequency": 1}]}""", "\"last\" needs a chain")]
    [InlineData("""{"groups": [], "classes": [{"name": "c", "frequency": 1}]}""", "no groups")]
    [InlineData("""{"groups": [{"name": "g", "select": [{"chain": "A"}]}], "classes": [{"name": "c", "frequency": 1}, {"name": "c", "frequency": 1, "present": ["g"]}]}""", "class 'c' is named twice")]
    [InlineData("""{"variation": {"noise": 0.1, "noise": 0.2}, "groups": [{"name": "g", "select": [{"chain": "A"}]}], "classes": [{"name": "c", "frequency": 1}]}""", "Duplicate property 'noise'")]
    [InlineData("""{"variation": {"noise": 1e308}, "groups": [{"name": "g", "select": [{"chain": "A"}]}], "classes": [{"name": "c", "frequency": 1}]}""", "variation.noise")]
    [InlineData("""{"variation": {"scale": [1e-300, 1e308]}, "groups": [{"name": "g", "select": [{"chain": "A"}]}], "classes": [{"name": "c", "frequency": 1}]}""", "variation.scale")]
    [InlineData("""{"variation": {"offset": [-2, 0]}, "groups": [{"name": "g", "select": [{"chain": "A"}]}], "classes": [{"name": "c", "frequency": 1}]}""", "variation.offset")]
    [InlineData("""{"variation": {"noise_blur": 100}, "groups": [{"name": "g", "select": [{"chain": "A"}]}], "classes": [{"name": "c", "frequency": 1}]}""", "variation.noise_blur")]
    [InlineData("""{"resolution": {"min": 10, "max": 1e308}, "groups": [{"name": "g", "select": [{"chain": "A"}]}], "classes": [{"name": "c", "frequency": 1}]}""", "resolution {min 10, max 1E+308}")]
    [InlineData("""{"resolution": {"min": 1, "max": 12}, "groups": [{"name": "g", "select": [{"chain": "A"}]}], "classes": [{"name": "c", "frequency": 1}]}""", "6.55 ≤ min")]
    [InlineData("""{"resolution": {"levels": 1000000}, "groups": [{"name": "g", "select": [{"chain": "A"}]}], "classes": [{"name": "c", "frequency": 1}]}""", "resolution.levels")]
    [InlineData("""{"grid": {"origin": [1e39, 0, 0]}, "groups": [{"name": "g", "select": [{"chain": "A"}]}], "classes": [{"name": "c", "frequency": 1}]}""", "grid.origin")]
    [InlineData("""{"groups": [{"name": "g", "type": "conformational", "select": [{"chain": "A"}], "pivot": [0, 0, 0], "axis": [0, 0, 1], "angles": [1e308]}], "classes": [{"name": "c", "frequency": 1}]}""", "angles")]
    public void Read_RejectsInvalidSpecsNamingTheFileAndTheField(string json, string expected)
    {
        string path = Path.Combine(TestPaths.NewTempDir(), "bad.json");
        File.WriteAllText(path, json);

        var e = Assert.Throws<SirenException>(() => HeterogeneitySpec.Read(path));

        Assert.Contains("bad.json", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Contains("Fix:", e.Message);
    }

    [Fact]
    public void ResolutionNodes_SpanTheRangeAndTheReferenceIsItsMiddle()
    {
        var range = new ResolutionRange { Min = 9, Max = 11, Levels = 3 };
        Assert.Equal([9.0, 10, 11], range.Nodes());
        Assert.Equal(10, range.Reference);
        Assert.Equal([12.0], new ResolutionRange { Min = 12, Max = 12, Levels = 3 }.Nodes());
    }
}
