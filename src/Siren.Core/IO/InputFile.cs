namespace Siren.Core.IO;

/// <summary>
/// Whole-file reads of the inputs a user names (CSV, STAR, pickle, JSON, atomic models, ONNX model): a folder,
/// a missing or an unreadable path is one error line naming it and the fix. Reading a folder would otherwise
/// fail as "access denied", which sends the user hunting for permissions.
/// </summary>
public static class InputFile
{
    /// <param name="kind">What the file should be, after "not": "a CSV file", "a STAR file".</param>
    /// <param name="fix">What to pass instead, for the folder case: "pass the CSV file itself".</param>
    public static string[] ReadAllLines(string path, string kind, string fix) => Read(path, kind, fix, File.ReadAllLines);

    /// <inheritdoc cref="ReadAllLines"/>
    public static string ReadAllText(string path, string kind, string fix) => Read(path, kind, fix, File.ReadAllText);

    /// <inheritdoc cref="ReadAllLines"/>
    public static byte[] ReadAllBytes(string path, string kind, string fix) => Read(path, kind, fix, File.ReadAllBytes);

    private static T Read<T>(string path, string kind, string fix, Func<string, T> read)
    {
        if (Directory.Exists(path)) throw new SirenException($"'{path}' is a folder, not {kind}. Fix: {fix}.");
        try
        {
            return read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SirenException($"cannot read '{path}': {e.Message} Fix: check the path and its permissions.", e);
        }
    }
}
