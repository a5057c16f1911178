using Musubi.Detection.Events;
using Musubi.Detection.Sigma;

namespace Musubi.Benchmarks.Sigma;

/// <summary>
/// The Windows rules of the SigmaHQ corpus and the events of its regression cases (evtx_dump JSON), replicated to
/// <see cref="EventCount"/> events by cycling through them. Reads <c>shared/corpora</c> beside the clone (or
/// <c>$MUSUBI_CORPORA</c>).
/// </summary>
public static class SigmaBenchData
{
    public const int EventCount = 1_000_000;

    public static string CorporaPath()
    {
        var fromEnv = Environment.GetEnvironmentVariable("MUSUBI_CORPORA");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "corpora");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("shared/corpora not found: set MUSUBI_CORPORA");
    }

    /// <summary>Every rule document of rules*/ whose log source has product: windows (plus the documents that fail).</summary>
    public static SigmaDocumentSet WindowsRules()
    {
        var root = Path.Combine(CorporaPath(), "sigma");
        var all = new SigmaDocumentSet();
        foreach (var folder in new[] { "rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder" })
        {
            all.Add(SigmaLoader.LoadDirectory(Path.Combine(root, folder)));
        }

        var windows = new SigmaDocumentSet();
        windows.Rules.AddRange(all.Rules.Where(r => string.Equals(r.LogSource.Product, "windows", StringComparison.OrdinalIgnoreCase)));
        return windows;
    }

    /// <summary>The distinct regression events, each as its own UTF-8 JSON object.</summary>
    public static byte[][] DistinctEvents()
    {
        var folder = Path.Combine(CorporaPath(), "sigma", "regression_data");
        var events = new List<byte[]>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var data = File.ReadAllBytes(file);
            foreach (var item in JsonEventReader.Read(data, JsonEventReader.Detect(data)))
            {
                if (item.Error is null)
                {
                    events.Add(item.Json.ToArray());
                }
            }
        }

        return events.ToArray();
    }

    /// <summary><see cref="EventCount"/> events cycling through the distinct ones.</summary>
    public static byte[][] Replicate(byte[][] distinct, int count = EventCount) =>
        Enumerable.Range(0, count).Select(i => distinct[i % distinct.Length]).ToArray();
}
