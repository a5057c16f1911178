using System.Net;
using System.Net.Sockets;

namespace Musubi.Core.Networks;

/// <summary>
/// An IPv4 or IPv6 network block. The network address is held as a <see cref="UInt128"/> in host order
/// (IPv4 in the low 32 bits) and never has host bits set. <c>default</c> is not a valid prefix.
/// </summary>
public readonly record struct IpPrefix
{
    public IpPrefix(AddressFamily family, UInt128 network, int length)
    {
        int maxLength = family switch
        {
            AddressFamily.InterNetwork => 32,
            AddressFamily.InterNetworkV6 => 128,
            _ => throw new ArgumentOutOfRangeException(nameof(family), family, "Only IPv4 and IPv6 are supported."),
        };
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, maxLength);
        if (maxLength == 32 && network > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(network), "An IPv4 network must fit in 32 bits.");
        }

        if ((network & HostMask(maxLength, length)) != UInt128.Zero)
        {
            throw new ArgumentException("The network address has host bits set.", nameof(network));
        }

        Family = family;
        Network = network;
        Length = length;
    }

    public AddressFamily Family { get; }

    public UInt128 Network { get; }

    public int Length { get; }

    public bool IsIPv4 => Family == AddressFamily.InterNetwork;

    public int MaxLength => IsIPv4 ? 32 : 128;

    /// <summary>The last address of the block, in the same numbering as <see cref="Network"/>.</summary>
    public UInt128 Last => Network | HostMask(MaxLength, Length);

    public static IpPrefix V4(uint network, int length) => new(AddressFamily.InterNetwork, network, length);

    public static IpPrefix V6(UInt128 network, int length) => new(AddressFamily.InterNetworkV6, network, length);

    /// <exception cref="FormatException">With the same message <see cref="NetworkParsing.TryParseCidr"/> reports.</exception>
    public static IpPrefix Parse(string text) =>
        NetworkParsing.TryParseCidr(text, out IpPrefix prefix, out string error) ? prefix : throw new FormatException(error);

    /// <summary>IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are treated as the IPv4 address they carry.</summary>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return AddressBits.TryRead(address, out AddressFamily family, out UInt128 value) && Contains(family, value);
    }

    public bool Contains(IpPrefix other) =>
        other.Family == Family && other.Length >= Length && Contains(other.Family, other.Network);

    internal bool Contains(AddressFamily family, UInt128 value) =>
        family == Family && value >= Network && value <= Last;

    public override string ToString() => Family switch
    {
        AddressFamily.InterNetwork => $"{Ipv4Text.Format((uint)Network)}/{Length}",
        AddressFamily.InterNetworkV6 => $"{Ipv6Text.Format(Network)}/{Length}",
        _ => "(no prefix)",
    };

    /// <summary>The host bits of a /<paramref name="length"/>; written out for /0 because shifts wrap at the type width.</summary>
    internal static UInt128 HostMask(int maxLength, int length) => length switch
    {
        0 => maxLength == 32 ? uint.MaxValue : UInt128.MaxValue,
        _ when length == maxLength => UInt128.Zero,
        _ => (UInt128.One << (maxLength - length)) - UInt128.One,
    };
}
