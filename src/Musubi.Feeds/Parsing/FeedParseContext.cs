using System.Text;
using Musubi.Feeds.Events;

namespace Musubi.Feeds.Parsing;

/// <summary>
/// Builds events row by row for a parser: <see cref="Begin"/>, set fields (each checked as it is set), then
/// <see cref="End"/>, which hands the sink exactly one event or one error for the row.
/// </summary>
public sealed class FeedParseContext(IFeedSink sink, FeedParseOptions options)
{
    private FeedEvent _event;
    private string? _rowError;

    public FeedParseOptions Options { get; } = options;

    public int EventCount { get; private set; }

    /// <summary>A time the file states once (e.g. Spamhaus' Last-Modified), used as time.source for rows without their own.</summary>
    public long FileTime { get; set; } = FeedEvent.NoTime;

    public int ErrorCount { get; private set; }

    /// <summary>True once <see cref="FeedParseOptions.MaxErrors"/> rows were rejected: parsers stop.</summary>
    public bool Stopped => ErrorCount >= Options.MaxErrors;

    public void Begin(int line, long offset, int length)
    {
        _event = FeedEvent.Empty;
        _event.Line = line;
        _event.Raw = new RawRef(offset, Options.SourceId, length);
        _rowError = null;
    }

    public int CurrentLine => _event.Line;

    /// <summary>Rejects the current row (the first reason given wins).</summary>
    public void Fail(string reason) => _rowError ??= reason;

    /// <summary>Rejects a line that never became a row (too long, unreadable).</summary>
    public void Reject(int line, string reason)
    {
        ErrorCount++;
        sink.OnError(new FeedError(line, reason));
    }

    /// <summary>A whole-input problem (a missing required column, an unknown report): line 0.</summary>
    public void RejectInput(string reason) => Reject(0, reason);

    public void End()
    {
        if (_rowError is null && _event.Source.IsEmpty && _event.SourceFqdn is null && _event.SourceUrl is null && _event.SourceAsn == 0)
        {
            _rowError = "no source: the row has no IP address, network, domain name, URL or ASN";
        }

        if (_rowError is not null)
        {
            Reject(_event.Line, _rowError);
            return;
        }

        EventCount++;
        sink.OnEvent(in _event);
    }

    public void SetSymbol(FeedField field, int symbol)
    {
        switch (field)
        {
            case FeedField.Taxonomy: _event.Taxonomy = symbol; break;
            case FeedField.Type: _event.Type = symbol; break;
            case FeedField.Identifier: _event.Identifier = symbol; break;
            case FeedField.MalwareName: _event.MalwareName = symbol; break;
            case FeedField.FeedName: _event.FeedName = symbol; break;
            case FeedField.ProtocolTransport: _event.ProtocolTransport = symbol; break;
            case FeedField.ProtocolApplication: _event.ProtocolApplication = symbol; break;
            default: throw new ArgumentOutOfRangeException(nameof(field), field, "not a symbol field");
        }
    }

    public void SetTime(long unixMs) => _event.TimeSource = unixMs;

    public void SetSourceAsn(uint asn) => _event.SourceAsn = asn;

    /// <summary>
    /// Sets a harmonised field from feed text. Empty text leaves the field absent. Text that does not fit the field
    /// rejects the row when <paramref name="required"/>, else it is kept as the extra <c>extra.invalid.COLUMN</c>
    /// so nothing is lost.
    /// </summary>
    /// <returns>False when the value did not fit.</returns>
    public bool Set(FeedField field, ReadOnlySpan<byte> value, bool required = false, string? column = null)
    {
        value = value.Trim((byte)' ');
        if (value.IsEmpty)
        {
            if (required)
            {
                Fail($"{Describe(field, column)} is empty");
            }

            return !required;
        }

        if (TrySet(field, value))
        {
            return true;
        }

        if (required)
        {
            Fail($"{Describe(field, column)}: '{Shorten(value)}' {Problem(field)}");
        }
        else
        {
            Extra("extra.invalid." + (column ?? FeedFields.NameOf(field)), value);
        }

        return false;
    }

    /// <summary>Keeps a field without a slot of its own, when extras are on.</summary>
    public void Extra(string name, ReadOnlySpan<byte> value)
    {
        if (!Options.Extras || value.IsEmpty)
        {
            return;
        }

        int id = FeedSymbols.Intern(name);
        if (id < 0)
        {
            return;
        }

        (_event.Extras ??= new FeedExtras()).Add(id, Encoding.UTF8.GetString(value));
    }

    public void Extra(string name, string value)
    {
        if (Options.Extras && value.Length > 0 && FeedSymbols.Intern(name) is var id and >= 0)
        {
            (_event.Extras ??= new FeedExtras()).Add(id, value);
        }
    }

    private bool TrySet(FeedField field, ReadOnlySpan<byte> value)
    {
        switch (field)
        {
            case FeedField.TimeSource:
                if (!FeedTime.TryParse(value, out long ms))
                {
                    return false;
                }

                _event.TimeSource = ms;
                return true;
            case FeedField.SourceIp:
            case FeedField.SourceNetwork:
                return TryAddress(value, out _event.Source);
            case FeedField.DestinationIp:
                return TryAddress(value, out _event.Destination);
            case FeedField.SourcePort:
                return TryPort(value, out _event.SourcePort);
            case FeedField.DestinationPort:
                return TryPort(value, out _event.DestinationPort);
            case FeedField.SourceAsn:
                return TryAsn(value, out _event.SourceAsn);
            case FeedField.SourceCountry:
                if (value.Length != 2 || !char.IsAsciiLetter((char)value[0]) || !char.IsAsciiLetter((char)value[1]))
                {
                    return false;
                }

                _event.SourceCountry = FeedEvent.PackCountry((char)value[0], (char)value[1]);
                return true;
            case FeedField.SourceFqdn:
                return TryFqdn(value, out _event.SourceFqdn);
            case FeedField.SourceReverseDns:
                // Kept with the extras: a per-host string that notification does not need, and memory does.
                if (!TryFqdn(value, out string? reverse))
                {
                    return false;
                }

                Extra("source.reverse_dns", reverse!);
                return true;
            case FeedField.SourceUrl:
                if (value.Length > 8192 || value.IndexOfAny((byte)' ', (byte)'\t', (byte)'\n') >= 0)
                {
                    return false;
                }

                _event.SourceUrl = Encoding.UTF8.GetString(value);
                return true;
            case FeedField.MalwareName:
                return TryCachedSymbol(field, value, lower: true, out _event.MalwareName);
            case FeedField.ProtocolTransport:
                return TryCachedSymbol(field, value, lower: true, out _event.ProtocolTransport);
            case FeedField.ProtocolApplication:
                return TryCachedSymbol(field, value, lower: true, out _event.ProtocolApplication);
            case FeedField.Taxonomy:
                return TryCachedSymbol(field, value, lower: false, out _event.Taxonomy);
            case FeedField.Type:
                return TryCachedSymbol(field, value, lower: false, out _event.Type);
            case FeedField.Identifier:
                return TryCachedSymbol(field, value, lower: false, out _event.Identifier);
            case FeedField.FeedName:
                return TryCachedSymbol(field, value, lower: false, out _event.FeedName);
            default:
                return false;
        }
    }

    private static bool TryAddress(ReadOnlySpan<byte> value, out FeedAddress address) =>
        value.IndexOf((byte)'/') >= 0 ? FeedAddress.TryParseCidr(value, out address) : FeedAddress.TryParse(value, out address);

    internal static bool TryPort(ReadOnlySpan<byte> value, out int port)
    {
        port = -1;
        if (value.Length is 0 or > 5)
        {
            return false;
        }

        int n = 0;
        foreach (byte b in value)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            n = (n * 10) + (b - '0');
        }

        if (n > 65535)
        {
            return false;
        }

        port = n;
        return true;
    }

    /// <summary>"64496" or "AS64496"; 0 means "no ASN" and leaves the field absent.</summary>
    internal static bool TryAsn(ReadOnlySpan<byte> value, out uint asn)
    {
        asn = 0;
        if (value.Length > 2 && (value[0] | 0x20) == 'a' && (value[1] | 0x20) == 's')
        {
            value = value[2..];
        }

        if (value.Length is 0 or > 10)
        {
            return false;
        }

        ulong n = 0;
        foreach (byte b in value)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            n = (n * 10) + (ulong)(b - '0');
        }

        if (n > uint.MaxValue)
        {
            return false;
        }

        asn = (uint)n;
        return true;
    }

    private static bool TryFqdn(ReadOnlySpan<byte> value, out string? fqdn)
    {
        fqdn = null;
        if (value.EndsWith((byte)'.'))
        {
            value = value[..^1];
        }

        if (value.IsEmpty || value.Length > 253 || value[0] == '.' || value.IndexOf(".."u8) >= 0)
        {
            return false;
        }

        foreach (byte b in value)
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || b == '-' || b == '.' || b == '_'))
            {
                return false;
            }
        }

        fqdn = Encoding.ASCII.GetString(value).ToLowerInvariant();
        return true;
    }

    /// <summary>
    /// The last bytes interned for each symbol field and their id: a feed repeats its classification, feed name and
    /// malware on every row, so most rows find the id here without decoding, hashing or taking the intern table's lock.
    /// </summary>
    private readonly (byte[]? Bytes, int Length, int Symbol)[] _lastSymbols = new (byte[]?, int, int)[64];

    private bool TryCachedSymbol(FeedField field, ReadOnlySpan<byte> value, bool lower, out int symbol)
    {
        ref var last = ref _lastSymbols[(int)field & 63];
        if (last.Bytes is { } bytes && value.SequenceEqual(bytes.AsSpan(0, last.Length)))
        {
            symbol = last.Symbol;
            return true;
        }

        if (!TrySymbol(value, lower, out symbol))
        {
            return false;
        }

        if (value.Length <= 64)
        {
            byte[] buffer = last.Bytes ?? new byte[64];
            value.CopyTo(buffer);
            last = (buffer, value.Length, symbol);
        }

        return true;
    }

    private static bool TrySymbol(ReadOnlySpan<byte> value, bool lower, out int symbol)
    {
        symbol = 0;
        if (value.Length > FeedSymbols.MaxLength)
        {
            return false;
        }

        Span<char> chars = stackalloc char[value.Length];
        if (!Encoding.UTF8.TryGetChars(value, chars, out int written))
        {
            return false;
        }

        chars = chars[..written];
        if (lower)
        {
            for (int i = 0; i < chars.Length; i++)
            {
                chars[i] = char.ToLowerInvariant(chars[i]);
            }
        }

        symbol = FeedSymbols.Intern(chars);
        return symbol >= 0;
    }

    private static string Describe(FeedField field, string? column) =>
        column is null ? FeedFields.NameOf(field) : $"column '{column}' ({FeedFields.NameOf(field)})";

    private static string Problem(FeedField field) => field switch
    {
        FeedField.TimeSource => "is not a time (expected YYYY-MM-DD HH:MM:SS[Z|±hh:mm] or Unix seconds)",
        FeedField.SourceIp or FeedField.DestinationIp => "is not an IP address",
        FeedField.SourceNetwork => "is not an IP network (CIDR)",
        FeedField.SourcePort or FeedField.DestinationPort => "is not a port (0-65535)",
        FeedField.SourceAsn => "is not an AS number",
        FeedField.SourceCountry => "is not a two-letter country code",
        FeedField.SourceFqdn or FeedField.SourceReverseDns => "is not a domain name",
        FeedField.SourceUrl => "is not a URL",
        _ => "is too long or not UTF-8",
    };

    internal static string Shorten(ReadOnlySpan<byte> value)
    {
        string text = Encoding.UTF8.GetString(value[..Math.Min(value.Length, 80)]);
        return value.Length > 80 ? text + "…" : text;
    }
}
