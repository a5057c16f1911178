using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Parsers;

/// <summary>
/// Darknet (network telescope) captures: classic libpcap files (docs/FEED-FORMATS.md, "darknet-pcap"). Every source
/// that sends to the telescope becomes one event per (source, protocol, destination port, UTC day) with its packet
/// count, classified per source:
/// <list type="bullet">
/// <item>backscatter (other / backscatter): not a scanner's probe group, and most of the group's packets are replies — TCP SYN-ACK or RST, ICMP echo reply,
/// destination unreachable, time exceeded — i.e. answers to traffic forged with telescope addresses (a DoS victim);</item>
/// <item>scanner (information-gathering / scanner): the source's probes — TCP segments without ACK or RST (SYN, and
/// the NULL/FIN/Xmas stealth probes), UDP datagrams, ICMP echo/timestamp/address-mask requests — reached at least
/// <see cref="ScanTargets"/> different targets (address, protocol, port) in the file. A telescope serves nothing, so a
/// source that tries two targets is already sweeping: masscan tries 1,001 ports of one address, <c>nmap -p 80</c>
/// tries port 443 and port 80;</item>
/// <item>otherwise other / other (identifier <c>darknet</c>): unsolicited traffic below the scan thresholds.</item>
/// </list>
/// The reader is written here (24-byte global header, 16-byte record headers, either byte order, microsecond or
/// nanosecond magic; Ethernet with up to two VLAN tags, Linux cooked, raw IP and BSD loopback link types → IPv4/IPv6
/// (extension headers skipped) → TCP/UDP/ICMP). Limits: the file size (<see cref="FeedParseOptions.MaxFileBytes"/>),
/// <see cref="MaxPackets"/>, <see cref="MaxSnapLength"/> per record and <see cref="MaxGroups"/>. A truncated or bogus
/// record is reported with its packet number and byte offset (a record whose length cannot be trusted ends the file,
/// since the next record cannot be found); nothing in the file can make it throw.
/// </summary>
public sealed class DarknetPcapParser : IFeedParser
{
    public const int MaxPackets = 20_000_000;
    public const int MaxSnapLength = 262_144;
    public const int MaxGroups = 2_000_000;
    public const int ScanTargets = 2;

    private static readonly Classification Scanner = new("information-gathering", "scanner", "darknet-scan");
    private static readonly Classification Backscatter = new("other", "backscatter", "darknet-backscatter");
    private static readonly Classification Unsolicited = new("other", "other", "darknet");
    private static readonly int FeedName = FeedSymbols.Intern("darknet");

    public string Type => "darknet-pcap";

    public string Description => "Darknet telescope capture (classic libpcap): events per source, protocol, destination port and day";

    public bool Recognises(ReadOnlySpan<byte> head, string? fileName) => head.Length >= 24 && Magic(head, out _, out _);

    private static bool Magic(ReadOnlySpan<byte> data, out bool bigEndian, out bool nanoseconds)
    {
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(data);
        (bool ok, bigEndian, nanoseconds) = magic switch
        {
            0xa1b2c3d4 => (true, false, false),
            0xd4c3b2a1 => (true, true, false),
            0xa1b23c4d => (true, false, true),
            0x4d3cb2a1 => (true, true, true),
            _ => (false, false, false),
        };
        return ok;
    }

    private enum Transport : byte { Tcp = 6, Udp = 17, Icmp = 1, IcmpV6 = 58 }

    private readonly record struct GroupKey(UInt128 Address, bool V6, byte Protocol, int Port, int Day);

    private sealed class Group
    {
        public long Packets;
        public long Replies;
        public long Probes;
        public long FirstMs = long.MaxValue;
        public long LastMs = long.MinValue;
    }

    private sealed class SourceStats
    {
        /// <summary>Distinct probed targets, kept only up to what the decision needs.</summary>
        public readonly HashSet<(UInt128 Host, int Protocol, int Port)> Targets = [];
        public bool Scanner => Targets.Count >= ScanTargets;
    }

    public void Parse(ReadOnlySpan<byte> data, FeedParseContext context)
    {
        if (data.Length < 24 || !Magic(data, out bool big, out bool nano))
        {
            context.RejectInput("offset 0: not a libpcap file (no a1b2c3d4/a1b23c4d magic in a 24-byte global header)");
            return;
        }

        uint Read32(ReadOnlySpan<byte> s) => big ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
        uint snap = Read32(data[16..]);
        uint link = Read32(data[20..]) & 0x0FFFFFFF;
        if (link is not (0 or 1 or 101 or 113 or 228 or 229 or 12 or 14))
        {
            context.RejectInput($"offset 20: link type {link} is not supported (Ethernet, Linux cooked, raw IP, loopback)");
            return;
        }

        var groups = new Dictionary<GroupKey, Group>();
        var sources = new Dictionary<(UInt128, bool), SourceStats>();
        long offset = 24;
        int packet = 0;
        while (offset < data.Length && !context.Stopped)
        {
            packet++;
            if (packet > MaxPackets)
            {
                context.RejectInput($"packet {packet} at offset {offset}: more than {MaxPackets} packets; the rest of the file is not read");
                break;
            }

            if (data.Length - offset < 16)
            {
                context.Reject(packet, $"packet {packet} at offset {offset}: truncated record header ({data.Length - offset} of 16 bytes)");
                break;
            }

            ReadOnlySpan<byte> header = data.Slice((int)offset, 16);
            uint seconds = Read32(header);
            uint fraction = Read32(header[4..]);
            uint captured = Read32(header[8..]);
            uint original = Read32(header[12..]);
            if (captured > MaxSnapLength || (snap > 0 && captured > Math.Max(snap, 65535u)) || fraction >= (nano ? 1_000_000_000u : 1_000_000u))
            {
                context.Reject(packet, $"packet {packet} at offset {offset}: bogus record header (captured length {captured}, snap length {snap}, fraction {fraction}); the rest of the file cannot be framed");
                break;
            }

            if (captured > data.Length - offset - 16)
            {
                context.Reject(packet, $"packet {packet} at offset {offset}: truncated record ({captured} bytes announced, {data.Length - offset - 16} left)");
                break;
            }

            ReadOnlySpan<byte> frame = data.Slice((int)offset + 16, (int)captured);
            long ms = seconds * 1000L + (nano ? fraction / 1_000_000 : fraction / 1000);
            string? problem = Dissect(frame, link, Math.Max(original, captured), ms, groups, sources);
            if (problem is not null)
            {
                context.Reject(packet, $"packet {packet} at offset {offset}: {problem}");
            }

            offset += 16 + captured;
            if (groups.Count > MaxGroups)
            {
                context.RejectInput($"packet {packet} at offset {offset}: more than {MaxGroups} (source, protocol, port, day) groups; the rest of the file is not read");
                break;
            }
        }

        int line = 0;
        foreach (var (key, group) in groups.OrderBy(g => g.Key.V6).ThenBy(g => g.Key.Address).ThenBy(g => g.Key.Protocol).ThenBy(g => g.Key.Port).ThenBy(g => g.Key.Day))
        {
            var stats = sources[(key.Address, key.V6)];
            line++;
            context.Begin(line, 0, 0);
            byte[] address = Encoding.ASCII.GetBytes(ToAddress(key.Address, key.V6).ToString());
            context.Set(FeedField.SourceIp, address, required: true, column: "source");
            context.SetTime(group.FirstMs);
            // A scanner's own groups stay scans even with the resets its stack sends after an answer (masscan does).
            Classification c = stats.Scanner && group.Probes > 0 ? Scanner : group.Replies * 2 > group.Packets ? Backscatter : Unsolicited;
            c.ApplyTo(context);
            context.SetSymbol(FeedField.FeedName, FeedName);
            context.Set(FeedField.ProtocolTransport, Encoding.ASCII.GetBytes(key.Protocol switch { 6 => "tcp", 17 => "udp", 1 => "icmp", 58 => "ipv6-icmp", _ => "other" }));
            if (key.Port >= 0 && key.Protocol is 6 or 17)
            {
                context.Set(FeedField.DestinationPort, Encoding.ASCII.GetBytes(key.Port.ToString(CultureInfo.InvariantCulture)));
            }

            context.Extra("extra.packets", group.Packets.ToString(CultureInfo.InvariantCulture));
            context.Extra("extra.last_seen", DateTimeOffset.FromUnixTimeMilliseconds(group.LastMs).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            context.End();
        }
    }

    private static IPAddress ToAddress(UInt128 value, bool v6)
    {
        if (!v6)
        {
            return new IPAddress((long)(uint)value); // read little-endian from the network-order bytes: IPAddress wants exactly that
        }

        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    /// <returns>Null when the packet was counted or is not IP (ARP and the like are ignored), else why it is bogus.</returns>
    private static string? Dissect(ReadOnlySpan<byte> frame, uint link, uint originalLength, long ms,
        Dictionary<GroupKey, Group> groups, Dictionary<(UInt128, bool), SourceStats> sources)
    {
        int etherType;
        int at;
        switch (link)
        {
            case 1: // Ethernet
                if (frame.Length < 14)
                {
                    return $"Ethernet header truncated ({frame.Length} bytes)";
                }

                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
                at = 14;
                for (int tags = 0; tags < 2 && etherType is 0x8100 or 0x88a8 or 0x9100; tags++)
                {
                    if (frame.Length < at + 4)
                    {
                        return "VLAN tag truncated";
                    }

                    etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(at + 2)..]);
                    at += 4;
                }

                break;
            case 113: // Linux cooked (SLL)
                if (frame.Length < 16)
                {
                    return $"Linux cooked header truncated ({frame.Length} bytes)";
                }

                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]);
                at = 16;
                break;
            case 0: // BSD loopback: a 4-byte address family in the capturing host's order
                if (frame.Length < 4)
                {
                    return "loopback header truncated";
                }

                uint family = BinaryPrimitives.ReadUInt32LittleEndian(frame) is var le && le < 256 ? le : BinaryPrimitives.ReadUInt32BigEndian(frame);
                etherType = family == 2 ? 0x0800 : family is 24 or 28 or 30 ? 0x86DD : 0;
                at = 4;
                break;
            default: // raw IP (101, 12, 14, 228, 229): the version nibble tells
                etherType = frame.Length > 0 ? (frame[0] >> 4) switch { 4 => 0x0800, 6 => 0x86DD, _ => 0 } : 0;
                at = 0;
                break;
        }

        // What the packet was on the wire after the link header: a shorter capture (snap length) is not bogus.
        long wire = (long)originalLength - at;
        ReadOnlySpan<byte> ip = frame[at..];
        UInt128 source, destination;
        bool v6;
        int protocol;
        ReadOnlySpan<byte> payload;
        if (etherType == 0x0800)
        {
            if (ip.Length < 20)
            {
                return $"IPv4 header truncated ({ip.Length} bytes)";
            }

            int ihl = (ip[0] & 0x0F) * 4;
            int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
            if ((ip[0] >> 4) != 4 || ihl < 20)
            {
                return $"not a valid IPv4 header (version {ip[0] >> 4}, header length {ihl})";
            }

            if (total < ihl)
            {
                return $"bogus IPv4 total length {total} (less than its {ihl}-byte header)";
            }

            if (total > wire)
            {
                return $"bogus IPv4 total length {total} (the packet was {wire} bytes on the wire)";
            }

            if (ip.Length < ihl)
            {
                return "IPv4 options truncated";
            }

            v6 = false;
            source = BinaryPrimitives.ReadUInt32LittleEndian(ip[12..]);
            destination = BinaryPrimitives.ReadUInt32LittleEndian(ip[16..]);
            protocol = ip[9];
            bool laterFragment = (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x1FFF) != 0;
            payload = laterFragment ? default : ip[ihl..Math.Min(ip.Length, total)];
            if (laterFragment)
            {
                protocol = -1;
            }
        }
        else if (etherType == 0x86DD)
        {
            if (ip.Length < 40)
            {
                return $"IPv6 header truncated ({ip.Length} bytes)";
            }

            if ((ip[0] >> 4) != 6)
            {
                return $"not a valid IPv6 header (version {ip[0] >> 4})";
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
            if (40 + length > wire)
            {
                return $"bogus IPv6 payload length {length} (the packet was {wire} bytes on the wire)";
            }

            v6 = true;
            source = BinaryPrimitives.ReadUInt128BigEndian(ip[8..]);
            destination = BinaryPrimitives.ReadUInt128BigEndian(ip[24..]);
            protocol = ip[6];
            payload = ip[40..Math.Min(ip.Length, 40 + length)];
            for (int hops = 0; hops < 8 && protocol is 0 or 43 or 60 or 44; hops++)
            {
                if (payload.Length < 8)
                {
                    protocol = -1;
                    break;
                }

                int next = payload[0];
                int size = protocol == 44 ? 8 : (payload[1] + 1) * 8;
                if (protocol == 44 && (BinaryPrimitives.ReadUInt16BigEndian(payload[2..]) & 0xFFF8) != 0)
                {
                    protocol = -1; // a later fragment: no transport header
                    break;
                }

                if (size > payload.Length)
                {
                    protocol = -1;
                    break;
                }

                payload = payload[size..];
                protocol = next;
            }
        }
        else
        {
            return null; // not IP (ARP, LLDP, ...): nothing a telescope reports
        }

        int port = -1;
        bool reply = false, probe = false;
        switch (protocol)
        {
            case 6 when payload.Length >= 14:
                port = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
                byte flags = payload[13];
                bool syn = (flags & 0x02) != 0, ack = (flags & 0x10) != 0, rst = (flags & 0x04) != 0;
                reply = (syn && ack) || rst;
                probe = !ack && !rst;
                break;
            case 17 when payload.Length >= 4:
                port = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
                probe = true;
                break;
            case 1 when payload.Length >= 1:
                reply = payload[0] is 0 or 3 or 11 or 14 or 18;
                probe = payload[0] is 8 or 13 or 17;
                break;
            case 58 when payload.Length >= 1:
                reply = payload[0] is 129 or 1 or 3;
                probe = payload[0] == 128;
                break;
        }

        var key = new GroupKey(source, v6, (byte)Math.Max(protocol, 0), port, (int)(ms / 86_400_000));
        if (!groups.TryGetValue(key, out Group? group))
        {
            groups[key] = group = new Group();
        }

        group.Packets++;
        group.Replies += reply ? 1 : 0;
        group.Probes += probe ? 1 : 0;
        group.FirstMs = Math.Min(group.FirstMs, ms);
        group.LastMs = Math.Max(group.LastMs, ms);
        if (!sources.TryGetValue((source, v6), out SourceStats? stats))
        {
            sources[(source, v6)] = stats = new SourceStats();
        }

        if (probe && stats.Targets.Count < ScanTargets)
        {
            stats.Targets.Add((destination, protocol, port));
        }

        return null;
    }
}
