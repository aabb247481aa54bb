using System.CommandLine;

namespace Siren.Cli;

/// <summary>cryoDRGN's k-means labels and the map numbering that ties them to maps, as select, classify and run take them.</summary>
public sealed class ParticleLabelArguments(string labelsUse)
{
    public Option<string?> Labels { get; } = new("--labels") { Description = $"cryoDRGN k-means labels.pkl (particle → k-means class; map id − first map id = class): {labelsUse}" };
    /// <summary>No default in the parser: whether it was given is what lets maps numbered from 1 be refused when it was not (ParticleSelection).</summary>
    public Option<int?> FirstMapId { get; } = new("--first-map-id") { Description = "Map id of k-means class 0: 0 for vol_000 numbering, 1 for cryoDRGN ≥ 3.5 (vol_001 is class 0). Default 0, but maps numbered from 1 with no map for class 0 need it given." };

    /// <summary>What classify and run do with labels.</summary>
    public const string ClassifyUse = "also count the particles each map stands for, and per block the particles high (the paper's Figure 3D counts particles, not maps).";

    /// <summary>--first-map-id without --labels numbers nothing; said, so it does not seem to have been used.</summary>
    public void WarnIfUnused(ParseResult parse)
    {
        if (parse.GetValue(FirstMapId) is not null && parse.GetValue(Labels) is null)
            CliHost.Log("warning: --first-map-id ties maps to the k-means classes of --labels; without --labels it is ignored.");
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Labels);
        command.Options.Add(FirstMapId);
    }
}
