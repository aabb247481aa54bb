using System.Text.Json.Nodes;
using Siren.Core.Simulation;

namespace Siren.Core.Tests.Simulation;

/// <summary>A hand-edited truth.json is refused in one message naming the file and the problem, before it skews a score.</summary>
public class SimulationTruthTests
{
    private static readonly SimulationTruth Truth = new("t", 0, 10, 2.0, [0, 0, 0], "rule", 10, 1000,
    [
        new TruthRegion("D", "D", GroupType.Compositional, null, true, 0.5, [3, 4, 5]),
        new TruthRegion("E", "E", GroupType.Compositional, null, true, 0.5, [7, 8]),
    ], []);

    private static string Edited(Action<JsonNode> edit)
    {
        string path = Path.Combine(TestPaths.NewTempDir(), SimulationTruth.FileName);
        Truth.Write(path);
        JsonNode node = JsonNode.Parse(File.ReadAllText(path))!;
        edit(node);
        File.WriteAllText(path, node.ToJsonString());
        return path;
    }

    [Fact]
    public void Read_RoundTripsAWrittenTruth()
    {
        SimulationTruth read = SimulationTruth.Read(Edited(_ => { }));

        Assert.Equal(["D", "E"], read.Regions.Select(r => r.Name));
        Assert.Equal([3, 4, 5], read.Regions[0].Voxels);
    }

    private static readonly Dictionary<string, (Action<JsonNode> Change, string Problem)> Edits = new()
    {
        ["repeated voxels"] = (t => t["regions"]![0]!["voxels"] = new JsonArray(3, 4, 5, 3, 4, 5), "lists voxel 3 after 5 in region 'D'"),
        ["a voxel twice in order"] = (t => t["regions"]![0]!["voxels"] = new JsonArray(3, 4, 4, 5), "must be ascending, each once"),
        ["a voxel beyond the box"] = (t => t["regions"]![0]!["voxels"]!.AsArray().Add(1_000_000_000), "voxel 1000000000 in region 'D', outside the 10³ box"),
        ["a negative voxel"] = (t => t["regions"]![0]!["voxels"]!.AsArray().Insert(0, -5), "voxel -5 in region 'D', outside the 10³ box"),
        ["a region without voxels"] = (t => t["regions"]![0]!["voxels"] = new JsonArray(), "no voxels in region 'D'"),
        ["two regions of one name"] = (t => t["regions"]![1]!["name"] = "D", "two regions named 'D'"),
        ["a region without a name"] = (t => t["regions"]![1]!.AsObject().Remove("name"), "a region without a name"),
        ["a box no int indexes"] = (t => t["box"] = 5000, "box 5000"),
        ["a region that is a number"] = (t => t["regions"]![0] = 5, "the value at $.regions[0] (line 1, byte"),
        ["a voxel that is text"] = (t => t["regions"]![0]!["voxels"]![1] = "x", "the value at $.regions[0].voxels[1]"),
        ["a null name"] = (t => t["regions"]![0]!["name"] = null, "the value at $.regions[0].name (line 1, byte"),
        ["an unknown key"] = (t => t["colour"] = 1, "unknown key 'colour'"),
    };

    [Theory]
    [InlineData("repeated voxels")]
    [InlineData("a voxel twice in order")]
    [InlineData("a voxel beyond the box")]
    [InlineData("a negative voxel")]
    [InlineData("a region without voxels")]
    [InlineData("two regions of one name")]
    [InlineData("a region without a name")]
    [InlineData("a box no int indexes")]
    [InlineData("a region that is a number")]
    [InlineData("a voxel that is text")]
    [InlineData("a null name")]
    [InlineData("an unknown key")]
    public void Read_RefusesAHandEditedTruthNamingTheFileAndTheProblem(string edit)
    {
        var (change, problem) = Edits[edit];
        var e = Assert.Throws<SirenException>(() => SimulationTruth.Read(Edited(change)));

        Assert.True(e.Message.Contains(problem, StringComparison.Ordinal), $"{edit}: {e.Message}");
        Assert.Contains(SimulationTruth.FileName, e.Message);
        Assert.Contains("Fix:", e.Message);
        // The file's terms, not the program's: no .NET type name.
        Assert.DoesNotContain("Siren.", e.Message);
        Assert.DoesNotContain("System.", e.Message);
    }
}
