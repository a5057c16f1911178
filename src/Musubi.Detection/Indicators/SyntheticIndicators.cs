using System.Globalization;
using System.Text;

namespace Musubi.Detection.Indicators;

/// <summary>
/// Generated indicator sets and JSON-line events for tests, benchmarks and demonstrations: deterministic for a seed,
/// made of documentation-style names and random addresses, never real intelligence.
/// </summary>
public static class SyntheticIndicators
{
    private static readonly string[] Tlds = ["com", "net", "org", "info", "example", "test", "jp", "co.jp", "io", "xyz"];
    private static readonly string[] Schemes = ["http", "https"];

    /// <summary>
    /// <paramref name="count"/> indicators of every kind, in the proportions of a national feed: per 1,000,000, 250,000
    /// IPv4 addresses, 50,000 IPv4 CIDRs (/16 to /30, mostly /24), 40,000 IPv6 addresses, 10,000 IPv6 /48 and /64,
    /// 250,000 domains, 150,000 URLs, 80,000 MD5, 60,000 SHA-1 and 80,000 SHA-256 hashes, 30,000 e-mail addresses.
    /// </summary>
    public static List<IndicatorRecord> Mixed(int count, int seed)
    {
        var random = new Random(seed);
        var records = new List<IndicatorRecord>(count);
        var shares = new (IndicatorKind Kind, int PerMillion, Func<Random, string> Value)[]
        {
            (IndicatorKind.Ipv4, 250_000, PublicIpv4),
            (IndicatorKind.Ipv4, 50_000, Ipv4Cidr),
            (IndicatorKind.Ipv6, 40_000, r => Ipv6(r)),
            (IndicatorKind.Ipv6, 10_000, r => Ipv6(r) is var a && r.Next(2) == 0 ? $"{a}/48" : $"{a}/64"),
            (IndicatorKind.Domain, 250_000, Domain),
            (IndicatorKind.Url, 150_000, Url),
            (IndicatorKind.Md5, 80_000, r => Hex(r, 16)),
            (IndicatorKind.Sha1, 60_000, r => Hex(r, 20)),
            (IndicatorKind.Sha256, 80_000, r => Hex(r, 32)),
            (IndicatorKind.Email, 30_000, r => $"{Word(r, 4, 10)}.{Word(r, 3, 8)}@{Domain(r)}"),
        };

        foreach (var (kind, perMillion, value) in shares)
        {
            var n = (int)((long)count * perMillion / 1_000_000);
            for (var i = 0; i < n; i++)
            {
                records.Add(Record(random, kind, value(random)));
            }
        }

        while (records.Count < count)
        {
            records.Add(Record(random, IndicatorKind.Domain, Domain(random)));
        }

        return records;
    }

    /// <summary>
    /// <paramref name="count"/> JSON-line events (firewall, DNS, proxy, process and mail records of 200–400 bytes) in
    /// which about <paramref name="hitPercent"/> per cent carry a value of one of <paramref name="indicators"/>
    /// (subdomains for domains, addresses inside CIDRs). Lines end with '\n'.
    /// </summary>
    public static byte[] Events(int count, IReadOnlyList<IndicatorRecord> indicators, double hitPercent, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(count * 300);
        var time = new DateTime(2026, 11, 25, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < count; i++)
        {
            var stamp = time.AddMilliseconds(i * 3).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            var hit = random.NextDouble() * 100 < hitPercent ? indicators[random.Next(indicators.Count)] : null;
            var kind = hit is null ? random.Next(5) : hit.Kind switch
            {
                IndicatorKind.Ipv4 or IndicatorKind.Ipv6 => 0,
                IndicatorKind.Domain => 1,
                IndicatorKind.Url => 2,
                IndicatorKind.Email => 4,
                _ => 3,
            };
            var observed = hit is null ? null : Observed(random, hit);
            switch (kind)
            {
                case 0:
                    text.Append(CultureInfo.InvariantCulture, $$"""{"time":"{{stamp}}","sensor":"fw-{{random.Next(1, 40):D2}}","class":"network","action":"{{(random.Next(4) == 0 ? "deny" : "allow")}}","proto":"tcp","src_ip":"10.{{random.Next(256)}}.{{random.Next(256)}}.{{random.Next(1, 255)}}","src_port":{{random.Next(1024, 65535)}},"dst_ip":"{{observed ?? PublicIpv4(random)}}","dst_port":{{(random.Next(3) == 0 ? 80 : 443)}},"bytes_out":{{random.Next(40, 90000)}},"bytes_in":{{random.Next(40, 900000)}},"rule":"outbound-web"}""");
                    break;
                case 1:
                    text.Append(CultureInfo.InvariantCulture, $$"""{"time":"{{stamp}}","sensor":"dns-{{random.Next(1, 8):D2}}","class":"dns","client":"10.{{random.Next(256)}}.{{random.Next(256)}}.{{random.Next(1, 255)}}","query":"{{observed ?? "www." + Domain(random)}}","qtype":"{{(random.Next(4) == 0 ? "AAAA" : "A")}}","rcode":"NOERROR","answer":"{{PublicIpv4(random)}}","ttl":{{random.Next(30, 86400)}}}""");
                    break;
                case 2:
                    text.Append(CultureInfo.InvariantCulture, $$"""{"time":"{{stamp}}","sensor":"proxy-{{random.Next(1, 8):D2}}","class":"http","client":"10.{{random.Next(256)}}.{{random.Next(256)}}.{{random.Next(1, 255)}}","method":"GET","url":"{{observed ?? Url(random)}}","status":{{(random.Next(10) == 0 ? 404 : 200)}},"bytes":{{random.Next(200, 2000000)}},"user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"}""");
                    break;
                case 3:
                    text.Append(CultureInfo.InvariantCulture, $$"""{"time":"{{stamp}}","sensor":"edr-{{random.Next(1, 8):D2}}","class":"process","host":"ws-{{random.Next(1, 5000):D4}}","user":"{{Word(random, 4, 9)}}","image":"C:\\Users\\Public\\{{Word(random, 4, 10)}}.exe","command_line":"{{Word(random, 4, 10)}}.exe /s /q","sha256":"{{(hit?.Kind == IndicatorKind.Sha256 ? observed : Hex(random, 32))}}","md5":"{{(hit?.Kind is IndicatorKind.Md5 or IndicatorKind.Sha1 ? observed : Hex(random, 16))}}","pid":{{random.Next(100, 60000)}}}""");
                    break;
                default:
                    text.Append(CultureInfo.InvariantCulture, $$"""{"time":"{{stamp}}","sensor":"mail-{{random.Next(1, 4):D2}}","class":"email","from":"{{observed ?? Word(random, 4, 10) + "@" + Domain(random)}}","to":"{{Word(random, 4, 8)}}@agency.go.jp","subject":"Invoice {{random.Next(100000)}}","size":{{random.Next(2000, 9000000)}},"attachments":{{random.Next(0, 4)}}}""");
                    break;
            }

            text.Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The exact values of <paramref name="indicators"/> that a fixed-string search can look for (CIDRs left out), one per line.</summary>
    public static string FixedStringPatterns(IEnumerable<IndicatorRecord> indicators)
    {
        var text = new StringBuilder();
        foreach (var record in indicators)
        {
            if (!record.Value.Contains('/') || record.Kind == IndicatorKind.Url)
            {
                text.Append(record.Value).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Observed(Random random, IndicatorRecord hit) => hit.Kind switch
    {
        IndicatorKind.Domain => random.Next(2) == 0 ? hit.Value : $"{Word(random, 2, 6)}.{hit.Value}",
        IndicatorKind.Ipv4 when hit.Value.Contains('/') => InsideIpv4(random, hit.Value),
        IndicatorKind.Ipv6 when hit.Value.Contains('/') => hit.Value[..hit.Value.IndexOf('/')],
        _ => hit.Value,
    };

    private static string InsideIpv4(Random random, string cidr)
    {
        var slash = cidr.IndexOf('/');
        _ = IndicatorText.TryParseIpv4(Encoding.ASCII.GetBytes(cidr[..slash]), out var network);
        var length = int.Parse(cidr[(slash + 1)..], CultureInfo.InvariantCulture);
        var host = length == 32 ? 0u : (uint)random.NextInt64(0, 1L << (32 - length));
        return IndicatorText.FormatIpv4(network | host);
    }

    private static IndicatorRecord Record(Random random, IndicatorKind kind, string value) =>
        new(kind, value, $"indicator--{RandomGuid(random)}", random.Next(0, 101), random.Next(4) == 0 ? null : new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(random.Next(365)));

    private static Guid RandomGuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private static string PublicIpv4(Random random) =>
        $"{random.Next(11, 224)}.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}";

    private static string Ipv4Cidr(Random random)
    {
        var length = random.Next(10) switch { < 6 => 24, 6 => 16, 7 => 20, 8 => 28, _ => 30 };
        _ = IndicatorText.TryParseIpv4(Encoding.ASCII.GetBytes(PublicIpv4(random)), out var address);
        return $"{IndicatorText.FormatIpv4(IndicatorText.Mask(address, length))}/{length}";
    }

    private static string Ipv6(Random random) =>
        $"2001:db8:{random.Next(65536):x}:{random.Next(65536):x}::{random.Next(1, 65536):x}";

    private static string Domain(Random random) => $"{Word(random, 5, 14)}{random.Next(1000)}.{Tlds[random.Next(Tlds.Length)]}";

    private static string Url(Random random) =>
        $"{Schemes[random.Next(2)]}://{Domain(random)}/{Word(random, 3, 8)}/{Word(random, 4, 12)}.{(random.Next(2) == 0 ? "php" : "exe")}{(random.Next(3) == 0 ? "?id=" + random.Next(100000) : "")}";

    private static string Word(Random random, int min, int max)
    {
        var length = random.Next(min, max + 1);
        return string.Create(length, random, (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('a' + r.Next(26));
            }
        });
    }

    private static string Hex(Random random, int bytes)
    {
        Span<byte> data = stackalloc byte[bytes];
        random.NextBytes(data);
        return Convert.ToHexStringLower(data);
    }
}
