namespace Siren.Core;

/// <summary>
/// An error the user can fix: bad input, a missing file, an unwritable folder. The message is one line
/// that names the file and says what to do; the CLI prints it without a stack trace and exits non-zero.
/// </summary>
public sealed class SirenException : Exception
{
    public SirenException(string message) : base(message) { }
    public SirenException(string message, Exception inner) : base(message, inner) { }

    /// <summary>
    /// The first user error a parallel loop wrapped, or null: one bad map among many surfaces as an
    /// AggregateException, and the user should see its one line, not the wrapper.
    /// </summary>
    public static SirenException? FirstIn(AggregateException e) => e.Flatten().InnerExceptions.OfType<SirenException>().FirstOrDefault();

    /// <summary>Runs parallel work whose user errors surface as themselves, not wrapped (for library callers; the CLI unwraps too).</summary>
    public static void Unwrapped(Action parallelWork)
    {
        try
        {
            parallelWork();
        }
        catch (AggregateException e) when (FirstIn(e) is { } user)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(user);
        }
    }
}
