using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Musubi.Feeds.Events;

/// <summary>
/// An IPv4 or IPv6 address, or a network when <see cref="PrefixLength"/> is below the family's width, packed into
/// 18 bytes (two 64-bit halves rather than a <see cref="UInt128"/>, whose 16-byte alignment would pad the event).
/// <c>default</c> is "no address".
/// </summary>
public readonly struct FeedAddress : IEquatable<FeedAddress>
{
    private readonly ulong _hi;
    private readonly ulong _lo;
    private readonly byte _family;
    private readonly byte _prefix;

    private FeedAddress(UInt128 value, byte family, byte prefix)
    {
        _hi = (ulong)(value >> 64);
        _lo = (ulong)value;
        _family = family;
        _prefix = prefix;
    }

    public static FeedAddress V4(uint address, int prefixLength = 32) => new(address, 4, (byte)prefixLength);

    public static FeedAddress V6(UInt128 address, int prefixLength = 128) => new(address, 6, (byte)prefixLength);

    public bool IsEmpty => _family == 0;

    public bool IsV4 => _family == 4;

    /// <summary>The address as a number in host order (IPv4 in the low 32 bits).</summary>
    public UInt128 Value => ((UInt128)_hi << 64) | _lo;

    public int PrefixLength => _prefix;

    /// <summary>True for a single host; false for a network such as 1.4.0.0/17.</summary>
    public bool IsHost => _family != 0 && _prefix == (_family == 4 ? 32 : 128);

    public IPAddress ToIPAddress()
    {
        if (_family == 4)
        {
            return new IPAddress(BinaryPrimitives.ReverseEndianness((uint)_lo));
        }

        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, _hi);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], _lo);
        return new IPAddress(bytes);
    }

    /// <summary>The address alone (for a network, its first address).</summary>
    public string AddressText => _family == 0 ? "" : ToIPAddress().ToString();

    /// <summary>"192.0.2.1" for a host, "1.4.0.0/17" for a network, "" for none.</summary>
    public override string ToString() =>
        _family == 0 ? "" : IsHost ? AddressText : AddressText + "/" + _prefix.ToString(CultureInfo.InvariantCulture);

    public bool Equals(FeedAddress other) => _hi == other._hi && _lo == other._lo && _family == other._family && _prefix == other._prefix;

    public override bool Equals(object? obj) => obj is FeedAddress other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_hi, _lo, _family, _prefix);

    public static bool operator ==(FeedAddress left, FeedAddress right) => left.Equals(right);

    public static bool operator !=(FeedAddress left, FeedAddress right) => !left.Equals(right);

    /// <summary>Strict dotted-quad IPv4 (no leading zeros), or IPv6 text; no zone ids, no CIDR.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out FeedAddress address)
    {
        if (TryParseV4(utf8, out uint v4))
        {
            address = V4(v4);
            return true;
        }

        address = default;
        if (utf8.Length is < 2 or > 45 || utf8.IndexOf((byte)':') < 0 || utf8.IndexOf((byte)'%') >= 0)
        {
            return false;
        }

        Span<char> chars = stackalloc char[utf8.Length];
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] > 127)
            {
                return false;
            }

            chars[i] = (char)utf8[i];
        }

        if (!IPAddress.TryParse(chars, out IPAddress? ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out _);
        address = V6(((UInt128)BinaryPrimitives.ReadUInt64BigEndian(bytes) << 64) | BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
        return true;
    }

    /// <summary>"a.b.c.d/n" or "v6::/n"; the network must have no host bits set.</summary>
    public static bool TryParseCidr(ReadOnlySpan<byte> utf8, out FeedAddress network)
    {
        network = default;
        int slash = utf8.IndexOf((byte)'/');
        if (slash < 0)
        {
            return false;
        }

        if (!TryParse(utf8[..slash], out FeedAddress address) || !TryParseSmallInt(utf8[(slash + 1)..], out int length))
        {
            return false;
        }

        int width = address.IsV4 ? 32 : 128;
        if (length > width)
        {
            return false;
        }

        UInt128 hostMask = length == width ? UInt128.Zero : (UInt128.One << (width - length)) - UInt128.One;
        if ((address.Value & hostMask) != UInt128.Zero)
        {
            return false;
        }

        network = address.IsV4 ? V4((uint)address.Value, length) : V6(address.Value, length);
        return true;
    }

    private static bool TryParseSmallInt(ReadOnlySpan<byte> utf8, out int value)
    {
        value = 0;
        if (utf8.Length is 0 or > 3)
        {
            return false;
        }

        foreach (byte b in utf8)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }

    public static bool TryParseV4(ReadOnlySpan<byte> utf8, out uint address)
    {
        address = 0;
        int i = 0;
        for (int octet = 0; octet < 4; octet++)
        {
            int start = i;
            uint value = 0;
            while (i < utf8.Length && i - start < 4 && utf8[i] >= (byte)'0' && utf8[i] <= (byte)'9')
            {
                value = (value * 10) + (uint)(utf8[i] - '0');
                i++;
            }

            int digits = i - start;
            if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && utf8[start] == '0'))
            {
                return false;
            }

            address = (address << 8) | value;
            if (octet < 3)
            {
                if (i >= utf8.Length || utf8[i] != '.')
                {
                    return false;
                }

                i++;
            }
        }

        return i == utf8.Length;
    }
}
