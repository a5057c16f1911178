using System.Net;
using System.Net.Sockets;

namespace Musubi.Infrastructure.Federation;

/// <summary>
/// Where a partner's remote end may be (docs/FEDERATION.md, "Partner addresses"): not on this machine or its private
/// networks — loopback, RFC 1918, link-local (with the cloud metadata address 169.254.169.254), CGNAT, unique-local
/// IPv6, unspecified, multicast — unless <see cref="FederationOptions.AllowPrivateAddresses"/> says so. Checked when a
/// partner is saved (a 400 naming the address) and again on every connection (the runner's HTTP handler), so a name
/// that later resolves elsewhere is still refused.
/// </summary>
public static class FederationAddresses
{
    /// <summary>Why the address is not a public one, or null when it is.</summary>
    public static string? WhyRefused(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address))
        {
            return "a loopback address";
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b switch
            {
                [0, ..] => "an unspecified ('this network') address",
                [10, ..] => "a private address (10.0.0.0/8)",
                [172, >= 16 and <= 31, ..] => "a private address (172.16.0.0/12)",
                [192, 168, ..] => "a private address (192.168.0.0/16)",
                [169, 254, 169, 254] => "the cloud metadata address",
                [169, 254, ..] => "a link-local address (169.254.0.0/16)",
                [100, >= 64 and <= 127, ..] => "a shared (CGNAT) address (100.64.0.0/10)",
                [192, 0, 0, _] => "an IETF protocol assignment (192.0.0.0/24)",
                [198, 18 or 19, ..] => "a benchmarking address (198.18.0.0/15)",
                [>= 224, ..] => "a multicast or reserved address",
                _ => null,
            };
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.Equals(IPAddress.IPv6None) || address.Equals(IPAddress.IPv6Any))
            {
                return "an unspecified address";
            }

            var b = address.GetAddressBytes();
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal ? "a link-local address (fe80::/10)"
                : (b[0] & 0xfe) == 0xfc ? "a unique-local address (fc00::/7, incl. the cloud metadata fd00:ec2::254)"
                : address.IsIPv6Multicast ? "a multicast address"
                : null;
        }

        return "not an IP address";
    }

    /// <summary>The host of a partner URL resolved, with the first refused address and why; null when all are public.</summary>
    public static async Task<string?> CheckHostAsync(string host, CancellationToken ct)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
                 || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return $"{host} is this machine (loopback)";
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, ct);
            }
            catch (SocketException)
            {
                // Not resolvable now: nothing to refuse yet; every connection is checked again.
                return null;
            }
        }

        foreach (var a in addresses)
        {
            if (WhyRefused(a) is { } why)
            {
                return $"{host} resolves to {a}, {why}";
            }
        }

        return null;
    }

    /// <summary>A local feed folder is allowed when it is one of the configured folders or under one (after normalising).</summary>
    public static bool IsUnderFeedFolder(string folder, IEnumerable<string> allowed)
    {
        var full = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return allowed.Where(a => !string.IsNullOrWhiteSpace(a)).Any(a =>
            full.StartsWith(Path.GetFullPath(a).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal));
    }

    /// <summary>The runner's connection: resolves the host and connects only to an allowed address.</summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, bool allowPrivate, CancellationToken ct)
    {
        var endpoint = context.DnsEndPoint;
        var addresses = IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        if (!allowPrivate)
        {
            foreach (var a in addresses)
            {
                if (WhyRefused(a) is { } why)
                {
                    throw new HttpRequestException($"{endpoint.Host} resolves to {a}, {why}; refused (Musubi:Federation:AllowPrivateAddresses)");
                }
            }
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
