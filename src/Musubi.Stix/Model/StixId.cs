namespace Musubi.Stix.Model;

/// <summary>
/// STIX identifiers (spec 2.9): <c>object-type--UUID</c>, the UUID written as RFC 4122 (8-4-4-4-12 hex, version
/// 1–5, variant 10xx). The spec asks for v4 (SDO/SRO) or v5 (SCO deterministic ids) only as SHOULD, so any RFC 4122
/// version is accepted; the JSON schema's identifier pattern is the same.
/// </summary>
public static class StixId
{
    public static bool IsValid(string? id, string? expectedType = null)
    {
        if (id is null)
        {
            return false;
        }

        var sep = id.IndexOf("--", StringComparison.Ordinal);
        if (sep < 1 || id.Length - sep - 2 != 36)
        {
            return false;
        }

        var type = id[..sep];
        if (expectedType is not null && type != expectedType)
        {
            return false;
        }

        return IsTypeName(type) && IsUuid(id.AsSpan(sep + 2));
    }

    /// <summary>The type part of an id, or null when the text has no <c>--</c>.</summary>
    public static string? TypeOf(string id)
    {
        var sep = id.IndexOf("--", StringComparison.Ordinal);
        return sep < 1 ? null : id[..sep];
    }

    /// <summary>Type names: a-z, 0-9 and single hyphens, starting with a letter, not ending in a hyphen.</summary>
    public static bool IsTypeName(string type)
    {
        if (type.Length == 0 || !char.IsAsciiLetterLower(type[0]) || type[^1] == '-')
        {
            return false;
        }

        for (var i = 1; i < type.Length; i++)
        {
            var c = type[i];
            if (c == '-')
            {
                if (type[i - 1] == '-')
                {
                    return false;
                }
            }
            else if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsUuid(ReadOnlySpan<char> u)
    {
        for (var i = 0; i < 36; i++)
        {
            var c = u[i];
            if (i is 8 or 13 or 18 or 23)
            {
                if (c != '-')
                {
                    return false;
                }
            }
            else if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return u[14] is >= '1' and <= '5' && u[19] is '8' or '9' or 'a' or 'b' or 'A' or 'B';
    }
}
