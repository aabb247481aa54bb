using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Siren.Core.IO;

namespace Siren.Core.Blocks;

/// <summary>
/// manifest.json beside every stage's outputs: the command, its parameters and inputs, counts, the
/// backend that ran, per-stage seconds and the Siren.Native version, so a result can be reproduced.
/// </summary>
public sealed class RunManifest
{
    public const string FileName = "manifest.json";
    private const string Tool = "Siren.Native";
    private readonly JsonObject _parameters = new();
    private readonly JsonObject _results = new();
    private readonly JsonObject _timings = new();

    public RunManifest(string command) => Command = command;

    public string Command { get; }

    /// <summary>The version as `siren --version` prints it, with the commit it was built from: 0.1.0 alone names no code.</summary>
    public static string Version =>
        typeof(RunManifest).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public RunManifest Parameter(string name, JsonNode? value) { _parameters[name] = value; return this; }
    public RunManifest Result(string name, JsonNode? value) { _results[name] = value; return this; }
    public JsonNode? GetParameter(string name) => _parameters[name];

    /// <summary>Runs <paramref name="stage"/> and records its wall time in seconds.</summary>
    public T Time<T>(string stage, Func<T> work)
    {
        var sw = Stopwatch.StartNew();
        T result = work();
        _timings[stage] = Math.Round(sw.Elapsed.TotalSeconds, 4);
        return result;
    }

    public void Time(string stage, Action work) => Time<bool>(stage, () => { work(); return true; });

    /// <summary>Records a wall time measured elsewhere (stages that interleave, such as reading and running a model).</summary>
    public RunManifest Seconds(string stage, TimeSpan elapsed) { _timings[stage] = Math.Round(elapsed.TotalSeconds, 4); return this; }

    public JsonObject ToJson() => new()
    {
        ["tool"] = Tool,
        ["version"] = Version,
        ["command"] = Command,
        ["created_utc"] = DateTime.UtcNow.ToString("O"),
        ["parameters"] = _parameters.DeepClone(),
        ["results"] = _results.DeepClone(),
        ["seconds"] = _timings.DeepClone(),
    };

    public void Write(string folder) =>
        AtomicFile.WriteAllText(Path.Combine(folder, FileName), ToJson().ToJsonString(Indented));

    /// <summary>
    /// Indented, and with text as written: the default encoder escapes '+' and every non-ASCII character, so the
    /// version read 0.1.0\u002B&lt;commit&gt; and a path or unit with Å read as \u00C5. It is a file, never HTML.
    /// </summary>
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// For a command whose output is one file the user names (occupancy --out, chimerax --out): its manifest
    /// is named after it (occ.csv → occ.manifest.json), so two such outputs, or a run's own manifest, in one
    /// folder do not overwrite each other's.
    /// </summary>
    public void WriteBeside(string outputFile) =>
        AtomicFile.WriteAllText(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outputFile))!, NameBeside(outputFile)), ToJson().ToJsonString(Indented));

    /// <summary>The file name of the manifest <see cref="WriteBeside"/> writes for <paramref name="outputFile"/>.</summary>
    public static string NameBeside(string outputFile) => Path.ChangeExtension(Path.GetFileName(outputFile), ".manifest.json");

    /// <summary>Records the names of the files this run writes into its folder (results.outputs), for <see cref="RemoveEarlierOutputs"/>.</summary>
    public RunManifest Outputs(IEnumerable<string> names) => Result("outputs", new JsonArray(names.Select(n => (JsonNode)n).ToArray()));

    /// <summary>The command of the manifest in <paramref name="folder"/>; null when there is none siren can read.</summary>
    public static string? CommandIn(string folder) => CommandOf(folder, FileName);

    /// <summary>The commands of every Siren.Native manifest in <paramref name="folder"/>: manifest.json and those
    /// named after a command's output (predictions.manifest.json, occupancy.manifest.json).</summary>
    public static string[] CommandsIn(string folder) =>
        !Directory.Exists(folder) ? [] :
        Directory.EnumerateFiles(folder, "*manifest.json").Select(Path.GetFileName)
            .Where(name => name == FileName || name!.EndsWith(".manifest.json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).Select(name => CommandOf(folder, name!)).OfType<string>().Distinct().ToArray();

    private static string? CommandOf(string folder, string manifestName) =>
        ReadOwn(folder, manifestName)?["command"] is JsonValue v && v.TryGetValue(out string? c) ? c : null;

    /// <summary>
    /// Before a rerun of <paramref name="command"/> writes anything into <paramref name="folder"/>: removes every
    /// file the earlier manifest of that command lists as its outputs, then that manifest. A run interrupted
    /// while writing (a full disk, a kill) then leaves only its own new files and no manifest, never class 1's
    /// particles beside class 2's STAR under a manifest that vouches for them. Nothing else goes: the folder
    /// may be the user's own, and a manifest of another command, or none, names nothing.
    /// </summary>
    /// <param name="inputs">This run's input files: one that an earlier run wrote here (select --star sel/p_selected.star
    /// --outdir sel) is refused rather than removed before it is used.</param>
    public static void RemoveEarlierOutputs(string folder, string command, params string?[] inputs) =>
        RemoveEarlierOutputsListedIn(folder, FileName, command, inputs);

    /// <inheritdoc cref="RemoveEarlierOutputs(string, string, string?[])"/>
    /// <param name="manifestName">The manifest's file name, for a command that names it after its output (predictions.manifest.json).</param>
    public static void RemoveEarlierOutputsListedIn(string folder, string manifestName, string command, params string?[] inputs)
    {
        if (CommandOf(folder, manifestName) != command) return;
        string[] stale = EarlierOutputs(folder, manifestName, command);
        string[] staleReal = stale.Select(InputFile.RealPath).ToArray();
        if (inputs.OfType<string>().FirstOrDefault(i => staleReal.Contains(InputFile.RealPath(i))) is { } input)
            throw new SirenException($"'{input}' is an output of the earlier {command} in '{folder}', which this run replaces. Fix: copy it out of that folder first, or choose another --outdir.");
        foreach (string path in stale.Where(File.Exists)) File.Delete(path);
        // Last: removed first, an interruption here would leave outputs no manifest lists for the next run to remove.
        File.Delete(Path.Combine(folder, manifestName));
    }

    /// <summary>
    /// Refuses, before anything is written, <paramref name="names"/> that would replace files in
    /// <paramref name="folder"/> that no earlier <paramref name="command"/> there wrote (its manifest lists
    /// what it did): a cryoDRGN ind.pkl, or a labels.csv of contour levels, is the user's.
    /// </summary>
    /// <param name="runStage">The folder is a siren run stage's, whose files are the run's to replace.</param>
    /// <param name="manifestName">The manifest's file name (see <see cref="RemoveEarlierOutputsListedIn"/>).</param>
    /// <param name="option">The option that names the folder, for the fix.</param>
    public static void RequireOwnOutputs(string folder, string command, IEnumerable<string> names, bool runStage = false, string manifestName = FileName, string option = "--outdir")
    {
        if (runStage) return;
        // The manifest too: another command's (or program's) record of its files here is not this command's to replace.
        if (File.Exists(Path.Combine(folder, manifestName)) && CommandOf(folder, manifestName) is var owner && owner != command)
            throw new SirenException($"'{folder}' holds the {manifestName} of {(owner is null ? "another program" : $"siren {owner}")}, which {command} would replace. Fix: choose another {option} for {command}.");
        string[] own = EarlierOutputs(folder, manifestName, command);
        string[] foreign = names.Select(n => Path.GetFullPath(Path.Combine(folder, n))).Where(p => File.Exists(p) && !own.Contains(p)).ToArray();
        if (foreign.Length > 0)
            throw new SirenException($"'{folder}' already holds {string.Join(", ", foreign.Select(Path.GetFileName))}, which {command} would overwrite but did not write. Fix: choose another {option}, or move those files away.");
    }

    /// <summary>
    /// For a command whose output is one file the user names (occupancy --out, chimerax --out), before it writes:
    /// refuses to replace a file it did not write there — a map of the ensemble, another command's table — and a
    /// manifest beside it (<see cref="NameBeside"/>) that records another output (blocks.csv and blocks.cxc
    /// share blocks.manifest.json), which its own would replace, leaving that output without its record.
    /// A file of a siren run (its stage folder, <paramref name="runStage"/>, or one its manifest lists) is the
    /// run's to redo and may be replaced.
    /// </summary>
    public static void RequireOwnFile(string outputFile, string command, string option, bool runStage = false)
    {
        string full = Path.GetFullPath(outputFile), folder = Path.GetDirectoryName(full)!, manifestName = NameBeside(full);
        if (runStage || EarlierOutputs(folder, FileName, "run").Contains(full)) return;
        bool written = EarlierOutputs(folder, manifestName, command).Contains(full) || RecordedOutput(folder, manifestName, command) == full;
        string manifestPath = Path.Combine(folder, manifestName);
        if (File.Exists(manifestPath) && !written)
        {
            string owner = CommandOf(folder, manifestName) is { } c ? $"siren {c}'s record of {(RecordedOutput(folder, manifestName, c) is { } other ? $"'{other}'" : "another output")}" : "not a record siren wrote";
            throw new SirenException($"'{manifestPath}' is {owner}, and {command} would replace it with its record of '{Path.GetFileName(full)}'. Fix: choose another {option} name.");
        }
        if (File.Exists(full) && !written)
            throw new SirenException($"'{outputFile}' exists and siren {command} did not write it (no {manifestName} of {command} beside it names it). Fix: choose another {option}, or remove that file first.");
    }

    /// <summary>
    /// The output a single-file command's manifest names in its results (occupancy's "output", chimerax's
    /// "script"), as manifests record it that predate their outputs list; null when there is none.
    /// </summary>
    private static string? RecordedOutput(string folder, string manifestName, string command) =>
        ReadOwn(folder, manifestName) is { } m && m["command"] is JsonValue c && c.TryGetValue(out string? name) && name == command
        && m["results"] is JsonObject results && (results["output"] ?? results["script"]) is JsonValue v && v.TryGetValue(out string? path)
            ? path : null;

    /// <summary>Full paths of the files the earlier <paramref name="command"/>'s manifest in <paramref name="folder"/> lists as its outputs.</summary>
    public static string[] EarlierOutputs(string folder, string command) => EarlierOutputs(folder, FileName, command);

    private static string[] EarlierOutputs(string folder, string manifestName, string command)
    {
        JsonObject? earlier = ReadOwn(folder, manifestName);
        if (earlier?["command"] is not JsonValue c || !c.TryGetValue(out string? name) || name != command) return [];
        return earlier["results"] is JsonObject results && results["outputs"] is JsonArray listed
            // Plain names only: whatever the manifest says, nothing outside this folder is removed.
            ? listed.OfType<JsonValue>().Select(n => n.TryGetValue(out string? s) ? s : null).OfType<string>()
                .Where(n => n.Length > 0 && n == Path.GetFileName(n) && n is not "." and not "..")
                .Select(n => Path.GetFullPath(Path.Combine(folder, n))).ToArray()
            : [];
    }

    /// <summary>
    /// The manifest in <paramref name="folder"/> as an object; null when absent or not one Siren.Native wrote
    /// (its "tool"): another program's manifest.json must not make Siren treat the folder's files as its own.
    /// </summary>
    private static JsonObject? ReadOwn(string folder, string manifestName)
    {
        try
        {
            string path = Path.Combine(folder, manifestName);
            return File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject manifest
                   && manifest["tool"] is JsonValue tool && tool.TryGetValue(out string? name) && name == Tool
                ? manifest : null;
        }
        // ArgumentException: a key given twice, which JsonNode reports only when the object is read.
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Reads the parameters object of a manifest written by <see cref="Write"/>.</summary>
    public static JsonObject ReadParameters(string folder) => ReadSection(folder, "parameters");

    /// <summary>Reads the results object of a manifest written by <see cref="Write"/>.</summary>
    public static JsonObject ReadResults(string folder) => ReadSection(folder, "results");

    private static JsonObject ReadSection(string folder, string section)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new SirenException($"no {FileName} in '{folder}'. Fix: run the previous stage (siren sketch) with this --outdir first.");
        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?[section]?.AsObject()
                ?? throw new SirenException($"'{path}' has no {section}. Fix: rerun the stage that wrote it.");
        }
        catch (JsonException e)
        {
            throw new SirenException($"'{path}' is not valid JSON: {e.Message} Fix: rerun the stage that wrote it.", e);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException) // another shape (an array, a section that is no object) or a key twice
        {
            throw new SirenException($"'{path}' is not a manifest siren wrote ({e.Message}). Fix: rerun the stage that wrote it.", e);
        }
    }
}
