using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Siren.Core;
using Siren.Core.Blocks;
using Siren.Core.Curation;
using Siren.Core.IO;
using Siren.Core.Occupancy;
using Siren.Core.Pipeline;

namespace Siren.Cli.Commands;

/// <summary>
/// siren select: maps by an occupancy rule or a class, then the particles they stand for.
/// Example: siren select --occupancies occupancies.csv --rule "block_5>0.7 and block_10<0.2" --labels labels.pkl --star particles.star --outdir sel
/// </summary>
public static class SelectCommand
{
    public sealed record SelectRequest(string OutDir, string? Occupancies = null, string? Rule = null, string? Classes = null, int? ClassId = null,
        string? Labels = null, int? FirstMapId = null, string? Star = null);

    public sealed record SelectResult(int[] MapIds, long[]? Particles);

    private const string MapsFile = "maps.txt", IndicesFile = "indices.txt", IndPickleFile = "ind.pkl";

    public static Command Create()
    {
        var occupancies = new Option<string?>("--occupancies") { Description = "occupancies.csv from siren occupancy (with --rule)." };
        var rule = new Option<string?>("--rule") { Description = "Keep maps where this holds, e.g. \"block_5>0.7 and (block_10<0.2 or `Mask_5S-h1`>=0.5)\": > >= < <= == != on column names, and/or/not, parentheses; " +
            "a name with characters other than letters, digits, _ and . goes in backticks, as in pandas' query." };
        var classes = new Option<string?>("--classes") { Description = "classes.csv from siren classify (with --class)." };
        var classId = new Option<int?>("--class") { Description = "Keep the maps of this class." };
        var particleLabels = new ParticleLabelArguments("write indices.txt and ind.pkl.");
        var star = new Option<string?>("--star") { Description = "RELION particles STAR (3.0 or 3.1+ with optics) to filter to the kept particles; needs --labels." };
        var outdir = new Option<string>("--outdir") { Description = "Output folder: maps.txt, indices.txt, ind.pkl, <star>_selected.star, manifest.json (written last); a rerun first removes those an earlier select wrote there.", Required = true };
        var command = new Command("select",
            "Select maps by an occupancy rule or a class and, with cryoDRGN k-means labels, the particles they stand for " +
            "(indices.txt, a cryoDRGN ind.pkl, a filtered RELION STAR).\n" +
            "Example: siren select --occupancies occupancies.csv --rule \"block_5>0.7 and block_10<0.2\" --labels labels.pkl --star particles.star --outdir sel\n" +
            "Example: siren select --classes classify/classes.csv --class 2 --labels labels.pkl --first-map-id 1 --outdir class2")
        {
            occupancies, rule, classes, classId, particleLabels.Labels, particleLabels.FirstMapId, star, outdir,
        };
        command.SetAction(pr =>
        {
            particleLabels.WarnIfUnused(pr);
            Run(new SelectRequest(pr.GetValue(outdir)!, pr.GetValue(occupancies), pr.GetValue(rule), pr.GetValue(classes), pr.GetValue(classId),
                pr.GetValue(particleLabels.Labels), pr.GetValue(particleLabels.FirstMapId), pr.GetValue(star)));
            return 0;
        });
        return command;
    }

    public static SelectResult Run(SelectRequest r)
    {
        bool byRule = r.Rule is not null || r.Occupancies is not null;
        bool byClass = r.Classes is not null || r.ClassId is not null;
        if (byRule == byClass)
            throw new SirenException("select chooses maps either by --occupancies with --rule or by --classes with --class. Fix: pass exactly one of those pairs.");
        if (byRule && (r.Rule is null || r.Occupancies is null))
            throw new SirenException("a rule needs both --occupancies and --rule. Fix: pass --occupancies occupancies.csv with --rule \"block_5>0.7\".");
        if (byClass && (r.Classes is null || r.ClassId is null))
            throw new SirenException("class selection needs both --classes and --class. Fix: pass --classes classes.csv with --class k.");
        if (r.Star is not null && r.Labels is null)
            throw new SirenException("--star needs --labels: the k-means labels say which particles each map stands for. Fix: add --labels labels.pkl.");

        ParticleSelection.RequireFirstMapId(r.FirstMapId);

        // Everything is read and checked before the first write, so a refused selection leaves no
        // maps.txt or indices.txt behind, nor new files beside an earlier run's manifest.
        var manifest = new RunManifest("select").Parameter("first_map_id", r.FirstMapId ?? 0);
        MapSelection maps;
        if (byRule)
        {
            // The table first: its columns let a rule error say which name needs backticks.
            OccupancyTable table = OccupancyTable.Read(r.Occupancies!);
            SelectionRule rule = SelectionRule.Parse(r.Rule!, table.Columns);
            maps = ParticleSelection.MapsByRule(table, rule, r.Occupancies!);
            manifest.Parameter("occupancies", Path.GetFullPath(r.Occupancies!)).Parameter("rule", rule.Text);
        }
        else
        {
            maps = ParticleSelection.MapsByClass(r.Classes!, r.ClassId!.Value);
            manifest.Parameter("classes", Path.GetFullPath(r.Classes!)).Parameter("class", r.ClassId);
        }
        manifest.Result("maps", maps.Kept.Length);

        long[]? labels = null, particles = null;
        byte[]? starBytes = null;
        if (r.Labels is not null)
        {
            labels = NumpyPickle.ReadInt64(r.Labels);
            particles = ParticleSelection.ParticlesOfMaps(labels, maps, r.FirstMapId, r.Labels, out long unlisted);
            if (ParticleSelection.UnlistedWarning(unlisted, labels.Length, maps.Source) is { } warning) CliHost.Log(warning);
            manifest.Parameter("labels", Path.GetFullPath(r.Labels)).Result("particles", particles.Length).Result("particles_total", labels.Length)
                .Result("particles_without_map", unlisted);
            if (r.Star is not null)
            {
                StarFile star = StarFile.Read(r.Star);
                if (star.ParticleCount != labels.Length)
                    throw new SirenException($"'{r.Star}' has {star.ParticleCount} particles but '{r.Labels}' labels {labels.Length}. Fix: pass the STAR file cryoDRGN was trained on (after any --ind filtering).");
                starBytes = star.Filter(particles);
                manifest.Parameter("star", Path.GetFullPath(r.Star));
            }
        }

        string outdir = AtomicFile.EnsureDirectory(r.OutDir);
        string? starOut = starBytes is null ? null : Path.Combine(outdir, Path.GetFileNameWithoutExtension(r.Star!) + "_selected.star");
        var outputs = new List<string> { MapsFile };
        if (particles is not null) outputs.AddRange([IndicesFile, IndPickleFile]);
        if (starOut is not null) outputs.Add(Path.GetFileName(starOut));
        // An earlier select's files all go before the first write, so a rerun that fails part-way (a full disk)
        // leaves no class 1 indices beside class 2's STAR.
        RunManifest.RequireOwnOutputs(outdir, "select", outputs);
        RunManifest.RemoveEarlierOutputs(outdir, "select", r.Star, r.Labels, r.Classes, r.Occupancies);
        // Written now and again at the end: a run stopped part-way leaves a manifest that lists its files (the
        // next select removes them) and no results, rather than files no manifest vouches for.
        manifest.Outputs(outputs).Write(outdir);

        AtomicFile.WriteAllText(Path.Combine(outdir, MapsFile), string.Concat(maps.Kept.Select(m => m.ToString(CultureInfo.InvariantCulture) + "\n")));
        CliHost.Log($"select: kept {maps.Kept.Length} maps");
        if (particles is not null)
        {
            AtomicFile.WriteAllText(Path.Combine(outdir, IndicesFile), string.Concat(particles.Select(p => p.ToString(CultureInfo.InvariantCulture) + "\n")));
            NumpyPickle.WriteInt64(Path.Combine(outdir, IndPickleFile), particles);
            CliHost.Log($"select: {particles.Length} of {labels!.Length} particles");
        }
        if (starOut is not null)
        {
            AtomicFile.Write(starOut, s => s.Write(starBytes!));
            manifest.Result("star_out", starOut);
            CliHost.Log($"select: wrote {starOut}");
        }
        manifest.Write(outdir);
        return new SelectResult(maps.Kept, particles);
    }
}
