using System.Text;

namespace Musubi.Detection.Indicators;

/// <summary>
/// All active plain-comparison indicators compiled into lookup tables: one immutable snapshot, safe to read from any
/// number of threads. A change to the indicator set builds a new snapshot, which <see cref="IndicatorMatcher"/> swaps
/// in atomically. Several indicators may share a value; a hit reports each of them.
/// </summary>
public sealed partial class IndicatorSnapshot
{
    /// <summary>Confidence stored for "not given".</summary>
    private const byte NoConfidence = 255;

    private readonly ByteArena ids = new();
    private readonly ByteArena values = new();
    private byte[] kinds = new byte[256];
    private byte[] confidences = new byte[256];
    private long[] validUntil = new long[256];
    private int[] next = new int[256];
    private int count;

    // IPv4: one table keyed by (prefix length << 32 | network); per /16 bucket, a bit per prefix length that occurs there.
    private readonly AddressTable ipv4 = new();
    private ulong[]? ipv4Lengths;

    // A bit per /8 in which any IPv4 network lies: four longs, always in the first-level cache, so an address of an
    // empty /8 (private space, mostly) is ruled out without touching the 512 KB per-/16 array.
    private readonly ulong[] ipv4Any8 = new ulong[4];

    // IPv6: one dictionary per prefix length that occurs, longest first.
    private readonly Dictionary<int, Dictionary<UInt128, int>> ipv6ByLength = [];
    private (int Length, Dictionary<UInt128, int> Table)[] ipv6 = [];

    private readonly ByteKeyTable hashes = new();
    private readonly ByteKeyTable domains = new();
    private readonly ByteKeyTable urls = new();
    private readonly ByteKeyTable emails = new();
    private readonly List<IndicatorRejection> rejected = [];

    private IndicatorSnapshot()
    {
    }

    /// <summary>A snapshot with no indicators.</summary>
    public static IndicatorSnapshot Empty { get; } = Build([], DateTimeOffset.MinValue);

    /// <summary>How many indicators were compiled (active and valid).</summary>
    public int Count => count;

    /// <summary>Indicators given but expired at build time.</summary>
    public int Expired { get; private set; }

    /// <summary>Indicators refused, with the reason (a value that is not of its kind).</summary>
    public IReadOnlyList<IndicatorRejection> Rejected => rejected;

    /// <summary>When the snapshot was built.</summary>
    public DateTimeOffset BuiltAt { get; private set; }

    /// <summary>
    /// The bytes of the arrays the snapshot holds (tables, keys, ids, values, per-indicator fields): its memory
    /// footprint without object headers.
    /// </summary>
    public long ApproximateBytes =>
        ids.ApproximateBytes + values.ApproximateBytes + kinds.Length + confidences.Length + (validUntil.Length * 8L) + (next.Length * 4L)
        + ipv4.ApproximateBytes + (ipv4Lengths?.Length * 8L ?? 0) + 32 + ipv6ByLength.Values.Sum(d => d.Count * 40L)
        + hashes.ApproximateBytes + domains.ApproximateBytes + urls.ApproximateBytes + emails.ApproximateBytes;

    /// <summary>
    /// Compiles <paramref name="records"/>: values are put in canonical form (addresses parsed and CIDRs masked,
    /// domains, e-mail addresses and hashes lower-cased, URLs by <see cref="UrlNormalizer"/>); an indicator whose
    /// <see cref="IndicatorRecord.ValidUntil"/> is not after <paramref name="now"/> is left out; a value that is not of
    /// its kind is rejected with a reason.
    /// </summary>
    public static IndicatorSnapshot Build(IEnumerable<IndicatorRecord> records, DateTimeOffset now)
    {
        var snapshot = new IndicatorSnapshot { BuiltAt = now };
        var index = 0;
        Span<byte> buffer = stackalloc byte[4096];
        foreach (var record in records)
        {
            if (record.ValidUntil is { } until && until <= now)
            {
                snapshot.Expired++;
            }
            else if (snapshot.Add(record, buffer) is { } reason)
            {
                snapshot.rejected.Add(new IndicatorRejection(index, record.IndicatorId, record.Value, reason));
            }

            index++;
        }

        snapshot.Seal();
        return snapshot;
    }

    /// <summary>The indicator id of compiled indicator <paramref name="indicator"/>.</summary>
    public string IndicatorId(int indicator) => ids.GetString(indicator);

    /// <summary>The canonical value of compiled indicator <paramref name="indicator"/>.</summary>
    public string IndicatorValue(int indicator) => values.GetString(indicator);

    /// <summary>The kind of compiled indicator <paramref name="indicator"/>.</summary>
    public IndicatorKind Kind(int indicator) => (IndicatorKind)kinds[indicator];

    /// <summary>The confidence (0–100) of compiled indicator <paramref name="indicator"/>, null when not given.</summary>
    public int? Confidence(int indicator) => confidences[indicator] == NoConfidence ? null : confidences[indicator];

    /// <summary>When compiled indicator <paramref name="indicator"/> stops being active, null for never.</summary>
    public DateTimeOffset? ValidUntil(int indicator) =>
        validUntil[indicator] == long.MaxValue ? null : new DateTimeOffset(validUntil[indicator], TimeSpan.Zero);

    private string? Add(IndicatorRecord record, Span<byte> buffer)
    {
        if (string.IsNullOrWhiteSpace(record.IndicatorId))
        {
            return "indicator id is empty";
        }

        if (record.Confidence is < 0 or > 100)
        {
            return "confidence must be between 0 and 100";
        }

        var text = record.Value?.Trim() ?? "";
        if (text.Length == 0)
        {
            return "value is empty";
        }

        if (Encoding.UTF8.GetByteCount(text) > buffer.Length - 1)
        {
            return $"value longer than {buffer.Length - 1} bytes";
        }

        Span<byte> raw = stackalloc byte[Encoding.UTF8.GetByteCount(text)];
        Encoding.UTF8.GetBytes(text, raw);
        switch (record.Kind)
        {
            case IndicatorKind.Ipv4:
            {
                var slash = raw.IndexOf((byte)'/');
                var length = 32;
                if (!IndicatorText.TryParseIpv4(slash < 0 ? raw : raw[..slash], out var address))
                {
                    return "not an IPv4 address (four decimal octets 0-255, no leading zeros)";
                }

                if (slash >= 0 && !TryPrefixLength(raw[(slash + 1)..], 32, out length))
                {
                    return "prefix length must be 0-32";
                }

                var network = IndicatorText.Mask(address, length);
                var indicator = NewIndicator(record, length == 32 ? IndicatorText.FormatIpv4(network) : $"{IndicatorText.FormatIpv4(network)}/{length}");
                next[indicator] = ipv4.Exchange(((ulong)length << 32) | network, indicator);
                return null;
            }

            case IndicatorKind.Ipv6:
            {
                var slash = raw.IndexOf((byte)'/');
                var length = 128;
                if (!IndicatorText.TryParseIpv6(slash < 0 ? raw : raw[..slash], out var address))
                {
                    return "not an IPv6 address";
                }

                if (slash >= 0 && !TryPrefixLength(raw[(slash + 1)..], 128, out length))
                {
                    return "prefix length must be 0-128";
                }

                var network = IndicatorText.Mask(address, length);
                var indicator = NewIndicator(record, length == 128 ? IndicatorText.FormatIpv6(network) : $"{IndicatorText.FormatIpv6(network)}/{length}");
                if (!ipv6ByLength.TryGetValue(length, out var table))
                {
                    ipv6ByLength[length] = table = [];
                }

                next[indicator] = table.TryGetValue(network, out var previous) ? previous : -1;
                table[network] = indicator;
                return null;
            }

            case IndicatorKind.Domain:
            {
                var ascii = ToAsciiHost(text);
                if (ascii.Length > IndicatorText.MaxDomainLength + 1)
                {
                    return "not a domain name (longer than 253 characters)";
                }

                Span<byte> asciiBytes = stackalloc byte[ascii.Length];
                if (Encoding.ASCII.GetBytes(ascii, asciiBytes) != ascii.Length)
                {
                    return "not a domain name";
                }

                var length = IndicatorText.NormalizeDomain(asciiBytes, buffer);
                return length < 0
                    ? "not a domain name (at least two labels of letters, digits, '-' or '_', at most 253 characters)"
                    : AddKeyed(domains, record, buffer[..length]);
            }

            case IndicatorKind.Url:
            {
                var length = UrlNormalizer.Normalize(raw, buffer);
                return length < 0 ? "not an absolute URL (scheme://host...)" : AddKeyed(urls, record, buffer[..length]);
            }

            case IndicatorKind.Email:
            {
                var length = IndicatorText.NormalizeEmail(raw, buffer, out _);
                return length < 0 ? "not an e-mail address (local@domain)" : AddKeyed(emails, record, buffer[..length]);
            }

            case IndicatorKind.Md5 or IndicatorKind.Sha1 or IndicatorKind.Sha256:
            {
                var digits = record.Kind switch { IndicatorKind.Md5 => 32, IndicatorKind.Sha1 => 40, _ => 64 };
                return IndicatorText.NormalizeHash(raw, digits, buffer)
                    ? AddKeyed(hashes, record, buffer[..digits])
                    : $"not a {IndicatorKinds.Name(record.Kind)} hash ({digits} hex digits)";
            }

            default:
                return $"unknown indicator kind {record.Kind}";
        }
    }

    private string? AddKeyed(ByteKeyTable table, IndicatorRecord record, ReadOnlySpan<byte> key)
    {
        var indicator = NewIndicator(record, key);
        var entry = table.GetOrAdd(key, indicator, out var added);
        if (!added)
        {
            next[indicator] = table.Value(entry);
            table.SetValue(entry, indicator);
        }

        return null;
    }

    private int NewIndicator(IndicatorRecord record, string canonical)
    {
        var indicator = NewIndicator(record);
        values.Add(canonical);
        return indicator;
    }

    private int NewIndicator(IndicatorRecord record, ReadOnlySpan<byte> canonical)
    {
        var indicator = NewIndicator(record);
        values.Add(canonical);
        return indicator;
    }

    private int NewIndicator(IndicatorRecord record)
    {
        if (count == kinds.Length)
        {
            Array.Resize(ref kinds, count * 2);
            Array.Resize(ref confidences, count * 2);
            Array.Resize(ref validUntil, count * 2);
            Array.Resize(ref next, count * 2);
        }

        kinds[count] = (byte)record.Kind;
        confidences[count] = record.Confidence is { } c ? (byte)c : NoConfidence;
        validUntil[count] = record.ValidUntil?.UtcTicks ?? long.MaxValue;
        next[count] = -1;
        ids.Add(record.IndicatorId);
        return count++;
    }

    private static bool TryPrefixLength(ReadOnlySpan<byte> text, int max, out int length)
    {
        length = 0;
        if (text.Length is 0 or > 3 || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        foreach (var c in text)
        {
            if ((uint)(c - '0') > 9)
            {
                return false;
            }

            length = (length * 10) + (c - '0');
        }

        return length <= max;
    }

    private static string ToAsciiHost(string text)
    {
        if (Ascii.IsValid(text))
        {
            return text;
        }

        try
        {
            return new System.Globalization.IdnMapping().GetAscii(text.TrimEnd('.'));
        }
        catch (ArgumentException)
        {
            return text;
        }
    }

    private void Seal()
    {
        Array.Resize(ref kinds, count);
        Array.Resize(ref confidences, count);
        Array.Resize(ref validUntil, count);
        Array.Resize(ref next, count);
        ids.Trim();
        values.Trim();
        hashes.Trim();
        domains.Trim();
        urls.Trim();
        emails.Trim();
        ipv6 = [.. ipv6ByLength.OrderByDescending(p => p.Key).Select(p => (p.Key, p.Value))];
        if (ipv4.Count > 0)
        {
            ipv4Lengths = new ulong[65536];
            ipv4.ForEachKey(key =>
            {
                var length = (int)(key >> 32);
                var bucket = (uint)key >> 16;
                var span = length >= 16 ? 1u : 1u << (16 - length);
                for (var b = bucket; b < bucket + span; b++)
                {
                    ipv4Lengths[b] |= 1UL << length;
                    ipv4Any8[b >> 14] |= 1UL << (int)((b >> 8) & 63);
                }
            });
        }
    }
}
