using System.CommandLine;

namespace Siren.Cli;

public static class ParseResultExtensions
{
    /// <summary>Whether the user gave <paramref name="option"/>, rather than it taking its default.</summary>
    public static bool Given(this ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>The option's value when given, else <paramref name="kept"/>.</summary>
    public static T ValueOr<T>(this ParseResult parse, Option<T> option, T kept) => parse.Given(option) ? parse.GetValue(option)! : kept;
}
