using System.CommandLine;

namespace Siren.Cli;

/// <summary>cryoDRGN's k-means labels and the map numbering that ties them to maps, as select, classify and run take them.</summary>
public sealed class ParticleLabelArguments(string labelsUse)
{
    public Option<string?> Labels { get; } = new("--labels") { Description = $"cryoDRGN k-means labels.pkl (particle → k-means class; map id − first map id = class): {labelsUse}" };
    public Option<int> FirstMapId { get; } = new("--first-map-id") { Description = "Map id of k-means class 0: 0 for vol_000 numbering, 1 for cryoDRGN ≥ 3.5 (vol_001 is class 0).", DefaultValueFactory = _ => 0 };

    /// <summary>What classify and run do with labels.</summary>
    public const string ClassifyUse = "also count the particles each map stands for, and per block the particles high (the paper's Figure 3D counts particles, not maps).";

    public void AddTo(Command command)
    {
        command.Options.Add(Labels);
        command.Options.Add(FirstMapId);
    }
}
