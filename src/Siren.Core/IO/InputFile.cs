using System.Text;

namespace Siren.Core.IO;

/// <summary>
/// Whole-file reads of the inputs a user names (CSV, STAR, pickle, JSON, atomic models, ONNX model): a folder,
/// a missing or an unreadable path is one error line naming it and the fix. Reading a folder would otherwise
/// fail as "access denied", which sends the user hunting for permissions.
/// </summary>
public static class InputFile
{
    /// <summary>
    /// Most bytes read from a file that reports no length: a pipe (--thresholds &lt;(…)) ends well before it,
    /// while a device (/dev/zero) never ends and would fill memory.
    /// </summary>
    public const int UnsizedLimit = 256 << 20;

    /// <summary>
    /// The path with every symbolic link on it resolved (as realpath does), so an input reached through a
    /// link to an output folder is still known as that output: GetFullPath only tidies the spelling.
    /// </summary>
    public static string RealPath(string path)
    {
        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full)!, current = root;
        foreach (string part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            try
            {
                current = File.ResolveLinkTarget(next, returnFinalTarget: true)?.FullName ?? next;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                current = next; // missing or unreadable: the rest of the path is taken as written
            }
        }
        return current;
    }

    /// <summary>
    /// The file a path names, through any symbolic links: maps linked into a work folder are the usual case,
    /// and the link's own size (a few bytes) or time says nothing about the map. A dangling link is an error.
    /// </summary>
    public static FileInfo Target(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null) return info;
        FileSystemInfo? target;
        try
        {
            target = info.ResolveLinkTarget(returnFinalTarget: true);
        }
        catch (IOException e)
        {
            throw new SirenException($"cannot follow the link '{path}': {e.Message} Fix: point it at the file itself.", e);
        }
        if (target is not FileInfo { Exists: true } file)
            throw new SirenException($"'{path}' is a link to '{info.LinkTarget}', which does not exist. Fix: recreate the link to the file, or copy the file in its place.");
        return file;
    }

    /// <summary>SHA-256 (lower-case hex) of a file's bytes, read as a stream: what stamps and manifests record.</summary>
    public static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }

    /// <summary>SHA-256 (lower-case hex) of bytes already in memory (a model), in the same form as <see cref="Sha256(string)"/>.</summary>
    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    /// <summary>SHA-256 (lower-case hex) of a text's UTF-8 bytes: the digests stamps compare (levels, the maps' names and sizes).</summary>
    public static string Sha256OfText(string text) => Sha256(System.Text.Encoding.UTF8.GetBytes(text));

    /// <param name="kind">What the file should be, after "not": "a CSV file", "a STAR file".</param>
    /// <param name="fix">What to pass instead, for the folder case: "pass the CSV file itself".</param>
    public static string[] ReadAllLines(string path, string kind, string fix)
    {
        using var reader = new StreamReader(new MemoryStream(ReadAllBytes(path, kind, fix), writable: false), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var lines = new List<string>();
        for (string? line; (line = reader.ReadLine()) is not null;) lines.Add(line);
        return lines.ToArray();
    }

    /// <inheritdoc cref="ReadAllLines"/>
    public static string ReadAllText(string path, string kind, string fix)
    {
        using var reader = new StreamReader(new MemoryStream(ReadAllBytes(path, kind, fix), writable: false), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <inheritdoc cref="ReadAllLines"/>
    public static byte[] ReadAllBytes(string path, string kind, string fix)
    {
        if (Directory.Exists(path)) throw new SirenException($"'{path}' is a folder, not {kind}. Fix: {fix}.");
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > 0) return File.ReadAllBytes(path);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var bytes = new MemoryStream();
            var buffer = new byte[1 << 16];
            for (int n; (n = stream.Read(buffer)) > 0;)
            {
                if (bytes.Length + n > UnsizedLimit)
                    throw new SirenException($"'{path}' gives more than {UnsizedLimit >> 20} MiB without an end: a device, not {kind}. Fix: {fix}.");
                bytes.Write(buffer, 0, n);
            }
            return bytes.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SirenException($"cannot read '{path}': {e.Message} Fix: check the path and its permissions.", e);
        }
    }
}
