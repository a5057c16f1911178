using System.Globalization;

namespace Musubi.Stix.Misp;

/// <summary>An SCO a MISP attribute becomes when it is not an indicator: its type, property and value (hashes by name).</summary>
public sealed record MispObservable(string Type, string Property, string Value, string? HashName = null);

/// <summary>
/// MISP attribute types to STIX patterns and SCOs (docs/MISP.md has the table). Rule types (yara, sigma, snort,
/// suricata, pcre) keep their language as <c>pattern_type</c>; types with no STIX object get an
/// <c>x-misp-attribute</c> pattern on its type and value, so no indicator is ever dropped.
/// </summary>
public static class MispPatterns
{
    private static readonly Dictionary<string, string> Hashes = new(StringComparer.Ordinal)
    {
        ["md5"] = "MD5", ["sha1"] = "SHA-1", ["sha256"] = "SHA-256", ["sha512"] = "SHA-512", ["sha3-256"] = "SHA3-256",
        ["sha3-512"] = "SHA3-512", ["ssdeep"] = "SSDEEP", ["tlsh"] = "TLSH", ["sha224"] = "SHA-224", ["sha384"] = "SHA-384",
        ["imphash"] = "imphash", ["authentihash"] = "authentihash", ["vhash"] = "vhash",
    };

    private static readonly Dictionary<string, string> Rules = new(StringComparer.Ordinal)
    {
        ["yara"] = "yara", ["sigma"] = "sigma", ["snort"] = "snort", ["suricata"] = "suricata", ["pcre"] = "pcre",
    };

    /// <summary>The pattern and pattern_type of an indicator for a MISP attribute.</summary>
    public static (string Pattern, string PatternType) For(string type, string value)
    {
        if (Rules.TryGetValue(type, out var language))
        {
            return (value, language);
        }

        return (Stix(type, value) ?? $"[x-misp-attribute:type = {Q(type)} AND x-misp-attribute:value = {Q(value)}]", "stix");
    }

    private static string? Stix(string type, string value)
    {
        var parts = value.Split('|');
        string? Two(Func<string, string, string?> make) => parts.Length == 2 ? make(parts[0], parts[1]) : null;
        if (Hashes.TryGetValue(type, out var hash))
        {
            return $"[file:hashes.{Q(hash)} = {Q(value)}]";
        }

        if (type.StartsWith("filename|", StringComparison.Ordinal) && Hashes.TryGetValue(type[9..], out var h2))
        {
            return Two((f, v) => $"[file:name = {Q(f)} AND file:hashes.{Q(h2)} = {Q(v)}]");
        }

        return type switch
        {
            "ip-src" or "ip-dst" => $"[{IpType(value)}:value = {Q(value)}]",
            "ip-src|port" => Two((ip, port) => Port(port) is { } p ? $"[network-traffic:src_ref.type = {Q(IpType(ip))} AND network-traffic:src_ref.value = {Q(ip)} AND network-traffic:src_port = {p}]" : null),
            "ip-dst|port" => Two((ip, port) => Port(port) is { } p ? $"[network-traffic:dst_ref.type = {Q(IpType(ip))} AND network-traffic:dst_ref.value = {Q(ip)} AND network-traffic:dst_port = {p}]" : null),
            "domain" or "hostname" => $"[domain-name:value = {Q(value)}]",
            "domain|ip" or "hostname|ip" => Two((d, ip) => $"[domain-name:value = {Q(d)} AND domain-name:resolves_to_refs[*].value = {Q(ip)}]"),
            "url" or "uri" or "link" => $"[url:value = {Q(value)}]",
            "email" or "email-src" or "email-dst" => $"[email-addr:value = {Q(value)}]",
            "email-subject" => $"[email-message:subject = {Q(value)}]",
            "filename" => $"[file:name = {Q(value)}]",
            "malware-sample" => Two((f, md5) => $"[file:name = {Q(f)} AND file:hashes.'MD5' = {Q(md5)}]"),
            "mutex" => $"[mutex:name = {Q(value)}]",
            "regkey" => $"[windows-registry-key:key = {Q(value)}]",
            "regkey|value" => Two((k, v) => $"[windows-registry-key:key = {Q(k)} AND windows-registry-key:values[*].data = {Q(v)}]"),
            "AS" => AsNumber(value) is { } n ? $"[autonomous-system:number = {n}]" : null,
            "mac-address" => $"[mac-addr:value = {Q(value.ToLowerInvariant())}]",
            "user-agent" => $"[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = {Q(value)}]",
            "x509-fingerprint-sha1" => $"[x509-certificate:hashes.'SHA-1' = {Q(value)}]",
            "x509-fingerprint-sha256" => $"[x509-certificate:hashes.'SHA-256' = {Q(value)}]",
            _ => null,
        };
    }

    /// <summary>The SCO of a non-indicator attribute, for the types that have a one-property SCO; null otherwise.</summary>
    public static MispObservable? Observable(string type, string value)
    {
        if (Hashes.TryGetValue(type, out var hash))
        {
            return new MispObservable("file", "hashes", value, hash);
        }

        return type switch
        {
            "ip-src" or "ip-dst" => new MispObservable(IpType(value), "value", value),
            "domain" or "hostname" => new MispObservable("domain-name", "value", value),
            "url" or "uri" or "link" => new MispObservable("url", "value", value),
            "email" or "email-src" or "email-dst" => new MispObservable("email-addr", "value", value),
            "filename" => new MispObservable("file", "name", value),
            "mutex" => new MispObservable("mutex", "name", value),
            "regkey" => new MispObservable("windows-registry-key", "key", value),
            "AS" => AsNumber(value) is { } n ? new MispObservable("autonomous-system", "number", n.ToString(CultureInfo.InvariantCulture)) : null,
            "mac-address" => new MispObservable("mac-addr", "value", value.ToLowerInvariant()),
            _ => null,
        };
    }

    private static string IpType(string ip) => ip.Contains(':', StringComparison.Ordinal) ? "ipv6-addr" : "ipv4-addr";

    private static int? Port(string text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p <= 65535 ? p : null;

    private static long? AsNumber(string text)
    {
        var t = text.StartsWith("AS", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>A STIX pattern string literal (§9.6): quotes and backslashes escaped.</summary>
    public static string Q(string s) => "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
}
