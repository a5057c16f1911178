namespace Musubi.Core.Networks;

/// <summary>
/// Parses and normalises what users type into network fields. Error messages are shown to them as field errors,
/// so they say what is wrong and, where possible, what was probably meant.
/// </summary>
public static partial class NetworkParsing
{
    /// <summary>
    /// Accepts "192.0.2.0/24", "2001:db8::/32" or a bare address (a /32 or /128). The prefix's
    /// <see cref="IpPrefix.ToString"/> is the canonical form: dotted IPv4, lower-case compressed IPv6.
    /// </summary>
    public static bool TryParseCidr(string? text, out IpPrefix prefix, out string error)
    {
        prefix = default;
        ReadOnlySpan<char> input = text.AsSpan().Trim();
        if (input.IsEmpty)
        {
            error = "enter an address or network such as 192.0.2.0/24 or 2001:db8::/32";
            return false;
        }

        int slash = input.IndexOf('/');
        ReadOnlySpan<char> addressText = slash < 0 ? input : input[..slash];
        if (addressText.IsEmpty)
        {
            error = "the address before '/' is missing";
            return false;
        }

        if (!TryParseAddress(addressText, out bool isV4, out UInt128 address, out error))
        {
            return false;
        }

        int maxLength = isV4 ? 32 : 128;
        int length = maxLength;
        if (slash >= 0 && !TryParseLength(input[(slash + 1)..], maxLength, out length, out error))
        {
            return false;
        }

        UInt128 hostBits = address & IpPrefix.HostMask(maxLength, length);
        if (hostBits != UInt128.Zero)
        {
            UInt128 network = address & ~hostBits;
            error = $"host bits are set: did you mean {Format(isV4, network, length)}?";
            return false;
        }

        if (!isV4 && length >= 96 && AddressBits.IsMappedV4(address))
        {
            error = $"this is an IPv4-mapped IPv6 network: enter it as IPv4, {Ipv4Text.Format((uint)address)}/{length - 96}";
            return false;
        }

        prefix = isV4 ? IpPrefix.V4((uint)address, length) : IpPrefix.V6(address, length);
        error = string.Empty;
        return true;
    }

    private static bool TryParseAddress(ReadOnlySpan<char> text, out bool isV4, out UInt128 address, out string error)
    {
        error = string.Empty;
        address = UInt128.Zero;
        isV4 = !text.Contains(':');
        if (isV4)
        {
            if (Ipv4Text.TryParse(text, out uint v4))
            {
                address = v4;
                return true;
            }

            error = $"'{text}' is not a valid IPv4 address: use four numbers from 0 to 255 without leading zeros, such as 192.0.2.1";
            return false;
        }

        if (text.Contains('.') && text.Count(':') == 1)
        {
            error = $"'{text}' looks like an address with a port: enter the address only";
            return false;
        }

        if (text.Contains('%'))
        {
            error = $"'{text}' has a zone id ('%...'): enter the address without it";
            return false;
        }

        if (Ipv6Text.TryParse(text, out address))
        {
            return true;
        }

        error = $"'{text}' is not a valid IPv6 address, such as 2001:db8::1";
        return false;
    }

    private static bool TryParseLength(ReadOnlySpan<char> text, int maxLength, out int length, out string error)
    {
        length = 0;
        error = string.Empty;
        bool digitsOnly = !text.IsEmpty && text.Length <= 3 && !text.ContainsAnyExceptInRange('0', '9');
        if (digitsOnly)
        {
            length = int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
            if (length <= maxLength)
            {
                return true;
            }
        }

        string family = maxLength == 32 ? "IPv4" : "IPv6";
        error = text.IsEmpty
            ? "the prefix length after '/' is missing"
            : $"prefix length '{text}' is not valid: use a number from 0 to {maxLength} for {family}";
        return false;
    }

    private static string Format(bool isV4, UInt128 network, int length) =>
        (isV4 ? IpPrefix.V4((uint)network, length) : IpPrefix.V6(network, length)).ToString();
}
