namespace Musubi.Core.Networks;

/// <summary>Strict dotted-quad IPv4 text, parsed from spans without allocating.</summary>
internal static class Ipv4Text
{
    /// <summary>
    /// Accepts exactly four decimal octets 0..255. Leading zeros are refused because other tools read
    /// "010" as octal, and shortened forms such as "10.1" are refused because they hide which address is meant.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        int octets = 0;
        int i = 0;
        while (true)
        {
            int start = i;
            uint octet = 0;
            while (i < text.Length && i - start < 4 && char.IsAsciiDigit(text[i]))
            {
                octet = (octet * 10) + (uint)(text[i] - '0');
                i++;
            }

            int digits = i - start;
            if (digits == 0 || digits > 3 || octet > 255 || (digits > 1 && text[start] == '0'))
            {
                return false;
            }

            address = (address << 8) | octet;
            octets++;
            if (octets == 4)
            {
                return i == text.Length;
            }

            if (i >= text.Length || text[i] != '.')
            {
                return false;
            }

            i++;
        }
    }

    public static string Format(uint address) =>
        $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}";
}
