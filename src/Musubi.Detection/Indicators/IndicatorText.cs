using System.Buffers;
using System.Buffers.Binary;

namespace Musubi.Detection.Indicators;

/// <summary>
/// Parsing and canonical forms of indicator values, on UTF-8 bytes without allocating. The same functions compile
/// indicators and read event values, so both sides agree on what "equal" means.
/// </summary>
public static class IndicatorText
{
    /// <summary>The longest domain name (RFC 1035) and so the longest host the matcher compares.</summary>
    public const int MaxDomainLength = 253;

    private static readonly SearchValues<byte> HexDigits = SearchValues.Create("0123456789abcdefABCDEF"u8);

    /// <summary>
    /// Strict dotted-quad IPv4: exactly four decimal octets 0..255, no leading zeros (other tools read "010" as
    /// octal), no shortened forms.
    /// </summary>
    public static bool TryParseIpv4(ReadOnlySpan<byte> text, out uint address)
    {
        address = 0;
        var octets = 0;
        var i = 0;
        while (true)
        {
            var start = i;
            uint octet = 0;
            while (i < text.Length && i - start < 4 && (uint)(text[i] - '0') <= 9)
            {
                octet = (octet * 10) + (uint)(text[i] - '0');
                i++;
            }

            var digits = i - start;
            if (digits == 0 || digits > 3 || octet > 255 || (digits > 1 && text[start] == '0'))
            {
                return false;
            }

            address = (address << 8) | octet;
            if (++octets == 4)
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

    /// <summary>
    /// IPv6 in any RFC 4291 text form: full, compressed (<c>::</c>), hex digits of either case, an embedded dotted
    /// IPv4 tail (<c>::ffff:192.0.2.1</c>); a zone (<c>%eth0</c>) is ignored.
    /// </summary>
    public static bool TryParseIpv6(ReadOnlySpan<byte> text, out UInt128 address)
    {
        address = 0;
        var zone = text.IndexOf((byte)'%');
        if (zone >= 0)
        {
            text = text[..zone];
        }

        if (text.Length < 2 || text.Length > 45)
        {
            return false;
        }

        Span<ushort> groups = stackalloc ushort[8];
        var count = 0;
        var gap = -1;
        var i = 0;
        if (text[0] == ':')
        {
            if (text[1] != ':')
            {
                return false;
            }

            gap = 0;
            i = 2;
            if (text.Length == 2)
            {
                return true;
            }
        }

        while (i < text.Length)
        {
            var start = i;
            uint value = 0;
            while (i < text.Length && i - start < 5 && HexValue(text[i]) is var h && h >= 0)
            {
                value = (value << 4) | (uint)h;
                i++;
            }

            if (i < text.Length && text[i] == '.')
            {
                // An IPv4 tail takes the last two groups.
                if (count > 6 || !TryParseIpv4(text[start..], out var v4))
                {
                    return false;
                }

                groups[count++] = (ushort)(v4 >> 16);
                groups[count++] = (ushort)v4;
                i = text.Length;
                break;
            }

            var digits = i - start;
            if (digits == 0 || digits > 4 || count == 8)
            {
                return false;
            }

            groups[count++] = (ushort)value;
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
                if (gap >= 0)
                {
                    return false;
                }

                gap = count;
                i++;
            }
            else if (i == text.Length)
            {
                return false;
            }
        }

        if (gap < 0 ? count != 8 : count > 7)
        {
            return false;
        }

        UInt128 result = 0;
        var fill = gap < 0 ? 0 : 8 - count;
        var g = 0;
        for (var slot = 0; slot < 8; slot++)
        {
            ushort part;
            if (gap >= 0 && slot >= gap && slot < gap + fill)
            {
                part = 0;
            }
            else
            {
                part = groups[g++];
            }

            result = (result << 16) | part;
        }

        address = result;
        return true;
    }

    /// <summary>
    /// A domain name in canonical form into <paramref name="destination"/>: ASCII lower case, one trailing dot
    /// removed; labels of 1–63 letters, digits, '-' or '_', at least two labels, at most 253 characters, and a last
    /// label that is not all digits (so that no IPv4 address reads as a domain). Returns the length, or -1.
    /// </summary>
    public static int NormalizeDomain(ReadOnlySpan<byte> text, Span<byte> destination)
    {
        if (text.Length > 0 && text[^1] == '.')
        {
            text = text[..^1];
        }

        if (text.Length < 3 || text.Length > MaxDomainLength || destination.Length < text.Length)
        {
            return -1;
        }

        var labelStart = 0;
        var labels = 1;
        var lastLabelAllDigits = true;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '.')
            {
                if (i == labelStart || i - labelStart > 63)
                {
                    return -1;
                }

                labels++;
                labelStart = i + 1;
                lastLabelAllDigits = true;
                destination[i] = c;
                continue;
            }

            if ((uint)(c - 'A') <= 'Z' - 'A')
            {
                c = (byte)(c | 0x20);
            }

            var isDigit = (uint)(c - '0') <= 9;
            if (!isDigit && (uint)(c - 'a') > 'z' - 'a' && c != '-' && c != '_')
            {
                return -1;
            }

            lastLabelAllDigits &= isDigit;
            destination[i] = c;
        }

        if (labelStart == text.Length || text.Length - labelStart > 63 || labels < 2 || lastLabelAllDigits)
        {
            return -1;
        }

        return text.Length;
    }

    /// <summary>
    /// A hex file hash of <paramref name="length"/> digits, lower-cased into <paramref name="destination"/>.
    /// </summary>
    public static bool NormalizeHash(ReadOnlySpan<byte> text, int length, Span<byte> destination)
    {
        if (text.Length != length || destination.Length < length || text.IndexOfAnyExcept(HexDigits) >= 0)
        {
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            destination[i] = c >= 'A' && c <= 'F' ? (byte)(c | 0x20) : c;
        }

        return true;
    }

    /// <summary>
    /// An e-mail address in canonical form: <c>mailto:</c> and angle brackets (<c>Name &lt;a@b&gt;</c>) stripped,
    /// everything lower-cased (local parts are case-insensitive in practice), the domain canonical as
    /// <see cref="NormalizeDomain"/>. Returns the length, or -1. <paramref name="domainStart"/> is where the domain
    /// begins in the result.
    /// </summary>
    public static int NormalizeEmail(ReadOnlySpan<byte> text, Span<byte> destination, out int domainStart)
    {
        domainStart = -1;
        var open = text.LastIndexOf((byte)'<');
        if (open >= 0 && text.Length > 0 && text[^1] == '>')
        {
            text = text[(open + 1)..^1];
        }

        if (text.Length > 7 && AsciiStartsWithIgnoreCase(text, "mailto:"u8))
        {
            text = text[7..];
        }

        var at = text.LastIndexOf((byte)'@');
        if (at <= 0 || at > 64 || destination.Length < text.Length)
        {
            return -1;
        }

        for (var i = 0; i < at; i++)
        {
            var c = text[i];
            if (c <= ' ' || c >= 0x7F || c == '@' || c == '<' || c == '>' || c == '"' || c == ',' || c == ';' || c == '(' || c == ')')
            {
                return -1;
            }

            destination[i] = (uint)(c - 'A') <= 'Z' - 'A' ? (byte)(c | 0x20) : c;
        }

        destination[at] = (byte)'@';
        var domainLength = NormalizeDomain(text[(at + 1)..], destination[(at + 1)..]);
        if (domainLength < 0)
        {
            return -1;
        }

        domainStart = at + 1;
        return at + 1 + domainLength;
    }

    /// <summary>The network of <paramref name="address"/> with a prefix of <paramref name="length"/> bits.</summary>
    public static uint Mask(uint address, int length) => length == 0 ? 0 : address & (uint.MaxValue << (32 - length));

    /// <inheritdoc cref="Mask(uint, int)"/>
    public static UInt128 Mask(UInt128 address, int length) => length == 0 ? 0 : address & (UInt128.MaxValue << (128 - length));

    /// <summary>Dotted-quad text of an IPv4 address.</summary>
    public static string FormatIpv4(uint address) =>
        $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}";

    /// <summary>RFC 5952 text of an IPv6 address.</summary>
    public static string FormatIpv6(UInt128 address)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return new System.Net.IPAddress(bytes).ToString();
    }

    internal static int HexValue(byte c)
    {
        if ((uint)(c - '0') <= 9)
        {
            return c - '0';
        }

        var lower = c | 0x20;
        return (uint)(lower - 'a') <= 5 ? lower - 'a' + 10 : -1;
    }

    internal static bool AsciiStartsWithIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> lowerPrefix)
    {
        if (text.Length < lowerPrefix.Length)
        {
            return false;
        }

        for (var i = 0; i < lowerPrefix.Length; i++)
        {
            var c = text[i];
            if ((uint)(c - 'A') <= 'Z' - 'A')
            {
                c = (byte)(c | 0x20);
            }

            if (c != lowerPrefix[i])
            {
                return false;
            }
        }

        return true;
    }
}
