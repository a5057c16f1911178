using Musubi.Feeds.Events;
using Musubi.Feeds.Parsers;
using Musubi.Feeds.Parsing;
using Musubi.Testing;

namespace Musubi.Feeds.Tests;

/// <summary>Reads corpus files (../shared/corpora/feeds) and parses them.</summary>
internal static class FeedCorpus
{
    public static string File(params string[] path) => Corpora.Require(["feeds", .. path]);

    public static CollectingSink Parse(IFeedParser parser, string path, FeedParseOptions? options = null) =>
        Parse(parser, System.IO.File.ReadAllBytes(path), Path.GetFileName(path), options);

    public static CollectingSink Parse(IFeedParser parser, byte[] data, string fileName, FeedParseOptions? options = null)
    {
        var sink = new CollectingSink();
        parser.Parse(data, new FeedParseContext(sink, (options ?? FeedParseOptions.Default) with { FileName = fileName }));
        return sink;
    }

    /// <summary>Lines that are neither blank nor start with one of the comment characters.</summary>
    public static int DataLines(string path, string comments) =>
        System.IO.File.ReadAllLines(path).Count(l => l.Trim().Length > 0 && !comments.Contains(l.TrimStart()[0], StringComparison.Ordinal));

    public static void AssertSourced(FeedEvent e)
    {
        Assert.True(!e.Source.IsEmpty || e.SourceFqdn is not null || e.SourceUrl is not null || e.SourceAsn != 0, $"line {e.Line} has no source");
        Assert.True(e.Taxonomy > 0 && e.Type > 0, $"line {e.Line} has no classification");
        Assert.True(e.FeedName > 0, $"line {e.Line} has no feed.name");
        Assert.True(e.Line > 0);
    }

    public static string S(int symbol) => FeedSymbols.Get(symbol);
}
