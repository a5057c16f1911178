using System.Globalization;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Parsers;

/// <summary>DShield's recommended block list: tab-separated start, end, prefix length, attacks, name, country, e-mail.</summary>
public sealed class DShieldBlockParser : LineFeedParser
{
    private static readonly int Feed = FeedSymbols.Intern("DShield Block");
    private static readonly Classification Class = new("other", "blacklist", "dshield-block");

    public override string Type => "dshield-block";

    public override string Description => "DShield recommended block list (top attacking /24 networks, tab-separated)";

    public override bool Recognises(ReadOnlySpan<byte> head, string? fileName) => head.IndexOf("DShield.org Recommended Block List"u8) >= 0;

    protected override bool IsHeader(ReadOnlySpan<byte> line) => line.StartsWith("Start\t"u8);

    protected override void Prepare(ReadOnlySpan<byte> data, FeedParseContext context) =>
        context.FileTime = HeaderTime.Find(data, "updated:"u8, ["ddd MMM d HH:mm:ss yyyy 'UTC'", "ddd MMM dd HH:mm:ss yyyy 'UTC'"]);

    protected override void ParseLine(ReadOnlySpan<byte> line, FeedParseContext context)
    {
        Span<Range> f = stackalloc Range[8];
        int n = PlainFields.Split(line, (byte)'\t', f);
        if (n is < 3 or > 7)
        {
            context.Fail($"{(n < 0 ? "more than 8" : n.ToString(CultureInfo.InvariantCulture))} fields, expected 3 to 7 (start, end, netblock, attacks, name, country, e-mail)");
            return;
        }

        Span<byte> cidr = stackalloc byte[64];
        ReadOnlySpan<byte> start = line[f[0]];
        ReadOnlySpan<byte> length = line[f[2]];
        if (start.Length + length.Length + 1 > cidr.Length)
        {
            context.Fail("start or netblock too long");
            return;
        }

        start.CopyTo(cidr);
        cidr[start.Length] = (byte)'/';
        length.CopyTo(cidr[(start.Length + 1)..]);
        context.Set(FeedField.SourceNetwork, cidr[..(start.Length + 1 + length.Length)], required: true, column: "start/netblock");
        context.Extra("extra.end", line[f[1]]);
        if (n > 3)
        {
            context.Extra("extra.attacks", line[f[3]]);
        }

        if (n > 4)
        {
            context.Extra("extra.source.as_name", line[f[4]]);
        }

        if (n > 5)
        {
            context.Set(FeedField.SourceCountry, line[f[5]], column: "country");
        }

        if (n > 6)
        {
            context.Extra("extra.source.abuse_contact", line[f[6]]);
        }

        Class.ApplyTo(context);
        context.SetSymbol(FeedField.FeedName, Feed);
        context.SetTime(context.FileTime);
    }
}
