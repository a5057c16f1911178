using Musubi.Testing;

namespace Musubi.Stix.Tests;

/// <summary>The STIX data files of ../shared/corpora/stix (the JSON schemas and TLP extension schemas are not STIX data).</summary>
internal static class StixCorpus
{
    public static IReadOnlyList<string> Files()
    {
        var root = Corpora.Require("stix");
        return Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories)
            .Where(f =>
            {
                var rel = Path.GetRelativePath(root, f).Replace('\\', '/');
                return !rel.StartsWith("schemas/", StringComparison.Ordinal) && !rel.StartsWith("LICENSES/", StringComparison.Ordinal)
                    && !(rel.StartsWith("tlp-2.0/", StringComparison.Ordinal) && !rel.StartsWith("tlp-2.0/examples/", StringComparison.Ordinal));
            })
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
