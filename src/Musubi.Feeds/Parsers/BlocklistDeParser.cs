using Musubi.Feeds.Events;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Parsers;

/// <summary>blocklist.de lists: one IP address per line; the list (file name, e.g. imap.txt) names the attack.</summary>
public sealed class BlocklistDeParser : LineFeedParser
{
    private static readonly int Feed = FeedSymbols.Intern("blocklist.de");
    private static readonly Classification BruteForce = new("intrusion-attempts", "brute-force", "blocklistde-brute-force");
    private static readonly Classification Other = new("other", "blacklist", "blocklistde");

    public override string Type => "blocklistde";

    public override string Description => "blocklist.de lists (one IP per line; the file name names the list: ssh, imap, mail, ...)";

    /// <summary>Only lines that are bare IPv4 addresses, and nothing else (no other format looks like this).</summary>
    public override bool Recognises(ReadOnlySpan<byte> head, string? fileName)
    {
        var lines = new LineReader(head);
        int addresses = 0;
        while (lines.Next(out ReadOnlySpan<byte> line, out _, out int offset))
        {
            if (offset + line.Length >= head.Length && head.Length >= 4096)
            {
                break; // the last, possibly cut, line of the head
            }

            if (line.IsEmpty)
            {
                continue;
            }

            if (!FeedAddress.TryParse(line, out _))
            {
                return false;
            }

            addresses++;
        }

        return addresses > 0;
    }

    protected override void ParseLine(ReadOnlySpan<byte> line, FeedParseContext context)
    {
        context.Set(FeedField.SourceIp, line, required: true, column: "ip");
        string list = Path.GetFileNameWithoutExtension(context.Options.FileName ?? "").ToLowerInvariant();
        (list is "ssh" or "imap" or "mail" or "ftp" or "sip" or "bruteforcelogin" or "apache" or "strongips" ? BruteForce : Other).ApplyTo(context);
        context.SetSymbol(FeedField.FeedName, Feed);
        if (list.Length > 0)
        {
            context.Extra("extra.list", list);
        }
    }
}
