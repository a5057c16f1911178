using System.Net;
using Musubi.Core.Networks;

namespace Musubi.Core.Tests.Networks;

/// <summary>Owner handles and helpers shared by the network ownership tests.</summary>
internal static class TestIndex
{
    public const int Isp = 1;
    public const int Agency = 2;
    public const int University = 3;

    public static NetworkOwnershipIndex Build(params (string Prefix, int Owner)[] claims) =>
        NetworkOwnershipIndex.Build(claims.Select(c => (IpPrefix.Parse(c.Prefix), c.Owner)));

    public static int Lookup(NetworkOwnershipIndex index, string address) => index.Lookup(IPAddress.Parse(address));
}
