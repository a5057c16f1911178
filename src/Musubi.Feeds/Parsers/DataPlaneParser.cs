using System.Globalization;
using System.Text;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Parsers;

/// <summary>
/// DataPlane.org reports (all 13: dnsrd, dnsrdany, dnsversion, proto41, sipinvitation, sipquery, sipregistration,
/// smtpdata, smtpgreet, sshclient, sshpwauth, telnetlogin, vncrfb): ASN | AS name | address | last seen | category,
/// and proto41 with first and last seen. The category (last field) picks the classification.
/// </summary>
public sealed class DataPlaneParser : LineFeedParser
{
    private static readonly int Feed = FeedSymbols.Intern("DataPlane");
    private static readonly Dictionary<string, (string Taxonomy, string Type)> Categories = new(StringComparer.Ordinal)
    {
        ["sshpwauth"] = ("intrusion-attempts", "brute-force"),
        ["telnetlogin"] = ("intrusion-attempts", "brute-force"),
        ["proto41"] = ("vulnerable", "vulnerable-system"),
    };

    private static readonly Dictionary<string, Classification> Cache = new(StringComparer.Ordinal);
    private static readonly Lock CacheGate = new();

    public override string Type => "dataplane";

    public override string Description => "DataPlane.org reports (all 13 categories, pipe-separated)";

    public override bool Recognises(ReadOnlySpan<byte> head, string? fileName) => StartsWithComment(head, "# DataPlane.org"u8);

    protected override void ParseLine(ReadOnlySpan<byte> line, FeedParseContext context)
    {
        Span<Range> f = stackalloc Range[16];
        int n = PlainFields.Split(line, (byte)'|', f);
        if (n < 5)
        {
            context.Fail($"{(n < 0 ? "more than 16" : n.ToString(CultureInfo.InvariantCulture))} fields, expected 5 (ASN | AS name | address | last seen | category) or 6 (proto41: with first seen)");
            return;
        }

        // An AS name may itself contain '|': the address and times are counted from the end.
        bool proto41 = line[f[n - 1]].SequenceEqual("proto41"u8);
        int ip = n - (proto41 ? 4 : 3);
        if (ip < 2)
        {
            context.Fail("proto41 rows have 6 fields (ASN | AS name | address | first seen | last seen | category)");
            return;
        }

        ReadOnlySpan<byte> asn = line[f[0]];
        if (!asn.SequenceEqual("NA"u8))
        {
            context.Set(FeedField.SourceAsn, asn, column: "ASN");
        }

        ReadOnlySpan<byte> asName = line[f[1].Start..f[ip - 1].End];
        if (!asName.SequenceEqual("NA"u8))
        {
            context.Extra("extra.source.as_name", asName);
        }

        context.Set(FeedField.SourceIp, line[f[ip]], required: true, column: "ipaddr");
        if (proto41)
        {
            context.Extra("extra.first_seen", line[f[n - 3]]);
        }

        context.Set(FeedField.TimeSource, line[f[n - 2]], required: true, column: "lastseen");
        string category = Encoding.ASCII.GetString(line[f[n - 1]]).ToLowerInvariant();
        if (category.Length == 0)
        {
            context.Fail("the category (last field) is empty");
            return;
        }

        ClassificationOf(category).ApplyTo(context);
        context.SetSymbol(FeedField.FeedName, Feed);
    }

    private static Classification ClassificationOf(string category)
    {
        lock (CacheGate)
        {
            if (!Cache.TryGetValue(category, out Classification? c))
            {
                (string taxonomy, string type) = Categories.GetValueOrDefault(category, ("information-gathering", "scanner"));
                c = Cache.Count < 256 ? Cache[category] = new Classification(taxonomy, type, "dataplane-" + category) : new Classification(taxonomy, type, "dataplane-" + category);
            }

            return c;
        }
    }
}
