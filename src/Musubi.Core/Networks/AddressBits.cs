using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Musubi.Core.Networks;

/// <summary>Reads an <see cref="IPAddress"/> as a number without allocating.</summary>
internal static class AddressBits
{
    private static readonly UInt128 MappedV4Tag = 0xFFFF;

    /// <summary>Addresses of the form ::ffff:a.b.c.d: dual-stack sockets report IPv4 clients this way.</summary>
    public static bool IsMappedV4(UInt128 v6) => (v6 >> 32) == MappedV4Tag;

    public static bool TryRead(IPAddress? address, out AddressFamily family, out UInt128 value)
    {
        family = AddressFamily.Unspecified;
        value = UInt128.Zero;
        if (address is null)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int written))
        {
            return false;
        }

        if (written == 4)
        {
            family = AddressFamily.InterNetwork;
            value = BinaryPrimitives.ReadUInt32BigEndian(bytes);
            return true;
        }

        value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        family = AddressFamily.InterNetworkV6;
        if (IsMappedV4(value))
        {
            family = AddressFamily.InterNetwork;
            value = (uint)value;
        }

        return true;
    }
}
