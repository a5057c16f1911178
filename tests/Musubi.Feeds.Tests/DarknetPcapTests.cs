using System.Buffers.Binary;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsers;
using Musubi.Feeds.Parsing;
using Musubi.Testing;

namespace Musubi.Feeds.Tests;

/// <summary>The darknet telescope reader: the corpus pcaps, both byte orders and nanosecond captures, limits, bogus and truncated records, fuzzing.</summary>
public sealed class DarknetPcapTests
{
    private static readonly DarknetPcapParser Parser = new();

    private static string Pcap(params string[] path) => Corpora.Require(["pcap", .. path]);

    private static CollectingSink Parse(byte[] data) => FeedCorpus.Parse(Parser, data, "capture.pcap");

    private static CollectingSink Parse(string path) => FeedCorpus.Parse(Parser, path);

    private static string Type(FeedEvent e) => FeedCorpus.S(e.Type);

    private static long Packets(FeedEvent e) => long.Parse(e.Extras!["extra.packets"]!, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("masscan", "tcp_0_1000_20190821.pcap")]
    [InlineData("nmap", "nmap_80_all.pcap")]
    [InlineData("nmap", "nmap_80_vanilla.pcap")]
    public void Scanner_captures_come_out_as_scans_from_the_scanning_source(string tool, string file)
    {
        var sink = Parse(Pcap("curated-pcaps", "attacks", "scanners", tool, file));
        Assert.Empty(sink.Errors);
        Assert.NotEmpty(sink.Events);
        // The source that sent the most packets is the scanner; every one of its probe groups is classified a scan.
        var scanner = sink.Events.GroupBy(e => e.Source.AddressText).OrderByDescending(g => g.Sum(Packets)).First();
        Assert.All(scanner, e => Assert.Equal(("information-gathering", "scanner"), (FeedCorpus.S(e.Taxonomy), Type(e))));
        Assert.All(sink.Events, FeedCorpus.AssertSourced);
        Assert.All(sink.Events, e => Assert.Equal("darknet", FeedCorpus.S(e.FeedName)));
    }

    [Fact]
    public void The_masscan_capture_probes_1001_ports_from_one_source()
    {
        var sink = Parse(Pcap("curated-pcaps", "attacks", "scanners", "masscan", "tcp_0_1000_20190821.pcap"));
        var scans = sink.Events.Where(e => Type(e) == "scanner").ToList();
        Assert.Single(scans.Select(e => e.Source.AddressText).Distinct());
        Assert.True(scans.Select(e => e.DestinationPort).Distinct().Count() > 900, $"{scans.Count} scan groups");
        Assert.All(scans, e => Assert.Equal("tcp", FeedCorpus.S(e.ProtocolTransport)));
    }

    [Theory]
    [InlineData("one_way_AS.pcap", "backscatter")]
    [InlineData("one_way_R.pcap", "backscatter")]
    [InlineData("one_way_AR.pcap", "backscatter")]
    [InlineData("one_way_S.pcap", "other")]
    [InlineData("one_way_A.pcap", "other")]
    [InlineData("one_way_None.pcap", "other")]
    public void Syn_ack_and_reset_segments_are_backscatter_and_other_lone_segments_are_unsolicited(string file, string type)
    {
        var sink = Parse(Pcap("curated-pcaps", "tcp", "control", "exhaustive", "one_way", file));
        Assert.Empty(sink.Errors);
        var e = Assert.Single(sink.Events);
        Assert.Equal(type, Type(e));
        Assert.Equal(1, Packets(e));
        Assert.Equal("tcp", FeedCorpus.S(e.ProtocolTransport));
    }

    [Fact]
    public void Tcp_udp_and_icmp_are_grouped_and_arp_is_ignored()
    {
        var sink = Parse(Pcap("sharppcap", "test_stream.pcap"));
        Assert.Empty(sink.Errors);
        Assert.Equal(["icmp", "tcp", "udp"], sink.Events.Select(e => FeedCorpus.S(e.ProtocolTransport)).Distinct().Order());
        Assert.Equal(5, sink.Events.Sum(Packets)); // two TCP, two UDP (one DNS), one ICMP; the ARP packet is not IP
    }

    [Fact]
    public void A_packet_with_extra_bytes_is_one_packet()
    {
        var sink = Parse(Pcap("sharppcap", "tcp_with_extra_bytes.pcap"));
        Assert.Empty(sink.Errors);
        Assert.Equal(1, Packets(Assert.Single(sink.Events)));
    }

    [Fact]
    public void A_bogus_ip_length_is_reported_with_its_packet_and_offset()
    {
        var sink = Parse(Pcap("sharppcap", "ip_packet_bogus_length.pcap"));
        var error = Assert.Single(sink.Errors);
        Assert.Equal(1, error.Line);
        Assert.Contains("packet 1 at offset 24: bogus IPv4 total length", error.Reason, StringComparison.Ordinal);
        Assert.Empty(sink.Events);
    }

    /// <summary>One raw-IP (link type 101) capture holding an IPv4 TCP SYN from 198.51.100.7 to 192.0.2.1:23.</summary>
    private static byte[] Synthetic(bool bigEndian, bool nanoseconds, uint fraction)
    {
        var packet = new byte[40];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 40);
        packet[8] = 64;
        packet[9] = 6;
        new byte[] { 198, 51, 100, 7 }.CopyTo(packet, 12);
        new byte[] { 192, 0, 2, 1 }.CopyTo(packet, 16);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), 40000);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), 23);
        packet[32] = 0x50;
        packet[33] = 0x02; // SYN
        var file = new byte[24 + 16 + packet.Length];
        void W(int at, uint v)
        {
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(at), v);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), v);
            }
        }

        W(0, nanoseconds ? 0xa1b23c4du : 0xa1b2c3d4u);
        file[bigEndian ? 5 : 4] = 2; // version 2.4
        file[bigEndian ? 7 : 6] = 4;
        W(16, 65535);
        W(20, 101);
        W(24, 1_775_000_000); // 2026-03-31T23:33:20Z
        W(28, fraction);
        W(32, (uint)packet.Length);
        W(36, (uint)packet.Length);
        packet.CopyTo(file, 40);
        return file;
    }

    [Theory]
    [InlineData(false, false, 250_000u)]
    [InlineData(true, false, 250_000u)]
    [InlineData(false, true, 250_000_000u)]
    [InlineData(true, true, 250_000_000u)]
    public void Both_byte_orders_and_nanosecond_captures_are_read(bool bigEndian, bool nanoseconds, uint fraction)
    {
        var data = Synthetic(bigEndian, nanoseconds, fraction);
        Assert.True(Parser.Recognises(data, null));
        Assert.IsType<DarknetPcapParser>(FeedFormats.Recognise(data, "x.pcap"));
        var sink = Parse(data);
        Assert.Empty(sink.Errors);
        var e = Assert.Single(sink.Events);
        Assert.Equal("198.51.100.7", e.Source.AddressText);
        Assert.Equal(23, e.DestinationPort);
        Assert.Equal(1_775_000_000_250L, e.TimeSource);
        Assert.Equal("other", Type(e));
    }

    [Fact]
    public void Truncated_and_oversized_records_are_reported_with_their_offset_and_earlier_packets_kept()
    {
        var two = Synthetic(false, false, 0).Concat(Synthetic(false, false, 0).AsSpan(24).ToArray()).ToArray();
        Assert.Equal(2, Packets(Assert.Single(Parse(two).Events)));

        var cut = Parse(two[..^10]);
        Assert.Equal(1, Packets(Assert.Single(cut.Events)));
        Assert.Contains("packet 2 at offset 80: truncated record (40 bytes announced, 30 left)", Assert.Single(cut.Errors).Reason, StringComparison.Ordinal);

        var header = Parse(two[..^50]);
        Assert.Contains("packet 2 at offset 80: truncated record header (6 of 16 bytes)", Assert.Single(header.Errors).Reason, StringComparison.Ordinal);

        var huge = (byte[])two.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(huge.AsSpan(80 + 8), 10_000_000);
        Assert.Contains("packet 2 at offset 80: bogus record header (captured length 10000000", Assert.Single(Parse(huge).Errors).Reason, StringComparison.Ordinal);

        var notPcap = Parse("hello, world, this is not a capture"u8.ToArray());
        Assert.Contains("offset 0: not a libpcap file", Assert.Single(notPcap.Errors).Reason, StringComparison.Ordinal);

        var link = Synthetic(false, false, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(link.AsSpan(20), 147);
        Assert.Contains("offset 20: link type 147 is not supported", Assert.Single(Parse(link).Errors).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sharppcap", "test_stream.pcap")]
    [InlineData("curated-pcaps", "attacks", "scanners", "nmap", "nmap_80_vanilla.pcap")]
    [InlineData("sharppcap", "ipv6_http.pcap")]
    public void Mutated_captures_never_throw_and_errors_name_an_offset(params string[] path)
    {
        byte[] original = File.ReadAllBytes(Pcap(path));
        var random = new Random(original.Length);
        for (int round = 0; round < 300; round++)
        {
            byte[] data = (byte[])original.Clone();
            int changes = random.Next(1, 12);
            for (int i = 0; i < changes; i++)
            {
                data[random.Next(data.Length)] = (byte)random.Next(256);
            }

            if (random.Next(4) == 0)
            {
                data = data[..random.Next(data.Length)];
            }

            CollectingSink sink;
            try
            {
                sink = Parse(data);
            }
            catch (Exception e)
            {
                Assert.Fail($"round {round}: {e}");
                return;
            }

            Assert.All(sink.Errors, e => Assert.Contains("offset", e.Reason, StringComparison.Ordinal));
            Assert.All(sink.Events, FeedCorpus.AssertSourced);
        }
    }
}
