using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Musubi.Stix.Patterning;

/// <summary>An IPv4 or IPv6 address or CIDR block, as the <c>value</c> of ipv4-addr/ipv6-addr (a lone address is /32 or /128).</summary>
internal readonly record struct Cidr(byte[] Network, int PrefixLength)
{
    public static bool TryParse(string text, out Cidr cidr)
    {
        cidr = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address) || addressText.Contains('%', StringComparison.Ordinal))
        {
            return false;
        }

        // IPAddress.TryParse accepts "1" or "1.2" as IPv4; STIX values are dotted quads.
        if (address.AddressFamily == AddressFamily.InterNetwork && addressText.Count(c => c == '.') != 3)
        {
            return false;
        }

        var bytes = address.GetAddressBytes();
        var max = bytes.Length * 8;
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > max))
        {
            return false;
        }

        cidr = new Cidr(Mask(bytes, prefix), prefix);
        return true;
    }

    /// <summary>Is this block wholly inside <paramref name="outer"/> (the same family)?</summary>
    public bool IsSubsetOf(Cidr outer) =>
        Network.Length == outer.Network.Length && PrefixLength >= outer.PrefixLength
        && Mask(Network, outer.PrefixLength).AsSpan().SequenceEqual(outer.Network);

    private static byte[] Mask(byte[] bytes, int prefix)
    {
        var result = (byte[])bytes.Clone();
        for (var i = 0; i < result.Length; i++)
        {
            var bits = Math.Clamp(prefix - (i * 8), 0, 8);
            result[i] &= (byte)(0xFF << (8 - bits));
        }

        return result;
    }
}
