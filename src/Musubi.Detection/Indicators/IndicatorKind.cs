namespace Musubi.Detection.Indicators;

/// <summary>The kinds of plain-comparison indicator the matcher compiles. Addresses carry their CIDRs.</summary>
public enum IndicatorKind : byte
{
    /// <summary>An IPv4 address or CIDR (<c>203.0.113.7</c>, <c>203.0.113.0/24</c>).</summary>
    Ipv4,

    /// <summary>An IPv6 address or CIDR.</summary>
    Ipv6,

    /// <summary>A domain name; it also matches every subdomain (<c>evil.com</c> matches <c>a.evil.com</c>).</summary>
    Domain,

    /// <summary>A URL, compared after normalisation (see <see cref="UrlNormalizer"/>).</summary>
    Url,

    /// <summary>An MD5 file hash (32 hex digits).</summary>
    Md5,

    /// <summary>A SHA-1 file hash (40 hex digits).</summary>
    Sha1,

    /// <summary>A SHA-256 file hash (64 hex digits).</summary>
    Sha256,

    /// <summary>An e-mail address.</summary>
    Email,
}

/// <summary>Names of indicator kinds as the intelligence store hands them over (STIX observable names, or short ones).</summary>
public static class IndicatorKinds
{
    /// <summary>
    /// <c>ipv4-addr</c>, <c>ipv6-addr</c>, <c>domain-name</c>, <c>url</c>, <c>email-addr</c>, <c>md5</c>,
    /// <c>sha-1</c>/<c>sha1</c>, <c>sha-256</c>/<c>sha256</c>, and <c>file:hashes.MD5</c> style names; case-insensitive.
    /// </summary>
    public static bool TryParse(string? name, out IndicatorKind kind)
    {
        kind = default;
        if (string.IsNullOrWhiteSpace(name))
        {
            return false;
        }

        var n = name.Trim().ToLowerInvariant();
        if (n.StartsWith("file:hashes.", StringComparison.Ordinal))
        {
            n = n["file:hashes.".Length..].Trim('\'');
        }

        switch (n)
        {
            case "ipv4-addr" or "ipv4" or "ip":
                kind = IndicatorKind.Ipv4;
                return true;
            case "ipv6-addr" or "ipv6":
                kind = IndicatorKind.Ipv6;
                return true;
            case "domain-name" or "domain":
                kind = IndicatorKind.Domain;
                return true;
            case "url":
                kind = IndicatorKind.Url;
                return true;
            case "email-addr" or "email":
                kind = IndicatorKind.Email;
                return true;
            case "md5":
                kind = IndicatorKind.Md5;
                return true;
            case "sha-1" or "sha1":
                kind = IndicatorKind.Sha1;
                return true;
            case "sha-256" or "sha256":
                kind = IndicatorKind.Sha256;
                return true;
            default:
                return false;
        }
    }

    /// <summary>The STIX-style name of a kind.</summary>
    public static string Name(IndicatorKind kind) => kind switch
    {
        IndicatorKind.Ipv4 => "ipv4-addr",
        IndicatorKind.Ipv6 => "ipv6-addr",
        IndicatorKind.Domain => "domain-name",
        IndicatorKind.Url => "url",
        IndicatorKind.Md5 => "md5",
        IndicatorKind.Sha1 => "sha-1",
        IndicatorKind.Sha256 => "sha-256",
        IndicatorKind.Email => "email-addr",
        _ => kind.ToString(),
    };
}
