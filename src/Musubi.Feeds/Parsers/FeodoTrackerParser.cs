using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Parsers;

/// <summary>
/// abuse.ch Feodo Tracker's browse page: the HTML table of botnet C&amp;Cs (first seen, host, malware, status,
/// network (ASN), country), read with AngleSharp's HTML5 parser. Each body row is one event; its line is the row's
/// line in the page.
/// </summary>
public sealed class FeodoTrackerParser : IFeedParser
{
    private static readonly int Feed = FeedSymbols.Intern("Feodo Tracker");
    private static readonly Classification Class = new("malicious-code", "c2-server", "feodo");

    public string Type => "feodotracker-html";

    public string Description => "abuse.ch Feodo Tracker browse page (HTML table of botnet C&Cs)";

    public bool Recognises(ReadOnlySpan<byte> head, string? fileName) =>
        head.IndexOf("Feodo Tracker"u8) >= 0 && head.IndexOf("<html"u8) >= 0;

    public void Parse(ReadOnlySpan<byte> data, FeedParseContext context)
    {
        string html = Encoding.UTF8.GetString(data);
        var parser = new HtmlParser(new HtmlParserOptions { IsKeepingSourceReferences = true });
        using IDocument document = parser.ParseDocument(html);
        IElement? table = document.QuerySelector("table#botnet_c2s") ?? document.QuerySelector("table");
        if (table is null)
        {
            context.RejectInput("no <table> in the page");
            return;
        }

        string[] header = [.. table.QuerySelectorAll("thead th").Select(th => th.TextContent.Trim().ToLowerInvariant())];
        int Column(string prefix) => Array.FindIndex(header, h => h.StartsWith(prefix, StringComparison.Ordinal));
        int firstSeen = Column("firstseen"), host = Column("host"), malware = Column("malware"), status = Column("status"), network = Column("network"), country = Column("country");
        if (firstSeen < 0 || host < 0 || malware < 0)
        {
            context.RejectInput("the table header lacks one of: Firstseen, Host, Malware");
            return;
        }

        int charsCounted = 0;
        long bytesCounted = 0;
        foreach (IElement row in table.QuerySelectorAll("tbody tr"))
        {
            if (context.Stopped)
            {
                return;
            }

            int line = row.SourceReference?.Position.Line ?? 0;
            int charStart = row.SourceReference?.Position.Position ?? 0;
            if (charStart >= charsCounted && charStart <= html.Length)
            {
                bytesCounted += Encoding.UTF8.GetByteCount(html.AsSpan(charsCounted, charStart - charsCounted));
                charsCounted = charStart;
            }

            string outer = row.OuterHtml;
            context.Begin(line, bytesCounted, Encoding.UTF8.GetByteCount(outer));
            string[] cells = [.. row.QuerySelectorAll("td").Select(td => td.TextContent.Trim())];
            if (cells.Length < header.Length)
            {
                context.Fail($"{cells.Length} cells, the header has {header.Length}");
                context.End();
                continue;
            }

            context.Set(FeedField.TimeSource, Encoding.UTF8.GetBytes(cells[firstSeen]), required: true, column: "Firstseen");
            context.Set(FeedField.SourceIp, Encoding.UTF8.GetBytes(cells[host]), required: true, column: "Host");
            context.Set(FeedField.MalwareName, Encoding.UTF8.GetBytes(cells[malware]), required: true, column: "Malware");
            if (status >= 0)
            {
                context.Extra("extra.status", cells[status].ToLowerInvariant());
            }

            if (network >= 0 && cells[network].Length > 0)
            {
                string[] parts = cells[network].Split(' ', 2);
                if (!context.Set(FeedField.SourceAsn, Encoding.UTF8.GetBytes(parts[0]), column: "Network"))
                {
                    parts = ["", cells[network]];
                }

                if (parts.Length > 1)
                {
                    context.Extra("extra.source.as_name", parts[1]);
                }
            }

            if (country >= 0)
            {
                context.Set(FeedField.SourceCountry, Encoding.UTF8.GetBytes(cells[country]), column: "Country");
            }

            Class.ApplyTo(context);
            context.SetSymbol(FeedField.FeedName, Feed);
            context.End();
        }
    }
}
