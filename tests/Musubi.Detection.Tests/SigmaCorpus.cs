using Musubi.Detection.Sigma;
using Musubi.Testing;

namespace Musubi.Detection.Tests;

/// <summary>The SigmaHQ rules of the shared corpora, loaded once for all the tests that need them.</summary>
internal static class SigmaCorpus
{
    public static readonly string[] RuleFolders = ["rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder"];

    private static readonly Lazy<(SigmaDocumentSet Documents, SigmaEngine Engine)> Loaded = new(() =>
    {
        var root = Corpora.Path ?? throw new InvalidOperationException("corpora absent");
        var documents = new SigmaDocumentSet();
        foreach (var folder in RuleFolders)
        {
            documents.Add(SigmaLoader.LoadDirectory(System.IO.Path.Combine(root, "sigma", folder)));
        }

        return (documents, SigmaEngine.Build(documents));
    });

    /// <summary>Skips (or fails under CI) when the corpora are absent.</summary>
    public static string Root => Corpora.Require("sigma");

    public static SigmaEngine Engine
    {
        get
        {
            _ = Root;
            return Loaded.Value.Engine;
        }
    }

    public static SigmaDocumentSet Documents
    {
        get
        {
            _ = Root;
            return Loaded.Value.Documents;
        }
    }
}
