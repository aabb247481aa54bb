using System.CommandLine;
using System.Runtime.InteropServices;
using Siren.Core;

namespace Siren.Cli;

/// <summary>
/// Runs the parsed command and turns user errors into one line on stderr and exit code 2; an
/// unexpected failure gets one line too (exit 3), with the stack trace only under SIREN_DEBUG=1.
/// </summary>
public static class CliHost
{
    /// <param name="interruptible">
    /// The siren executable: Ctrl-C and SIGTERM remove the outputs half-written and end the process (<see cref="Interrupted"/>).
    /// Off for a host that runs commands in its own process (the tests, a C# code embedding the CLI), whose signals stay its own.
    /// </param>
    public static int Run(RootCommand root, string[] args, bool interruptible = false)
    {
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // One line, as for every other user error: the problems and where the options are listed.
            string command = parsed.CommandResult.Command == root ? "siren" : $"siren {parsed.CommandResult.Command.Name}";
            string problems = string.Join(" ", parsed.Errors.Select(e => PlainTypes(e.Message.TrimEnd('.')) + ".").Distinct());
            Console.Error.WriteLine($"error: {problems} Fix: see '{command} --help'.");
            return 2;
        }
        // An empty value (often an unset shell variable: --outdir "$OUT") would reach the file system as ""
        // and fail there without naming the option, or, for an output folder, mean the current one.
        if (FirstValue(parsed, (_, value) => string.IsNullOrWhiteSpace(value)) is var (emptyOption, _))
        {
            Console.Error.WriteLine($"error: {emptyOption} is empty. Fix: give it a value (an unset shell variable expands to nothing).");
            return 2;
        }
        // The parser reads numbers with thousands separators allowed, so a decimal comma (--threshold 1,5, as
        // written in much of Europe) would silently become 15.
        if (FirstValue(parsed, (option, value) => IsReal(option.ValueType) && value.Contains(',')) is var (name, comma))
        {
            Console.Error.WriteLine($"error: {name} {comma}: a comma in a number. Fix: write it with a decimal point and no thousands separator ({name} {comma.Replace(',', '.')} if that is what you meant).");
            return 2;
        }
        using var created = Siren.Core.IO.AtomicFile.TrackCreatedFolders();
        using var interrupt = interruptible ? PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Interrupted(c, created)) : null;
        using var terminate = interruptible ? PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Interrupted(c, created)) : null;
        int code = Invoke(parsed);
        // Finished, or failed, while an interrupt was cleaning up: the handler says what happened and ends the process.
        Siren.Core.IO.AtomicFile.WaitIfStopping();
        if (code != 0) created.RemoveEmpty();
        return code;
    }

    /// <summary>
    /// Ctrl-C or SIGTERM: the process stops (exit 130 or 143, as the shell's), but first lets the writes under
    /// way finish and removes the temporaries left, so the outputs are whole files (a stopped simulate keeps the
    /// maps it finished, without thresholds.csv or truth.json, which come last), and says so in one line.
    /// </summary>
    private static void Interrupted(PosixSignalContext context, Siren.Core.IO.AtomicFile.CreatedFolders created)
    {
        context.Cancel = true;
        int code = context.Signal == PosixSignal.SIGINT ? 130 : 143;
        // A second signal (Ctrl-C pressed again) while the first cleans up: stop at once.
        if (Interlocked.Exchange(ref _interrupted, 1) == 1) Environment.Exit(code);
        int removed = Siren.Core.IO.AtomicFile.StopWriting(TimeSpan.FromSeconds(1));
        created.RemoveEmpty();
        Console.Error.WriteLine($"error: interrupted ({context.Signal}); {(removed == 0 ? "no" : removed.ToString(System.Globalization.CultureInfo.InvariantCulture))} partial output{(removed == 1 ? "" : "s")} removed, finished ones kept. Fix: rerun the command to complete its outputs.");
        Environment.Exit(code);
    }

    private static int _interrupted;

    private static int Invoke(ParseResult parsed)
    {
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch when (Siren.Core.IO.AtomicFile.IsStopping)
        {
            // A failure the interrupt caused (a temporary it removed): the handler reports the interrupt instead.
            Siren.Core.IO.AtomicFile.WaitIfStopping();
            throw;
        }
        catch (Exception e) when (UserError(e) is { } user)
        {
            Console.Error.WriteLine($"error: {user.Message}");
            return 2;
        }
        catch (Exception e) when (FileSystemError(e) is { } denied)
        {
            // The readers and writers name the path in their own errors; this catches what slipped past
            // them, so a folder the user cannot read or a full disk is still theirs to fix, not a bug report.
            Console.Error.WriteLine($"error: {denied.Message} Fix: check the permissions of that path and the free space where outputs go.");
            return 2;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("error: cancelled.");
            return 130;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("SIREN_DEBUG") != "1")
        {
            Console.Error.WriteLine($"error: unexpected {e.GetType().Name}: {e.Message} (set SIREN_DEBUG=1 for the stack trace and report it).");
            return 3;
        }
    }

    /// <summary>
    /// The parser names .NET types ('System.Int32', 'Siren.Core.Statistics.CutoffRule') and lists choices
    /// on lines of their own; a user reads what kind of value is wanted, on one line.
    /// </summary>
    private static string PlainTypes(string message)
    {
        string typed = System.Text.RegularExpressions.Regex.Replace(message,
            @"as expected type '(?:System\.Nullable`1\[)?(?:[\w]+\.)*(\w+)\]?'", m => m.Groups[1].Value switch
            {
                "Int32" or "Int64" => "as a whole number",
                "UInt32" or "UInt64" => "as a whole number ≥ 0",
                "Double" or "Single" => "as a number",
                _ => "as one of the choices",
            });
        string[] lines = typed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // The choices listed are enum names (Exact, Reference); help and the docs write them as typed, in lower case.
        return lines.Length == 1 ? lines[0] : $"{lines[0]} {string.Join(", ", lines[1..].Select(c => c.ToLowerInvariant()))}";
    }

    /// <summary>The first option value (as given on the command line, with the option's name) that <paramref name="bad"/> flags.</summary>
    private static (string Option, string Value)? FirstValue(ParseResult parsed, Func<Option, string, bool> bad) =>
        parsed.CommandResult.Children.OfType<System.CommandLine.Parsing.OptionResult>()
            .SelectMany(o => o.Tokens.Select(t => (Result: o, t.Value)))
            .Where(x => bad(x.Result.Option, x.Value))
            .Select(x => ((string Option, string Value)?)(x.Result.IdentifierToken?.Value ?? x.Result.Option.Name, x.Value))
            .FirstOrDefault();

    private static bool IsReal(Type type) => (Nullable.GetUnderlyingType(type) ?? type) is var t && (t == typeof(double) || t == typeof(float));

    private static SirenException? UserError(Exception e) => e switch
    {
        SirenException s => s,
        AggregateException a => SirenException.FirstIn(a),
        _ => null,
    };

    private static Exception? FileSystemError(Exception e) => e switch
    {
        UnauthorizedAccessException or IOException => e,
        AggregateException a => a.Flatten().InnerExceptions.FirstOrDefault(i => i is UnauthorizedAccessException or IOException),
        _ => null,
    };

    /// <summary>Progress lines on stderr, at most one per 5 % step, so logs stay short.</summary>
    public static IProgress<double> Progress(string stage) => new StepProgress(stage);

    public static void Log(string line) => Console.Error.WriteLine(line);

    private sealed class StepProgress(string stage) : IProgress<double>
    {
        private readonly Lock _gate = new();
        private int _lastStep = -1;

        public void Report(double value)
        {
            int step = (int)Math.Floor(Math.Clamp(value, 0, 1) * 20);
            if (step <= Volatile.Read(ref _lastStep)) return;
            // Parallel workers report at once: the step is claimed and printed under one lock so lines never go backwards.
            lock (_gate)
            {
                if (step <= _lastStep) return;
                _lastStep = step;
                Console.Error.WriteLine($"{stage}: {step * 5}%");
            }
        }
    }
}
