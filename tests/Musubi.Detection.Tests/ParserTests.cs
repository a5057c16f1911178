using Musubi.Detection.Events;

namespace Musubi.Detection.Tests;

public sealed class ParserTests
{
    private static Dictionary<string, string> Fields(LineEvent e) => e.Fields.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public void Rfc5424_header_structured_data_and_message()
    {
        Assert.True(SyslogParser.TryParse("<165>1 2003-10-11T22:14:15.003Z host.example evntslog 77 ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App \\\"x\\\"\"][other@1 a=\"b\\]\"] An application event", out var e, out var error), error);
        var fields = Fields(e);
        Assert.Equal("20", fields["facility"]);
        Assert.Equal("5", fields["severity"]);
        Assert.Equal("2003-10-11T22:14:15.003Z", fields["timestamp"]);
        Assert.Equal("host.example", fields["hostname"]);
        Assert.Equal("evntslog", fields["app_name"]);
        Assert.Equal("77", fields["proc_id"]);
        Assert.Equal("ID47", fields["msg_id"]);
        Assert.Equal("3", fields["exampleSDID@32473.iut"]);
        Assert.Equal("App \"x\"", fields["exampleSDID@32473.eventSource"]);
        Assert.Equal("b]", fields["other@1.a"]);
        Assert.Equal("An application event", fields["message"]);
    }

    [Fact]
    public void Rfc5424_nil_values_are_left_out()
    {
        Assert.True(SyslogParser.TryParse("<34>1 2003-10-11T22:14:15Z mymachine su - ID47 - 'su root' failed", out var e, out _));
        var fields = Fields(e);
        Assert.False(fields.ContainsKey("proc_id"));
        Assert.Equal("'su root' failed", fields["message"]);
    }

    [Fact]
    public void Rfc3164_timestamp_host_tag_and_pid()
    {
        Assert.True(SyslogParser.TryParse("<34>Oct  1 22:14:15 mymachine sshd[4242]: Failed password for root", out var e, out _));
        var fields = Fields(e);
        Assert.Equal("Oct  1 22:14:15", fields["timestamp"]);
        Assert.Equal("mymachine", fields["hostname"]);
        Assert.Equal("sshd", fields["app_name"]);
        Assert.Equal("4242", fields["proc_id"]);
        Assert.Equal("Failed password for root", fields["message"]);
    }

    [Theory]
    [InlineData("<192>1 x", "invalid syslog priority")]
    [InlineData("<1x>y", "invalid syslog priority")]
    [InlineData("<13>1 2003-10-11T22:14:15Z host app", "RFC 5424 header is incomplete at app_name")]
    [InlineData("<13>1 2003-10-11T22:14:15Z host app - - [id a=\"1\"", "not closed")]
    [InlineData("<13>1 2003-10-11T22:14:15Z host app - - x", "structured data must be '-' or start with '['")]
    public void Malformed_syslog_is_refused_with_the_reason(string line, string reason)
    {
        Assert.False(SyslogParser.TryParse(line, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Cef_header_and_extension_with_escapes_and_spaces()
    {
        Assert.True(CefParser.TryParse("<13>Jan 18 11:07:53 host CEF:0|Secu\\|rity|threat\\\\manager|1.0|100|worm stopped|10|src=10.0.0.1 msg=Detected a threat. No action needed act=blocked\\=yes cs1=line\\nbreak", out var e, out var error), error);
        var fields = Fields(e);
        Assert.Equal("0", fields["CEFVersion"]);
        Assert.Equal("Secu|rity", fields["DeviceVendor"]);
        Assert.Equal("threat\\manager", fields["DeviceProduct"]);
        Assert.Equal("100", fields["SignatureID"]);
        Assert.Equal("worm stopped", fields["Name"]);
        Assert.Equal("10", fields["Severity"]);
        Assert.Equal("10.0.0.1", fields["src"]);
        Assert.Equal("Detected a threat. No action needed", fields["msg"]);
        Assert.Equal("blocked=yes", fields["act"]);
        Assert.Equal("line\nbreak", fields["cs1"]);
    }

    [Theory]
    [InlineData("no record here", "no 'CEF:' record")]
    [InlineData("CEF:0|a|b|c", "CEF header ends before the '|' after DeviceVersion")]
    [InlineData("CEF:0|a|b|c|d|e|f|=x", "expected key=value")]
    public void Malformed_cef_is_refused_with_the_reason(string line, string reason)
    {
        Assert.False(CefParser.TryParse(line, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
