using System.Text;
using System.Text.Json;
using Musubi.Detection.Events;
using static Musubi.Detection.Tests.SigmaTestKit;

namespace Musubi.Detection.Tests;

public sealed class EventTests
{
    private const string Evtx = """
        {
          "Event": {
            "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
            "System": {
              "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon", "Guid": "5770385F"}},
              "EventID": {"#attributes": {"Qualifiers": 16384}, "#text": 7036},
              "Execution": {"#attributes": {"ProcessID": 3544, "ThreadID": 4272}},
              "Channel": "Microsoft-Windows-Sysmon/Operational",
              "Correlation": null
            },
            "EventData": {"Image": "C:\\Windows\\System32\\cmd.exe", "Data": ["first", "second"]},
            "UserData": {"LogFileCleared": {"SubjectUserName": "bob"}}
          }
        }
        """;

    [Theory]
    [InlineData("Provider_Name", "Microsoft-Windows-Sysmon")]
    [InlineData("EventID", "7036")]
    [InlineData("EventID_Qualifiers", "16384")]
    [InlineData("Execution_ProcessID", "3544")]
    [InlineData("Channel", "Microsoft-Windows-Sysmon/Operational")]
    [InlineData("Image", "C:\\Windows\\System32\\cmd.exe")]
    [InlineData("Data", "first")]
    [InlineData("SubjectUserName", "bob")]
    public void Evtx_json_flattens_to_the_names_sigma_rules_use(string field, string value)
    {
        using var document = JsonDocument.Parse(Evtx);
        var sigmaEvent = new JsonElementEvent(document.RootElement);
        Assert.True(sigmaEvent.TryGetValue(field, out _, out var text));
        Assert.Equal(value, text);
    }

    [Theory]
    [InlineData("Provider_Name: 'Microsoft-Windows-Sysmon'")]
    [InlineData("EventID: 7036")]
    [InlineData("Data: 'second'")]
    [InlineData("Correlation: null")]
    [InlineData("SubjectUserName: bob")]
    public void The_utf8_reader_and_the_JsonElement_event_flatten_alike(string selection)
    {
        var engine = Engine(Rule($"selection:\n    {selection}"));
        Assert.Single(Run(engine, Evtx));
        using var document = JsonDocument.Parse(Evtx);
        var matches = new List<Musubi.Detection.Sigma.SigmaMatch>();
        engine.CreateMatcher().Match(new JsonElementEvent(document.RootElement), 0, matches);
        Assert.Single(matches);
    }

    [Fact]
    public void A_json_array_counts_its_elements()
    {
        var data = "[{\"a\":1},\n {\"a\":2}, {\"a\":3}]"u8.ToArray();
        Assert.Equal(JsonLayout.Array, JsonEventReader.Detect(data));
        var items = JsonEventReader.Read(data, JsonLayout.Array).ToList();
        Assert.Equal([0L, 1, 2], items.Select(i => i.Index));
        Assert.Equal("{\"a\":2}", Encoding.UTF8.GetString(items[1].Json.Span));
    }

    [Fact]
    public void Json_lines_count_lines_and_keep_going_after_a_bad_one()
    {
        var data = "{\"a\":1}\n\n{\"a\":2}\r\n{broken\n{\"a\":3}"u8.ToArray();
        Assert.Equal(JsonLayout.Lines, JsonEventReader.Detect(data));
        var items = JsonEventReader.Read(data, JsonLayout.Lines).ToList();
        Assert.Equal([0L, 2, 3, 4], items.Select(i => i.Index));
    }

    [Fact]
    public void A_stream_of_pretty_printed_objects_counts_objects()
    {
        var data = "{\n  \"a\": 1\n}\n{\n  \"a\": 2\n}{\"a\": 3}\n"u8.ToArray();
        Assert.Equal(JsonLayout.Stream, JsonEventReader.Detect(data));
        var items = JsonEventReader.Read(data, JsonLayout.Stream).ToList();
        Assert.Equal([0L, 1, 2], items.Select(i => i.Index));
        Assert.All(items, i => Assert.Null(i.Error));
    }

    [Fact]
    public void A_malformed_stream_reports_where_it_stops()
    {
        var items = JsonEventReader.Read("{\"a\": 1}\n{\"a\": }"u8.ToArray(), JsonLayout.Stream).ToList();
        Assert.Equal(2, items.Count);
        Assert.NotNull(items[1].Error);
        Assert.Equal(1, items[1].Index);
    }
}
