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
    public void Read_RejectsInvalidSpecsNamingTheFileAndTheField(string json, string expected)
    {
        string path = Path.Combine(TestPaths.NewTempDir(), "bad.json");
        File.WriteAllText(path, json);

        var e = Assert.Throws<SirenException>(() => HeterogeneitySpec.Read(path));

        Assert.Contains("bad.json", e.Message);
        Assert.Contains(expected, e.Message);
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
