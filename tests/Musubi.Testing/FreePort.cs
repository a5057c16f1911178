using System.Net;
using System.Net.Sockets;

namespace Musubi.Testing;

/// <summary>Free TCP ports on the loopback interface.</summary>
public static class FreePort
{
    /// <summary>
    /// Returns a TCP port that was free on 127.0.0.1 a moment ago: binds a socket to port 0, reads the port the kernel
    /// chose and closes the socket. Another process may still take it before you do; where the server can bind to
    /// port 0 itself (Kestrel can), prefer that.
    /// </summary>
    public static int Get()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
