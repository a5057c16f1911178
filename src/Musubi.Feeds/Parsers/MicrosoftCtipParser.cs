using System.Text;
using System.Text.Json;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Parsers;

/// <summary>
/// Microsoft CTIP (Cyber Threat Intelligence Program) infected-host data: a JSON array of objects, or one object per
/// line. Each object is one event; its line is where the object starts. Fields without a slot become extra.NAME.
/// </summary>
public sealed class MicrosoftCtipParser : IFeedParser
{
    private static readonly int Feed = FeedSymbols.Intern("Microsoft CTIP");
    private static readonly Classification Botnet = new("malicious-code", "infected-system", "ctip-botnet");
    private static readonly Classification Other = new("other", "other", "ctip");

    public string Type => "microsoft-ctip";

    public string Description => "Microsoft CTIP infected-host JSON (array or one object per line)";

    public bool Recognises(ReadOnlySpan<byte> head, string? fileName)
    {
        ReadOnlySpan<byte> t = head.TrimStart("\uFEFF \t\r\n"u8);
        return t.Length > 0 && t[0] is (byte)'[' or (byte)'{' && head.IndexOf("\"indicatorthreattype\""u8) >= 0;
    }

    public void Parse(ReadOnlySpan<byte> data, FeedParseContext context)
    {
        var lineStarts = new List<int> { 0 };
        for (int i = data.IndexOf((byte)'\n'); i >= 0; i = data[(i + 1)..].IndexOf((byte)'\n') is var next and >= 0 ? i + 1 + next : -1)
        {
            lineStarts.Add(i + 1);
        }

        int LineOf(long offset)
        {
            int index = lineStarts.BinarySearch((int)offset);
            return (index >= 0 ? index : ~index - 1) + 1;
        }

        var reader = new Utf8JsonReader(data, new JsonReaderOptions { MaxDepth = 16, AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, AllowMultipleValues = true });
        int depth = 0;
        try
        {
            while (!context.Stopped && reader.Read())
            {
                if (reader.TokenType == JsonTokenType.StartArray && depth == 0)
                {
                    depth = 1;
                    continue;
                }

                if (reader.TokenType == JsonTokenType.EndArray && depth == 1)
                {
                    depth = 0;
                    continue;
                }

                int line = LineOf(reader.TokenStartIndex);
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    context.Reject(line, $"expected an object, found {reader.TokenType}");
                    reader.Skip();
                    continue;
                }

                long start = reader.TokenStartIndex;
                using JsonDocument element = JsonDocument.ParseValue(ref reader);
                long length = reader.BytesConsumed - start;
                if (length > context.Options.MaxLineBytes)
                {
                    context.Reject(line, $"object longer than {context.Options.MaxLineBytes} bytes");
                    continue;
                }

                context.Begin(line, start, (int)length);
                try
                {
                    MapObject(element.RootElement, context);
                }
                catch (InvalidOperationException e)
                {
                    context.Fail($"unreadable value: {e.Message}");
                }

                context.End();
            }
        }
        catch (JsonException e)
        {
            context.Reject(e.LineNumber is long jl ? (int)jl + 1 : 0, $"malformed JSON: {e.Message}; the rest of the input is not read");
        }
    }

    private static void MapObject(JsonElement o, FeedParseContext context)
    {
        context.SetSymbol(FeedField.FeedName, Feed);
        bool botnet = false;
        foreach (JsonProperty p in o.EnumerateObject())
        {
            string? text = p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => p.Value.GetRawText(),
                JsonValueKind.Array or JsonValueKind.Object => p.Value.GetRawText(),
                _ => null,
            };
            if (string.IsNullOrEmpty(text) || text == "null")
            {
                continue;
            }

            byte[] value = Encoding.UTF8.GetBytes(text);
            switch (p.Name)
            {
                case "networksourceipv4" or "networksourceipv6":
                    context.Set(FeedField.SourceIp, value, required: true, column: p.Name);
                    break;
                case "networksourceport":
                    context.Set(FeedField.SourcePort, value, column: p.Name);
                    break;
                case "networkdestinationipv4" or "networkdestinationipv6":
                    context.Set(FeedField.DestinationIp, value, column: p.Name);
                    break;
                case "networkdestinationport":
                    context.Set(FeedField.DestinationPort, value, column: p.Name);
                    break;
                case "networksourceasn":
                    context.Set(FeedField.SourceAsn, value, column: p.Name);
                    break;
                case "firstreporteddatetime":
                    context.Set(FeedField.TimeSource, value, required: true, column: p.Name);
                    break;
                case "externalid":
                    context.Set(FeedField.MalwareName, value, column: p.Name);
                    break;
                case "indicatorthreattype":
                    botnet = text == "Botnet";
                    context.Extra("extra." + p.Name, text);
                    break;
                case "networksourceipv4port":
                    break;
                default:
                    context.Extra("extra." + p.Name, text);
                    break;
            }
        }

        (botnet ? Botnet : Other).ApplyTo(context);
    }
}
