using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Musubi.Detection.Indicators;

public sealed partial class IndicatorSnapshot
{
    /// <summary>Values longer than this are not compared (no indicator value is that long; URLs are capped at 4 KB at build).</summary>
    public const int MaxValueBytes = 4096;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };
    private static readonly SearchValues<byte> HostChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"u8);
    private static readonly SearchValues<byte> HexChars = SearchValues.Create("0123456789abcdefABCDEF"u8);

    /// <summary>
    /// Reads one JSON event and adds a hit for every active indicator that one of its string values matches. A value
    /// is compared by its shape: 32/40/64 hex digits against hashes; a dotted quad (also with <c>:port</c>) and IPv6
    /// text against addresses and CIDRs; a host name against domains and their parent domains; <c>scheme://…</c>
    /// against URLs (normalised; also without its query), its host against domains or addresses; <c>local@domain</c>
    /// against e-mail addresses and its domain against domains; <c>SHA1=…,MD5=…</c> lists (Sysmon's Hashes) item by
    /// item. Numbers and property names are not compared. Returns false when the event is not well-formed JSON
    /// (hits found before the error stay in the list).
    /// </summary>
    public bool Scan(ReadOnlySpan<byte> json, List<IndicatorHit> hits) => Scan(json, hits, DateTimeOffset.UtcNow.UtcTicks);

    /// <inheritdoc cref="Scan(ReadOnlySpan{byte}, List{IndicatorHit})"/>
    [SkipLocalsInit]
    public bool Scan(ReadOnlySpan<byte> json, List<IndicatorHit> hits, long nowTicks)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        var probe = new Probe(this, hits, nowTicks);
        Span<byte> unescaped = stackalloc byte[512];
        byte[]? rented = null;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    probe.NameOffset = (int)reader.TokenStartIndex + 1;
                    probe.NameLength = reader.ValueSpan.Length;
                }
                else if (reader.TokenType == JsonTokenType.String)
                {
                    var raw = reader.ValueSpan;
                    if (raw.Length < 3 || raw.Length > MaxValueBytes)
                    {
                        continue;
                    }

                    probe.ValueOffset = (int)reader.TokenStartIndex + 1;
                    probe.ValueLength = raw.Length;
                    if (!reader.ValueIsEscaped)
                    {
                        probe.Value(raw);
                        continue;
                    }

                    if (raw.Length > unescaped.Length)
                    {
                        rented ??= ArrayPool<byte>.Shared.Rent(MaxValueBytes);
                        unescaped = rented;
                    }

                    var written = reader.CopyString(unescaped);
                    probe.Value(unescaped[..written]);
                }
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Compares one bare value (not JSON) by its shape, as <see cref="Scan(ReadOnlySpan{byte}, List{IndicatorHit}, long)"/> does each string.</summary>
    public void ScanValue(ReadOnlySpan<byte> value, List<IndicatorHit> hits, long nowTicks)
    {
        if (value.Length is >= 3 and <= MaxValueBytes)
        {
            var probe = new Probe(this, hits, nowTicks) { ValueLength = value.Length, NameLength = -1 };
            probe.Value(value);
        }
    }

    /// <summary>Spells out a hit of <see cref="Scan(ReadOnlySpan{byte}, List{IndicatorHit})"/> on <paramref name="json"/>.</summary>
    public IndicatorMatch Describe(ReadOnlySpan<byte> json, IndicatorHit hit)
    {
        var field = hit.NameLength < 0 ? "" : Unescape(json.Slice(hit.NameOffset, hit.NameLength));
        var observed = Unescape(json.Slice(hit.ValueOffset, hit.ValueLength));
        return new IndicatorMatch(IndicatorId(hit.Indicator), Kind(hit.Indicator), IndicatorValue(hit.Indicator),
            Confidence(hit.Indicator), ValidUntil(hit.Indicator), field, observed);
    }

    private static string Unescape(ReadOnlySpan<byte> raw)
    {
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return Encoding.UTF8.GetString(raw);
        }

        var quoted = new byte[raw.Length + 2];
        quoted[0] = quoted[^1] = (byte)'"';
        raw.CopyTo(quoted.AsSpan(1));
        var reader = new Utf8JsonReader(quoted);
        reader.Read();
        return reader.GetString() ?? "";
    }

    /// <summary>The comparisons for one value; carries where the value is, for the hits.</summary>
    [SkipLocalsInit]
    private ref struct Probe(IndicatorSnapshot snapshot, List<IndicatorHit> hits, long nowTicks)
    {
        public int NameOffset;
        public int NameLength = -1;
        public int ValueOffset;
        public int ValueLength;

        public void Value(scoped ReadOnlySpan<byte> value)
        {
            var length = value.Length;
            if (length is 32 or 40 or 64 && value.IndexOfAnyExcept(HexChars) < 0)
            {
                Hash(value);
                return;
            }

            if (value.IndexOfAnyExcept(HostChars) < 0)
            {
                if ((uint)(value[0] - '0') <= 9 && IndicatorText.TryParseIpv4(value, out var v4))
                {
                    Ipv4(v4);
                }
                else if (value.Contains((byte)'.'))
                {
                    Domain(value);
                }

                return;
            }

            var scheme = value.IndexOf("://"u8);
            if (scheme > 0)
            {
                Url(value);
                return;
            }

            if (value.Contains((byte)'@'))
            {
                Email(value);
                return;
            }

            var colon = value.LastIndexOf((byte)':');
            if (colon >= 0)
            {
                Address(value, colon);
                return;
            }

            if (value.Contains((byte)'='))
            {
                HashList(value);
            }
        }

        private void Address(scoped ReadOnlySpan<byte> value, int lastColon)
        {
            if (IndicatorText.TryParseIpv6(value, out var v6))
            {
                Ipv6(v6);
                return;
            }

            // host:port, [v6]:port
            if (lastColon > 0 && value[(lastColon + 1)..].IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0)
            {
                var host = value[..lastColon];
                if (IndicatorText.TryParseIpv4(host, out var v4))
                {
                    Ipv4(v4);
                }
                else if (host.Length > 2 && host[0] == '[' && host[^1] == ']' && IndicatorText.TryParseIpv6(host[1..^1], out v6))
                {
                    Ipv6(v6);
                }
            }
        }

        private void Hash(scoped ReadOnlySpan<byte> value)
        {
            if (snapshot.hashes.Count == 0)
            {
                return;
            }

            Span<byte> lower = stackalloc byte[64];
            IndicatorText.NormalizeHash(value, value.Length, lower);
            var entry = snapshot.hashes.Find(lower[..value.Length]);
            if (entry >= 0)
            {
                Report(snapshot.hashes.Value(entry));
            }
        }

        private void HashList(scoped ReadOnlySpan<byte> value)
        {
            foreach (var range in value.Split((byte)','))
            {
                var item = value[range];
                var eq = item.IndexOf((byte)'=');
                var digits = item[(eq + 1)..];
                if (digits.Length is 32 or 40 or 64 && digits.IndexOfAnyExcept(HexChars) < 0)
                {
                    Hash(digits);
                }
            }
        }

        private void Ipv4(uint address)
        {
            var buckets = snapshot.ipv4Lengths;
            if (buckets is null || (snapshot.ipv4Any8[address >> 30] & (1UL << (int)((address >> 24) & 63))) == 0)
            {
                return;
            }

            var lengths = buckets[address >> 16];
            while (lengths != 0)
            {
                var length = 63 - BitOperations.LeadingZeroCount(lengths);
                lengths &= ~(1UL << length);
                var head = snapshot.ipv4.Find(((ulong)length << 32) | IndicatorText.Mask(address, length));
                if (head >= 0)
                {
                    Report(head);
                }
            }
        }

        private void Ipv6(UInt128 address)
        {
            // An IPv4-mapped address (::ffff:a.b.c.d) is that IPv4 address too.
            if (address >> 32 == 0xFFFF)
            {
                Ipv4((uint)address);
            }

            foreach (var (length, table) in snapshot.ipv6)
            {
                if (table.TryGetValue(IndicatorText.Mask(address, length), out var head))
                {
                    Report(head);
                }
            }
        }

        private void Domain(scoped ReadOnlySpan<byte> value)
        {
            var domains = snapshot.domains;
            if (domains.Count == 0 || value.Length > IndicatorText.MaxDomainLength + 1)
            {
                return;
            }

            Span<byte> name = stackalloc byte[IndicatorText.MaxDomainLength + 1];
            var length = IndicatorText.NormalizeDomain(value, name);
            if (length < 0)
            {
                return;
            }

            // The name and each parent with at least two labels: a.b.evil.com, b.evil.com, evil.com.
            var suffix = name[..length];
            while (true)
            {
                var entry = domains.Find(suffix);
                if (entry >= 0)
                {
                    Report(domains.Value(entry));
                }

                var dot = suffix.IndexOf((byte)'.');
                var rest = suffix[(dot + 1)..];
                if (!rest.Contains((byte)'.'))
                {
                    return;
                }

                suffix = rest;
            }
        }

        private void Url(scoped ReadOnlySpan<byte> value)
        {
            byte[]? rented = null;
            var buffer = value.Length < 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(value.Length + 1));
            try
            {
                var length = UrlNormalizer.Normalize(value, buffer, out var hostStart, out var hostLength);
                if (length < 0)
                {
                    return;
                }

                var urls = snapshot.urls;
                if (urls.Count > 0)
                {
                    var url = buffer[..length];
                    var entry = urls.Find(url);
                    if (entry >= 0)
                    {
                        Report(urls.Value(entry));
                    }

                    var query = url.IndexOf((byte)'?');
                    if (query > 0 && (entry = urls.Find(url[..query])) >= 0)
                    {
                        Report(urls.Value(entry));
                    }
                }

                var host = buffer.Slice(hostStart, hostLength);
                if (IndicatorText.TryParseIpv4(host, out var v4))
                {
                    Ipv4(v4);
                }
                else if (host.Contains((byte)':'))
                {
                    if (IndicatorText.TryParseIpv6(host, out var v6))
                    {
                        Ipv6(v6);
                    }
                }
                else
                {
                    Domain(host);
                }
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }

        private void Email(scoped ReadOnlySpan<byte> value)
        {
            if (value.Length > 320)
            {
                return;
            }

            Span<byte> buffer = stackalloc byte[321];
            var length = IndicatorText.NormalizeEmail(value, buffer, out var domainStart);
            if (length < 0)
            {
                return;
            }

            var emails = snapshot.emails;
            if (emails.Count > 0)
            {
                var entry = emails.Find(buffer[..length]);
                if (entry >= 0)
                {
                    Report(emails.Value(entry));
                }
            }

            Domain(buffer[domainStart..length]);
        }

        private readonly void Report(int head)
        {
            for (var i = head; i >= 0; i = snapshot.next[i])
            {
                if (snapshot.validUntil[i] > nowTicks)
                {
                    hits.Add(new IndicatorHit(i, ValueOffset, ValueLength, NameOffset, NameLength));
                }
            }
        }
    }
}
