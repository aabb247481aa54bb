using System.Runtime.CompilerServices;

namespace Siren.Core.Tests;

/// <summary>Finds the repository root (the folder holding Siren.Native.sln) and the shared data beside it.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>../shared/data beside the repository, or null when this checkout has none.</summary>
    public static string? SharedData
    {
        get
        {
            string dir = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));
            return Directory.Exists(dir) ? dir : null;
        }
    }

    public static string NewTempDir([CallerMemberName] string name = "")
    {
        string dir = Path.Combine(Path.GetTempPath(), "siren-tests", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Siren.Native.sln"))) return dir.FullName;
        throw new InvalidOperationException("Siren.Native.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fact that needs ../shared/data; reported as skipped, with the reason, when it is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (TestPaths.SharedData is null) Skip = "../shared/data is absent beside the repository; shared-data tests skipped.";
    }
}
