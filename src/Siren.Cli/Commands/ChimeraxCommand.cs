using System.CommandLine;
using Siren.Core;
using Siren.Core.Blocks;
using Siren.Core.ChimeraX;
using Siren.Core.Ensemble;
using Siren.Core.IO;

namespace Siren.Cli.Commands;

/// <summary>
/// siren chimerax: a .cxc showing a map at its threshold with the blocks as coloured surfaces.
/// Example: siren chimerax --map vols/vol_000.mrc --thresholds thresholds.csv --blocks OUT/02_expand --out OUT/blocks.cxc
/// </summary>
public static class ChimeraxCommand
{
    public static Command Create()
    {
        var map = new Option<string>("--map") { Description = "The map to show under the blocks (e.g. vols/vol_000.mrc).", Required = true };
        var blocks = new Option<string>("--blocks") { Description = "Stage folder with blocks.json and its block_<id>.mrc masks (OUT/02_expand); the blocks blocks.json lists are drawn.", Required = true };
        var threshold = new Option<double?>("--threshold") { Description = "Contour level of the map." };
        var thresholds = new Option<string?>("--thresholds") { Description = "Per-map levels CSV (vol_id, denormalized_predictions); the map's id picks its row." };
        var output = new Option<string>("--out") { Description = "Script to write.", DefaultValueFactory = _ => "blocks.cxc" };
        var command = new Command("chimerax",
            "Write a ChimeraX script that opens a map at its threshold (transparent grey) and every block as a coloured transparent surface named block_<id>.\n" +
            "Example: siren chimerax --map vols/vol_000.mrc --thresholds thresholds.csv --blocks OUT/02_expand --out OUT/blocks.cxc\n" +
            "Then in ChimeraX: open OUT/blocks.cxc")
        {
            map, blocks, threshold, thresholds, output,
        };
        command.SetAction(pr =>
        {
            Thresholds t = DetectionArguments.ReadThresholds(pr.GetValue(threshold), pr.GetValue(thresholds))
                ?? throw new SirenException("the map needs a contour level. Fix: pass --threshold or --thresholds.");
            Write(pr.GetValue(map)!, t, pr.GetValue(blocks)!, pr.GetValue(output)!);
            return 0;
        });
        return command;
    }

    public static void Write(string map, Thresholds thresholds, string blocksFolder, string output)
    {
        if (Directory.Exists(map)) throw new SirenException($"--map '{map}' is a folder. Fix: pass one map of the ensemble, e.g. {Path.Combine(map, "vol_000.mrc")}.");
        if (!File.Exists(map)) throw new SirenException($"map '{map}' does not exist. Fix: pass --map with an .mrc file.");
        AtomicFile.RequireOutputFile(output, "--out", "blocks.cxc");
        RunManifest.RequireOwnFile(output, "chimerax", "--out");
        var masks = ChimeraXScript.BlockMasks(blocksFolder);
        var volume = ChimeraXScript.ReadMapOnBlocksGrid(map, masks);
        double level = ChimeraXScript.LevelFor(map, thresholds);
        // A CSV's vol_min/vol_max name the maps its levels were predicted for, as sketch and occupancy check.
        if (thresholds.IsPerMap) thresholds.RequirePredictedFor(VolumeFolder.MapIdOf(map), volume.Data, volume.Nx, map);
        if (ChimeraXScript.LevelWarning(volume, level, map) is { } warning) CliHost.Log(warning);
        AtomicFile.WriteAllText(output, ChimeraXScript.Build(map, level, masks));
        new RunManifest("chimerax")
            .Parameter("map", Path.GetFullPath(map)).Parameter("level", level).Parameter("blocks", Path.GetFullPath(blocksFolder))
            .Result("script", Path.GetFullPath(output)).Result("blocks", masks.Count).Outputs([Path.GetFileName(output)])
            .WriteBeside(output);
        CliHost.Log($"chimerax: wrote {output} ({masks.Count} blocks at level {level:G4})");
    }
}
