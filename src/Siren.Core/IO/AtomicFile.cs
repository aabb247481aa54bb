namespace Siren.Core.IO;

/// <summary>
/// Every output is written to a temporary file beside its destination and renamed into place, so a
/// reader never sees half a file and an interrupted run leaves the previous output intact.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// The output folders created within one command (<see cref="TrackCreatedFolders"/>), newest last. Async-local,
    /// so commands run side by side in one process (tests, a host embedding the CLI) each see only their own,
    /// while the parallel loops inside a command share it.
    /// </summary>
    private static readonly AsyncLocal<System.Collections.Concurrent.ConcurrentStack<string>?> Created = new();

    private enum Temporary { File, Folder, Swapping }

    /// <summary>The temporary files and staged folders being written now, in this process, for <see cref="RemoveInFlight"/>.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Temporary> InFlight = new();

    private static int _stopping;

    /// <summary>Whether <see cref="StopWriting"/> has run: the process is about to exit, and what fails now failed because of it.</summary>
    public static bool IsStopping => Volatile.Read(ref _stopping) == 1;

    /// <summary>
    /// On an interrupt (Ctrl-C, SIGTERM), before the process exits: no new output is begun (a write that starts
    /// now waits for the exit), the writes under way get <paramref name="drain"/> to finish, and the temporaries
    /// still open are removed, so a stopped command leaves its finished outputs and nothing half-written beside
    /// them. Returns how many temporaries it removed.
    /// </summary>
    public static int StopWriting(TimeSpan drain)
    {
        // A full fence: a writer that registers after this reads the flag set, one that registered before is seen below.
        Interlocked.Exchange(ref _stopping, 1);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!InFlight.IsEmpty && clock.Elapsed < drain) Thread.Sleep(10);
        return RemoveInFlight();
    }

    /// <summary>After an interrupt, whatever would be begun, or reported as failed, waits for the exit instead.</summary>
    public static void WaitIfStopping()
    {
        if (IsStopping) Thread.Sleep(Timeout.Infinite);
    }

    private static int RemoveInFlight()
    {
        int removed = 0;
        foreach (var (path, kind) in InFlight)
        {
            // Not yet created; or a finished folder moving into place, which the next command's recovery completes.
            if (!Path.Exists(path) || kind == Temporary.Swapping) continue;
            if (kind == Temporary.Folder) TryDeleteDirectory(path); else TryDelete(path);
            if (!Path.Exists(path)) removed++;
        }
        return removed;
    }

    /// <summary>Creates <paramref name="dir"/> and any missing parents, remembering which were new.</summary>
    private static void CreateDirectory(string dir)
    {
        var missing = new Stack<string>();
        for (string? d = dir; d is not null && !Directory.Exists(d); d = Path.GetDirectoryName(d)) missing.Push(d);
        Directory.CreateDirectory(dir);
        if (Created.Value is { } created)
            foreach (string d in missing) created.Push(d); // parents first, so the deepest is popped first
    }

    /// <summary>Starts recording the folders the current command creates; disposing the scope stops it.</summary>
    public static CreatedFolders TrackCreatedFolders() => new();

    public sealed class CreatedFolders : IDisposable
    {
        private readonly System.Collections.Concurrent.ConcurrentStack<string>? _outer = Created.Value;
        private readonly System.Collections.Concurrent.ConcurrentStack<string> _mine = new();

        internal CreatedFolders() => Created.Value = _mine;

        /// <summary>
        /// After a failed command: removes the output folders it created and left empty, so a refused run leaves
        /// no trace (an empty out/ looks like a run that wrote nothing). Folders holding anything stay.
        /// </summary>
        public void RemoveEmpty()
        {
            while (_mine.TryPop(out string? dir))
            {
                try
                {
                    if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // left as it is: removing it was a courtesy
            }
        }

        public void Dispose() => Created.Value = _outer;
    }

    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{ThisHost}.{Guid.NewGuid():N}.tmp");
        InFlight[temp] = Temporary.File;
        WaitIfStopping(); // registered first: StopWriting either sees this temporary or this sees it stopping
        try
        {
            CreateDirectory(dir);
            foreach (string abandoned in Abandoned(dir, Path.GetFileName(full), Directory.EnumerateFiles)) TryDelete(abandoned);
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WaitIfStopping(); // its temporary was removed by the interrupt: not a disk or permission error to report
            TryDelete(temp);
            throw new SirenException($"cannot write '{full}': {e.Message} Fix: choose a writable output folder with free space (--outdir/--out).", e);
        }
        catch
        {
            WaitIfStopping();
            TryDelete(temp);
            throw;
        }
        finally
        {
            InFlight.TryRemove(temp, out _);
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s =>
        {
            using var writer = new StreamWriter(s, new System.Text.UTF8Encoding(false));
            writer.Write(text);
        });

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>
    /// Fills a new folder beside <paramref name="dir"/> and puts it in the place of <paramref name="dir"/> only
    /// when <paramref name="fill"/> has finished, so a run that fails half-way (a bad map, a full disk) leaves
    /// the previous folder as it was, never a mix of two runs' files.
    /// </summary>
    public static void WriteDirectory(string dir, Action<string> fill)
    {
        string full = Path.GetFullPath(dir);
        string stem = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{ThisHost}.{Guid.NewGuid():N}");
        string staged = stem + ".tmp", previous = stem + ".old";
        InFlight[staged] = Temporary.Folder;
        WaitIfStopping();
        try
        {
            if (File.Exists(full))
                throw new SirenException($"'{full}' is a file, where the output folder goes. Fix: move it away or choose another --outdir.");
            RecoverAbandoned(full);
            CreateDirectory(Path.GetDirectoryName(full)!);
            Directory.CreateDirectory(staged);
            fill(staged);
            InFlight[staged] = Temporary.Swapping;
            WaitIfStopping();
            if (Directory.Exists(full)) Directory.Move(full, previous);
            Directory.Move(staged, full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WaitIfStopping();
            TryDeleteDirectory(staged);
            if (Directory.Exists(previous) && !Directory.Exists(full)) Directory.Move(previous, full);
            throw new SirenException($"cannot write '{full}': {e.Message} Fix: choose a writable output folder with free space (--outdir/--out).", e);
        }
        catch
        {
            WaitIfStopping();
            TryDeleteDirectory(staged);
            throw;
        }
        finally
        {
            InFlight.TryRemove(staged, out _);
        }
        TryDeleteDirectory(previous);
    }

    /// <summary>
    /// Checks, before any work, a file the user names (--out): a folder, or a name ending in '/', is refused
    /// with an example, and its folder is created and probed for writing; the answer comes before the work.
    /// </summary>
    public static void RequireOutputFile(string path, string option, string exampleName)
    {
        if (Directory.Exists(path) || Path.EndsInDirectorySeparator(path))
            throw new SirenException($"{option} '{path}' is a folder name. Fix: name the file to write, e.g. {option} {Path.Combine(path, exampleName)}.");
        EnsureDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!, option);
    }

    /// <summary>
    /// A run killed while it filled or swapped <paramref name="full"/> leaves its hidden folders beside it: a
    /// staged one (.tmp, removed) and, if killed between the two moves, the previous folder (.old, put back in
    /// place when nothing took it, removed otherwise). Only those of this machine's processes that are no
    /// longer running are touched: on a file system shared between nodes, another node's process id says nothing.
    /// </summary>
    private static void RecoverAbandoned(string full)
    {
        string parent = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(parent)) return;
        foreach (string sibling in Abandoned(parent, Path.GetFileName(full), Directory.EnumerateDirectories))
        {
            if (sibling.EndsWith(".old", StringComparison.Ordinal) && !Directory.Exists(full)) Directory.Move(sibling, full);
            else TryDeleteDirectory(sibling);
        }
    }

    /// <summary>
    /// The hidden .NAME.PID.HOST.GUID.tmp/.old entries a process of this machine that is no longer running left
    /// beside NAME (files of <see cref="Write"/>, folders of <see cref="WriteDirectory"/>), oldest name first.
    /// </summary>
    private static IEnumerable<string> Abandoned(string parent, string name, Func<string, string, IEnumerable<string>> enumerate) =>
        enumerate(parent, $".{name}.*").Order(StringComparer.Ordinal).Where(entry =>
        {
            string[] parts = Path.GetFileName(entry)[(name.Length + 2)..].Split('.');
            return parts.Length == 4 && parts[3] is "tmp" or "old" && parts[1] == ThisHost && int.TryParse(parts[0], out int pid) && !IsRunning(pid);
        }).ToArray();

    /// <summary>This machine's name as 8 hex digits (a name may hold dots, which separate the parts above).</summary>
    internal static readonly string ThisHost =
        InputFile.Sha256OfText(Environment.MachineName)[..8];

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Creates an output folder or says, in one line, why it cannot be used.</summary>
    /// <param name="option">The option that named it, for the Fix.</param>
    public static string EnsureDirectory(string dir, string option = "--outdir")
    {
        string full = Path.GetFullPath(dir);
        if (File.Exists(full))
            throw new SirenException($"'{full}' is a file, not a folder. Fix: choose a folder for {option}.");
        try
        {
            CreateDirectory(full);
            string probe = Path.Combine(full, $".siren-write-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return full;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SirenException($"cannot write to output folder '{full}': {e.Message} Fix: choose a writable folder with {option}.", e);
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static void TryDeleteDirectory(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
