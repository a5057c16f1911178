using System.Globalization;
using System.Text;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Parsers;

/// <summary>Reads "; Last-Modified: Mon, 14 Sep 2015 04:39:22 GMT" style header times.</summary>
internal static class HeaderTime
{
    public static readonly string[] Rfc1123 = ["ddd, dd MMM yyyy HH:mm:ss 'GMT'", "r"];

    public static long Find(ReadOnlySpan<byte> data, ReadOnlySpan<byte> marker, string[] formats)
    {
        int at = data[..Math.Min(data.Length, 8192)].IndexOf(marker);
        if (at < 0)
        {
            return FeedEvent.NoTime;
        }

        ReadOnlySpan<byte> rest = data[(at + marker.Length)..];
        int end = rest.IndexOf((byte)'\n');
        string text = Encoding.ASCII.GetString((end < 0 ? rest : rest[..end]).Trim(" \t\r"u8));
        return DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out DateTimeOffset t)
            ? t.ToUnixTimeMilliseconds()
            : FeedEvent.NoTime;
    }
}

/// <summary>Spamhaus DROP and EDROP: "1.4.0.0/17 ; SBL256893".</summary>
public sealed class SpamhausDropParser : LineFeedParser
{
    private static readonly Classification Class = new("other", "blacklist", "spamhaus-drop");
    private static readonly int Feed = FeedSymbols.Intern("Spamhaus DROP");
    public override string Type => "spamhaus-drop";

    public override string Description => "Spamhaus DROP/EDROP network lists (CIDR ; SBL id)";

    public override bool Recognises(ReadOnlySpan<byte> head, string? fileName) =>
        StartsWithComment(head, "; Spamhaus"u8) && head.IndexOf("asndrop"u8) < 0 && FirstDataLine(head, ";#"u8).IndexOf((byte)'/') > 0;

    protected override void ParseLine(ReadOnlySpan<byte> line, FeedParseContext context)
    {
        int semi = line.IndexOf((byte)';');
        ReadOnlySpan<byte> network = (semi < 0 ? line : line[..semi]).Trim((byte)' ');
        context.Set(FeedField.SourceNetwork, network, required: true);
        if (semi >= 0)
        {
            context.Extra("extra.blocklist", line[(semi + 1)..].Trim((byte)' '));
        }

        Class.ApplyTo(context);
        context.SetSymbol(FeedField.FeedName, Feed);
        context.SetTime(context.FileTime);
    }

    protected override void Prepare(ReadOnlySpan<byte> data, FeedParseContext context) =>
        context.FileTime = HeaderTime.Find(data, "Last-Modified:"u8, HeaderTime.Rfc1123);
}

/// <summary>Spamhaus ASN-DROP: "AS260 ; AE | XCONNECT24 - Xconnect24 Inc., US".</summary>
public sealed class SpamhausAsnDropParser : LineFeedParser
{
    private static readonly Classification Class = new("other", "blacklist", "spamhaus-asndrop");
    private static readonly int Feed = FeedSymbols.Intern("Spamhaus ASN-DROP");

    public override string Type => "spamhaus-asndrop";

    public override string Description => "Spamhaus ASN-DROP (AS number ; country | AS name)";

    public override bool Recognises(ReadOnlySpan<byte> head, string? fileName) =>
        StartsWithComment(head, "; Spamhaus"u8) && (head.IndexOf("asndrop"u8) >= 0 || FirstDataLine(head, ";#"u8).StartsWith("AS"u8));

    protected override void Prepare(ReadOnlySpan<byte> data, FeedParseContext context) =>
        context.FileTime = HeaderTime.Find(data, "Last-Modified:"u8, HeaderTime.Rfc1123);

    protected override void ParseLine(ReadOnlySpan<byte> line, FeedParseContext context)
    {
        int semi = line.IndexOf((byte)';');
        ReadOnlySpan<byte> asn = (semi < 0 ? line : line[..semi]).Trim((byte)' ');
        if (!asn.StartsWith("AS"u8) || !FeedParseContext.TryAsn(asn, out uint number) || number == 0)
        {
            context.Fail($"'{FeedParseContext.Shorten(asn)}' is not an AS number (ASnnn)");
            return;
        }

        context.SetSourceAsn(number);
        if (semi >= 0)
        {
            ReadOnlySpan<byte> rest = line[(semi + 1)..];
            int bar = rest.IndexOf((byte)'|');
            ReadOnlySpan<byte> cc = (bar < 0 ? rest : rest[..bar]).Trim((byte)' ');
            context.Set(FeedField.SourceCountry, cc);
            if (bar >= 0)
            {
                context.Extra("extra.source.as_name", rest[(bar + 1)..].Trim((byte)' '));
            }
        }

        Class.ApplyTo(context);
        context.SetSymbol(FeedField.FeedName, Feed);
        context.SetTime(context.FileTime);
    }
}

/// <summary>Spamhaus CERT portal CSV: ip, asn, country, lastseen, botname, domain, remote_ip, remote_port, local_port, protocol.</summary>
public sealed class SpamhausCertParser : LineFeedParser
{
    private static readonly int Feed = FeedSymbols.Intern("Spamhaus CERT");
    private static readonly Classification Bot = new("malicious-code", "infected-system", "spamhaus-cert-bot");
    private static readonly Classification BruteForce = new("intrusion-attempts", "brute-force", "spamhaus-cert-brute-force");
    private static readonly Classification Scanner = new("information-gathering", "scanner", "spamhaus-cert-scanner");
    private static readonly Classification Spam = new("abusive-content", "spam", "spamhaus-cert-spam");
    private static readonly Classification OpenRelay = new("vulnerable", "vulnerable-system", "spamhaus-cert-open-relay");
    private static readonly Classification Proxy = new("vulnerable", "vulnerable-system", "spamhaus-cert-open-proxy");

    public override string Type => "spamhaus-cert";

    public override string Description => "Spamhaus CERT portal CSV (infected hosts with bot name)";

    public override bool Recognises(ReadOnlySpan<byte> head, string? fileName) =>
        StartsWithComment(head, "; ip, asn, country, lastseen, botname"u8);

    protected override void ParseLine(ReadOnlySpan<byte> line, FeedParseContext context)
    {
        Span<Range> f = stackalloc Range[16];
        int n = PlainFields.Split(line, (byte)',', f);
        if (n != 10)
        {
            context.Fail($"{(n < 0 ? "more than 16" : n.ToString(CultureInfo.InvariantCulture))} fields, expected 10 (ip, asn, country, lastseen, botname, domain, remote_ip, remote_port, local_port, protocol)");
            return;
        }

        context.Set(FeedField.SourceIp, line[f[0]], required: true, column: "ip");
        context.Set(FeedField.SourceAsn, line[f[1]], column: "asn");
        context.Set(FeedField.SourceCountry, line[f[2]], column: "country");
        context.Set(FeedField.TimeSource, line[f[3]], required: true, column: "lastseen");
        ReadOnlySpan<byte> bot = line[f[4]];
        Classify(bot).ApplyTo(context);
        context.Set(FeedField.MalwareName, bot, required: true, column: "botname");
        Optional(context, FeedField.None, "destination.fqdn", line[f[5]]);
        Optional(context, FeedField.DestinationIp, "remote_ip", line[f[6]]);
        Optional(context, FeedField.DestinationPort, "remote_port", line[f[7]]);
        Optional(context, FeedField.SourcePort, "local_port", line[f[8]]);
        Optional(context, FeedField.ProtocolTransport, "protocol", line[f[9]]);
        context.SetSymbol(FeedField.FeedName, Feed);
    }

    /// <summary>"-" and "?" mean "unknown"; values that do not fit (a URL in the domain column) are kept as extras.</summary>
    private static void Optional(FeedParseContext context, FeedField field, string name, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty || value.SequenceEqual("-"u8) || value.SequenceEqual("?"u8))
        {
            return;
        }

        if (field == FeedField.None)
        {
            context.Extra(name, value);
        }
        else
        {
            context.Set(field, value, column: name);
        }
    }

    private static Classification Classify(ReadOnlySpan<byte> bot) => bot switch
    {
        _ when bot.SequenceEqual("openrelay"u8) => OpenRelay,
        _ when bot.SequenceEqual("proxyget"u8) => Proxy,
        _ when bot.EndsWith("auth"u8) || bot.SequenceEqual("imap"u8) || bot.SequenceEqual("iotrdp"u8) || bot.SequenceEqual("w_wplogin"u8) => BruteForce,
        _ when bot.SequenceEqual("wpscanner"u8) || bot.SequenceEqual("iotscan"u8) => Scanner,
        _ when bot.StartsWith("l_"u8) || bot.SequenceEqual("extortion"u8) || bot.SequenceEqual("authspoofbadehlo"u8) || bot.SequenceEqual("misc"u8) => Spam,
        _ => Bot,
    };
}
