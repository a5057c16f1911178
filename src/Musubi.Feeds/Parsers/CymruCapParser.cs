using System.Globalization;
using System.Text;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Parsers;

/// <summary>
/// Team Cymru CAP (both the "infected" report|ip|asn|timestamp|comments|asn_name layout and the newer "certname"
/// category|address|asn|timestamp|optional_information|asninfo layout): six pipe-separated fields. The category
/// picks the classification; the comments are kept whole and their "family:", "mwtype", destination and port
/// hints are lifted into fields.
/// </summary>
public sealed class CymruCapParser : LineFeedParser
{
    private static readonly int Feed = FeedSymbols.Intern("Team Cymru CAP");
    private static readonly Dictionary<string, Classification> Categories = new(StringComparer.Ordinal)
    {
        ["bot"] = new("malicious-code", "infected-system", "cymru-bot"),
        ["bots"] = new("malicious-code", "infected-system", "cymru-bot"),
        ["conficker"] = new("malicious-code", "infected-system", "conficker"),
        ["controller"] = new("malicious-code", "c2-server", "cymru-controller"),
        ["bruteforce"] = new("intrusion-attempts", "brute-force", "cymru-bruteforce"),
        ["darknet"] = new("other", "other", "cymru-darknet"),
        ["honeypot"] = new("other", "other", "cymru-honeypot"),
        ["phishing"] = new("fraud", "phishing", "cymru-phishing"),
        ["proxy"] = new("vulnerable", "vulnerable-system", "cymru-open-proxy"),
        ["openresolver"] = new("vulnerable", "vulnerable-system", "dns-open-resolver"),
        ["openresolvers"] = new("vulnerable", "vulnerable-system", "dns-open-resolver"),
        ["scanner"] = new("information-gathering", "scanner", "cymru-scanner"),
        ["spam"] = new("abusive-content", "spam", "cymru-spam"),
    };

    public override string Type => "cymru-cap";

    public override string Description => "Team Cymru CAP (infected and certname layouts, pipe-separated)";

    public override bool Recognises(ReadOnlySpan<byte> head, string? fileName) =>
        head.IndexOf("#category|address|asn|timestamp"u8) >= 0 || head.IndexOf("# Format: report|ip|asn|timestamp"u8) >= 0;

    protected override void ParseLine(ReadOnlySpan<byte> line, FeedParseContext context)
    {
        Span<Range> f = stackalloc Range[8];
        int n = PlainFields.Split(line, (byte)'|', f);
        if (n != 6)
        {
            context.Fail($"{(n < 0 ? "more than 8" : n.ToString(CultureInfo.InvariantCulture))} fields, expected 6 (category|address|asn|timestamp|information|asn name)");
            return;
        }

        string category = Encoding.ASCII.GetString(line[f[0]]).ToLowerInvariant();
        if (!Categories.TryGetValue(category, out Classification? classification))
        {
            classification = new Classification("other", "other", "cymru-" + category);
        }

        classification.ApplyTo(context);
        context.SetSymbol(FeedField.FeedName, Feed);
        context.Set(FeedField.SourceIp, line[f[1]], required: true, column: "address");
        context.Set(FeedField.SourceAsn, line[f[2]], column: "asn");
        context.Set(FeedField.TimeSource, line[f[3]], required: true, column: "timestamp");
        ReadOnlySpan<byte> info = line[f[4]];
        context.Extra("extra.source.as_name", line[f[5]]);
        if (info.IsEmpty)
        {
            return;
        }

        context.Extra("extra.comment", info);
        if (category == "phishing" && info.StartsWith("http"u8))
        {
            context.Set(FeedField.SourceUrl, info.TrimEnd((byte)';'));
        }

        if (category == "conficker")
        {
            context.Set(FeedField.MalwareName, "conficker"u8);
        }

        ReadHints(Encoding.UTF8.GetString(info), context);
    }

    /// <summary>"family: X;", "mwtype X", "dest_addr: ip", "destaddr ip", "dest_port: n", "srcport n", "port: n", "protocol: n".</summary>
    private static void ReadHints(string info, FeedParseContext context)
    {
        string[] words = info.Split([' ', ';', ':', ','], StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i + 1 < words.Length; i++)
        {
            byte[] next = Encoding.UTF8.GetBytes(words[i + 1]);
            switch (words[i])
            {
                case "family" or "mwtype":
                    context.Set(FeedField.MalwareName, next);
                    break;
                case "dest_addr" or "destaddr" or "dstaddr":
                    context.Set(FeedField.DestinationIp, next, column: words[i]);
                    break;
                case "dest_port":
                    context.Set(FeedField.DestinationPort, next, column: words[i]);
                    break;
                case "srcport" or "port":
                    context.Set(FeedField.SourcePort, next, column: words[i]);
                    break;
                case "protocol":
                    context.Set(FeedField.ProtocolTransport, words[i + 1] switch { "6" => "tcp"u8, "17" => "udp"u8, "1" => "icmp"u8, _ => next });
                    break;
            }
        }
    }
}
