using System.Buffers;
using System.Text;
using System.Text.Json;
using Musubi.Detection.Ingestion;

namespace Musubi.Detection.Tests.Ingestion;

public sealed class IngestParserTests
{
    private static readonly string[] Seeds =
    [
        """{"time":"2026-11-25T10:00:00Z","src_ip":"10.0.0.1","dst_ip":"203.0.113.7","dst_port":443,"user":"alice","nested":{"a":[1,2,{"b":"c"}]}}""",
        "<34>1 2026-11-25T10:00:00.000Z host1 sshd 4321 ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\"] Failed password for root from 203.0.113.7",
        "<13>Nov 25 10:00:00 host1 sshd[123]: Accepted password for alice from 192.0.2.4 port 5555 ssh2",
        "CEF:0|Vendor|Firewall|1.0|100|Blocked connection|8|src=10.0.0.1 dst=203.0.113.7 spt=5555 dpt=443 act=blocked msg=a\\=b",
    ];

    public static TheoryData<IngestFormat, int> FormatsAndSeeds() => new()
    {
        { IngestFormat.JsonLines, 0 },
        { IngestFormat.Syslog, 1 },
        { IngestFormat.Syslog, 2 },
        { IngestFormat.Cef, 3 },
    };

    [Theory]
    [MemberData(nameof(FormatsAndSeeds))]
    public void The_seed_lines_parse(IngestFormat format, int seed)
    {
        Assert.True(IngestParser.TryParse(format, Encoding.UTF8.GetBytes(Seeds[seed]), out var parsed, out var error), error);
        Assert.NotEmpty(parsed!.Fields);
        Assert.Equal(Seeds[seed], parsed.Raw);
    }

    /// <summary>
    /// Fuzz: mutated, truncated and spliced versions of valid lines of each format (and random bytes) never make the
    /// parser throw; each is either parsed or refused with a reason; a refused JSON line names the byte position.
    /// </summary>
    [Theory]
    [MemberData(nameof(FormatsAndSeeds))]
    public void Fuzzed_lines_are_parsed_or_refused_with_a_reason_and_never_throw(IngestFormat format, int seed)
    {
        var random = new Random(4000 + seed);
        var original = Encoding.UTF8.GetBytes(Seeds[seed]);
        var refused = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var line = Mutate(random, original);
            bool ok;
            string? error;
            ParsedEvent? parsed;
            try
            {
                ok = IngestParser.TryParse(format, line, out parsed, out error);
            }
            catch (Exception e)
            {
                Assert.Fail($"{format} parser threw {e.GetType().Name} on {Convert.ToBase64String(line)}: {e.Message}");
                return;
            }

            if (ok)
            {
                Assert.NotNull(parsed);
            }
            else
            {
                refused++;
                Assert.False(string.IsNullOrWhiteSpace(error));
            }
        }

        Assert.True(refused > 0);
    }

    [Fact]
    public void Limits_are_enforced_with_precise_reasons()
    {
        Assert.False(IngestParser.TryParse(IngestFormat.JsonLines, new byte[IngestParser.MaxLineBytes + 1], out _, out var error));
        Assert.Contains("longer than", error);

        var deep = new string('[', 40) + new string(']', 40);
        Assert.False(IngestParser.TryParse(IngestFormat.JsonLines, Encoding.UTF8.GetBytes("{\"a\":" + deep + "}"), out _, out error));
        Assert.Contains("malformed JSON", error);

        var wide = "{" + string.Join(",", Enumerable.Range(0, IngestParser.MaxFields + 1).Select(i => $"\"f{i}\":1")) + "}";
        Assert.False(IngestParser.TryParse(IngestFormat.JsonLines, Encoding.UTF8.GetBytes(wide), out _, out error));
        Assert.Contains("fields", error);

        Assert.False(IngestParser.TryParse(IngestFormat.JsonLines, "{\"a\":1} {\"b\":2}"u8, out _, out error));
        Assert.Contains("malformed JSON at byte 8", error);

        Assert.False(IngestParser.TryParse(IngestFormat.JsonLines, "[1,2]"u8, out _, out error));
        Assert.Contains("one object", error);

        Assert.False(IngestParser.TryParse(IngestFormat.JsonLines, new byte[] { (byte)'{', 0xC3, (byte)'}' }, out _, out error));
        Assert.Contains("UTF-8", error);

        Assert.False(IngestParser.TryParse(IngestFormat.Cef, "no cef here"u8, out _, out error));
        Assert.Contains("CEF", error);

        Assert.False(IngestParser.TryParse(IngestFormat.Syslog, "<999>1 x"u8, out _, out error));
        Assert.Contains("priority", error);
    }

    private static byte[] Mutate(Random random, byte[] original)
    {
        switch (random.Next(6))
        {
            case 0:
            {
                var bytes = new byte[random.Next(0, 200)];
                random.NextBytes(bytes);
                return bytes;
            }

            case 1:
                return original[..random.Next(original.Length + 1)];
            case 2:
            {
                var copy = original.ToArray();
                for (var n = random.Next(1, 6); n > 0; n--)
                {
                    copy[random.Next(copy.Length)] = (byte)random.Next(256);
                }

                return copy;
            }

            case 3:
            {
                var copy = original.ToList();
                for (var n = random.Next(1, 6); n > 0; n--)
                {
                    copy.Insert(random.Next(copy.Count), "{}[]\"\\|=<> :,\n\r\0"u8[random.Next(16)]);
                }

                return [.. copy];
            }

            case 4:
            {
                var cut = random.Next(original.Length);
                return [.. original[..cut], .. original[random.Next(original.Length)..]];
            }

            default:
                return [.. original, .. original];
        }
    }
}

public sealed class StreamFramingTests
{
    private static List<string> Frames(string stream, int max = 100)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(stream));
        var frames = new List<string>();
        while (StreamFraming.TryRead(ref buffer, max, out var frame, out _) == FrameResult.Frame)
        {
            frames.Add(Encoding.UTF8.GetString(frame.ToArray()));
        }

        return frames;
    }

    [Fact]
    public void Octet_counting_and_newline_framing_can_be_mixed()
    {
        Assert.Equal(["<13>a b", "<13>line one", "{\"x\":\"y\nz\"}", "<13>last"],
            Frames("7 <13>a b<13>line one\n11 {\"x\":\"y\nz\"}\r\n<13>last\n"));
    }

    [Fact]
    public void An_incomplete_frame_waits_for_more_bytes()
    {
        var buffer = new ReadOnlySequence<byte>("20 <13>only part"u8.ToArray());
        Assert.Equal(FrameResult.NeedMore, StreamFraming.TryRead(ref buffer, 100, out _, out _));
        buffer = new ReadOnlySequence<byte>("<13>no newline yet"u8.ToArray());
        Assert.Equal(FrameResult.NeedMore, StreamFraming.TryRead(ref buffer, 100, out _, out _));
    }

    [Theory]
    [InlineData("999 <13>x", "longer than")]
    [InlineData("12x<13>", "space")]
    public void Frames_over_the_limit_or_malformed_counts_break_the_stream(string stream, string reason)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(stream));
        Assert.Equal(FrameResult.Broken, StreamFraming.TryRead(ref buffer, 100, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void A_line_longer_than_the_limit_breaks_the_stream_even_before_its_newline()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("<13>" + new string('x', 200)));
        Assert.Equal(FrameResult.Broken, StreamFraming.TryRead(ref buffer, 100, out _, out var error));
        Assert.Contains("line longer", error);
    }

    [Fact]
    public void Fuzzed_streams_never_throw_and_always_make_progress()
    {
        var random = new Random(17);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            for (var j = 0; j < bytes.Length; j++)
            {
                bytes[j] = "0123456789 <>\n\rabc{}"u8[random.Next(20)];
            }

            var buffer = new ReadOnlySequence<byte>(bytes);
            var guard = 0;
            while (StreamFraming.TryRead(ref buffer, 64, out var frame, out _) == FrameResult.Frame)
            {
                Assert.True(frame.Length <= 64);
                Assert.True(++guard <= bytes.Length);
            }
        }
    }
}

public sealed class OcsfNormalizerTests
{
    private static JsonElement Normalise(IngestFormat format, string line, Func<string, EndpointEnrichment?>? enrich = null)
    {
        Assert.True(IngestParser.TryParse(format, Encoding.UTF8.GetBytes(line), out var parsed, out var error), error);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            OcsfNormalizer.Write(writer, parsed!, "sensor-1", new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero), enrich ?? (_ => null));
        }

        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
    }

    [Theory]
    [InlineData("""{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"ws1"},"EventData":{"Image":"C:\\Windows\\cmd.exe","CommandLine":"cmd /c whoami","ProcessId":"42"}}}""", 1007, 1)]
    [InlineData("""{"Event":{"System":{"EventID":4625,"Channel":"Security"},"EventData":{"TargetUserName":"bob","IpAddress":"203.0.113.7"}}}""", 3002, 1)]
    [InlineData("""{"class":"network","src_ip":"10.0.0.1","dst_ip":"203.0.113.7","dst_port":443}""", 4001, 6)]
    [InlineData("""{"client":"10.0.0.1","query":"evil.example","qtype":"A"}""", 4003, 1)]
    [InlineData("""{"client":"10.0.0.1","method":"POST","url":"http://evil.example/x","status":200}""", 4002, 6)]
    [InlineData("""{"note":"nothing recognisable"}""", 0, 0)]
    public void Json_events_map_to_their_ocsf_class(string line, int classUid, int activity)
    {
        var ocsf = Normalise(IngestFormat.JsonLines, line);
        Assert.Equal(classUid, ocsf.GetProperty("class_uid").GetInt32());
        Assert.Equal(activity, ocsf.GetProperty("activity_id").GetInt32());
        Assert.Equal((classUid * 100) + activity, ocsf.GetProperty("type_uid").GetInt32());
        Assert.Equal(line, ocsf.GetProperty("raw_data").GetString());
        Assert.Equal("1.8.0", ocsf.GetProperty("metadata").GetProperty("version").GetString());
    }

    [Fact]
    public void Process_authentication_dns_and_http_fields_land_in_their_objects()
    {
        var process = Normalise(IngestFormat.JsonLines,
            """{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"Image":"C:\\Windows\\cmd.exe","CommandLine":"cmd /c whoami","ProcessId":"42","Hashes":"MD5=44D88612FEA8A8F36DE82E1278ABB02F,SHA256=275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F"}}}""");
        Assert.Equal("cmd.exe", process.GetProperty("process").GetProperty("name").GetString());
        Assert.Equal("cmd /c whoami", process.GetProperty("process").GetProperty("cmd_line").GetString());
        Assert.Equal(42, process.GetProperty("process").GetProperty("pid").GetInt32());
        Assert.Equal(2, process.GetProperty("process").GetProperty("file").GetProperty("hashes").GetArrayLength());

        var failed = Normalise(IngestFormat.Syslog, "<37>Nov 25 10:00:00 gw sshd[1]: Failed password for root from 203.0.113.7 port 22 ssh2");
        Assert.Equal(3002, failed.GetProperty("class_uid").GetInt32());
        Assert.Equal(2, failed.GetProperty("status_id").GetInt32());
        Assert.Equal(2, failed.GetProperty("severity_id").GetInt32());

        var dns = Normalise(IngestFormat.JsonLines, """{"client":"10.0.0.1","query":"evil.example","qtype":"AAAA"}""");
        Assert.Equal("evil.example", dns.GetProperty("query").GetProperty("hostname").GetString());
        Assert.Equal("AAAA", dns.GetProperty("query").GetProperty("type").GetString());

        var http = Normalise(IngestFormat.JsonLines, """{"client":"10.0.0.1","method":"get","url":"http://evil.example/x","status":404}""");
        Assert.Equal("GET", http.GetProperty("http_request").GetProperty("http_method").GetString());
        Assert.Equal("http://evil.example/x", http.GetProperty("http_request").GetProperty("url").GetProperty("url_string").GetString());
        Assert.Equal(404, http.GetProperty("http_response").GetProperty("code").GetInt32());
    }

    [Fact]
    public void Cef_events_keep_their_addresses_ports_and_severity_and_addresses_are_enriched()
    {
        var owner = Guid.NewGuid();
        var ocsf = Normalise(IngestFormat.Cef, "CEF:0|Vendor|Firewall|1.0|100|Blocked|9|src=192.0.2.10 dst=203.0.113.7 spt=5555 dpt=443",
            ip => ip == "192.0.2.10" ? new EndpointEnrichment(owner, "Agency A", "government", "internal", null) : new EndpointEnrichment(null, null, null, "external", null));
        Assert.Equal(4001, ocsf.GetProperty("class_uid").GetInt32());
        Assert.Equal(5, ocsf.GetProperty("severity_id").GetInt32());
        var src = ocsf.GetProperty("src_endpoint");
        Assert.Equal(("192.0.2.10", 5555, "internal"), (src.GetProperty("ip").GetString(), src.GetProperty("port").GetInt32(), src.GetProperty("zone").GetString()));
        Assert.Equal("external", ocsf.GetProperty("dst_endpoint").GetProperty("zone").GetString());
        var enrichment = ocsf.GetProperty("enrichments")[0];
        Assert.Equal("src_endpoint.ip", enrichment.GetProperty("name").GetString());
        Assert.Equal(owner, enrichment.GetProperty("data").GetProperty("organisation_id").GetGuid());
        Assert.Equal("government", enrichment.GetProperty("data").GetProperty("sector").GetString());
        Assert.Equal("Firewall", ocsf.GetProperty("metadata").GetProperty("product").GetProperty("name").GetString());
    }

    [Fact]
    public void The_event_time_is_read_from_the_event_or_else_the_arrival()
    {
        var timed = Normalise(IngestFormat.JsonLines, """{"time":"2026-11-24T08:00:00Z","x":"y"}""");
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), timed.GetProperty("time").GetInt64());
        var untimed = Normalise(IngestFormat.JsonLines, """{"x":"y"}""");
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), untimed.GetProperty("time").GetInt64());
    }
}
