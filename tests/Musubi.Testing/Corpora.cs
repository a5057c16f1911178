using Xunit;

namespace Musubi.Testing;

/// <summary>
/// The shared test corpora (<c>shared/corpora</c>), which sit beside the clone of the repository rather than in it.
/// </summary>
public static class Corpora
{
    /// <summary>Set this to a corpora folder to override the search.</summary>
    public const string EnvironmentVariable = "MUSUBI_CORPORA";

    /// <summary>
    /// The corpora folder, or null when absent: <c>$MUSUBI_CORPORA</c> if set, else the first <c>shared/corpora</c>
    /// found in <see cref="AppContext.BaseDirectory"/> or one of its ancestors (the repo is cloned next to
    /// <c>shared/</c>).
    /// </summary>
    public static string? Path
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrEmpty(fromEnv))
            {
                return System.IO.Directory.Exists(fromEnv) ? System.IO.Path.GetFullPath(fromEnv) : null;
            }

            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = System.IO.Path.Combine(dir.FullName, "shared", "corpora");
                if (System.IO.Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }
    }

    /// <summary>
    /// Returns the corpora folder, or skips the current test when it is absent. Under CI (<c>CI=true</c>), where the
    /// corpora always exist, absence fails the test instead, so a broken path cannot hide as skips.
    /// </summary>
    public static string Require()
    {
        var path = Path;
        if (path is not null)
        {
            return path;
        }

        var fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnv))
        {
            Assert.Fail($"{EnvironmentVariable}={fromEnv} is set but that folder does not exist");
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"corpora absent under CI: no shared/corpora found above {AppContext.BaseDirectory}");
        }

        Assert.Skip("corpora absent: ../shared/corpora not found next to the clone (CI always has it)");
        return null!; // unreachable: Assert.Skip throws
    }

    /// <summary>
    /// Returns a file or folder inside the corpora (e.g. <c>Require("kev", "known_exploited.json")</c>); skips like
    /// <see cref="Require()"/> when the corpora are absent, and fails when they are present but lack that entry.
    /// </summary>
    public static string Require(params string[] relativePath)
    {
        var full = System.IO.Path.Combine([Require(), .. relativePath]);
        if (!File.Exists(full) && !System.IO.Directory.Exists(full))
        {
            Assert.Fail($"corpora entry missing: {full}");
        }

        return full;
    }
}
