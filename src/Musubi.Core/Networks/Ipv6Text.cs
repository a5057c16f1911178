namespace Musubi.Core.Networks;

/// <summary>IPv6 text (RFC 4291 forms) parsed from spans without allocating, and RFC 5952 canonical formatting.</summary>
internal static class Ipv6Text
{
    private const int Groups = 8;

    /// <summary>Accepts hex groups with at most one "::" and an optional dotted IPv4 tail; refuses zone ids.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out UInt128 address)
    {
        address = UInt128.Zero;
        Span<ushort> groups = stackalloc ushort[Groups];
        int count = 0;
        int gapAt = -1;
        int i = 0;

        if (text.Length < 2)
        {
            return false;
        }

        if (text[0] == ':')
        {
            if (text[1] != ':')
            {
                return false;
            }

            gapAt = 0;
            i = 2;
        }

        while (i < text.Length)
        {
            if (count == Groups)
            {
                return false;
            }

            int start = i;
            uint group = 0;
            while (i < text.Length && i - start < 5 && char.IsAsciiHexDigit(text[i]))
            {
                group = (group << 4) | (uint)HexValue(text[i]);
                i++;
            }

            if (i < text.Length && text[i] == '.')
            {
                if (count > Groups - 2 || !Ipv4Text.TryParse(text[start..], out uint v4))
                {
                    return false;
                }

                groups[count++] = (ushort)(v4 >> 16);
                groups[count++] = (ushort)v4;
                break;
            }

            int digits = i - start;
            if (digits == 0 || digits > 4)
            {
                return false;
            }

            groups[count++] = (ushort)group;
            if (i == text.Length)
            {
                break;
            }

            if (text[i] != ':')
            {
                return false;
            }

            i++;
            if (i < text.Length && text[i] == ':')
            {
                if (gapAt >= 0)
                {
                    return false;
                }

                gapAt = count;
                i++;
            }
            else if (i == text.Length)
            {
                return false;
            }
        }

        // "::" stands for at least one zero group.
        if (gapAt < 0 ? count != Groups : count > Groups - 1)
        {
            return false;
        }

        int zeros = Groups - count;
        UInt128 value = UInt128.Zero;
        for (int g = 0; g < count; g++)
        {
            if (g == gapAt)
            {
                value <<= 16 * zeros;
            }

            value = (value << 16) | groups[g];
        }

        if (gapAt == count)
        {
            value <<= 16 * zeros;
        }

        address = value;
        return true;
    }

    /// <summary>RFC 5952: lower-case, no leading zeros, the longest run (first on a tie) of two or more zero groups as "::".</summary>
    public static string Format(UInt128 address)
    {
        Span<ushort> groups = stackalloc ushort[Groups];
        for (int g = 0; g < Groups; g++)
        {
            groups[g] = (ushort)(address >> (16 * (Groups - 1 - g)));
        }

        (int runStart, int runLength) = LongestZeroRun(groups);
        var builder = new System.Text.StringBuilder(39);
        for (int g = 0; g < Groups; g++)
        {
            if (g == runStart)
            {
                builder.Append("::");
                g += runLength - 1;
                continue;
            }

            if (builder.Length > 0 && builder[^1] != ':')
            {
                builder.Append(':');
            }

            builder.Append(groups[g].ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    private static (int Start, int Length) LongestZeroRun(ReadOnlySpan<ushort> groups)
    {
        int bestStart = -1;
        int bestLength = 1;
        int g = 0;
        while (g < groups.Length)
        {
            if (groups[g] != 0)
            {
                g++;
                continue;
            }

            int start = g;
            while (g < groups.Length && groups[g] == 0)
            {
                g++;
            }

            if (g - start > bestLength)
            {
                bestStart = start;
                bestLength = g - start;
            }
        }

        return (bestStart, bestLength);
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
