using System.CommandLine;

namespace Siren.Cli;

/// <summary>
/// An option whose value is one of an enum's names. The parser takes any case; help and the parse error
/// name the choices in lower case, as users type them and the docs write them (the parser's own help would
/// print &lt;Exact|Reference&gt; [default: Reference]).
/// </summary>
public static class ChoiceOption
{
    /// <summary>
    /// The default is in the description, not a DefaultValueFactory, whose value help would print as the enum
    /// names it; read the option with <see cref="ParseResultExtensions.ValueOr{T}"/>, which gives the default when it is not given.
    /// </summary>
    public static Option<T> Create<T>(string name, string description, T defaultValue) where T : struct, Enum => new(name)
    {
        HelpName = string.Join("|", Enum.GetNames<T>().Select(n => n.ToLowerInvariant())),
        Description = $"{description} {DefaultText(defaultValue)}",
    };

    public static string DefaultText<T>(T value) where T : struct, Enum => $"[default: {value.ToString().ToLowerInvariant()}]";
}
