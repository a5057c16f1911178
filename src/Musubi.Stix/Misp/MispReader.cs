using System.Text.Json;

namespace Musubi.Stix.Misp;

/// <summary>Limits for a MISP document: bytes, JSON depth, events and attributes (objects' attributes included).</summary>
public sealed record MispLimits(long MaxBytes = 64L * 1024 * 1024, int MaxDepth = 64, int MaxEvents = 10_000, int MaxAttributes = 100_000)
{
    public static readonly MispLimits Default = new();
}

/// <summary>One event found in a document and the JSON path where it is.</summary>
public sealed record MispEventSource(JsonElement Event, string Path);

/// <summary>
/// Finds the events of a MISP JSON document (format 2.4): <c>{"Event": {...}}</c>, a bare event body (PyMISP's form:
/// an object with at least one of info, Attribute, Object, Tag, Galaxy, uuid + date), <c>{"response": [...]}</c> (a
/// search result, each item wrapped or bare) or a JSON list of those. Anything else is a <see cref="MispFormatException"/>.
/// </summary>
public static class MispReader
{
    private static readonly string[] EventKeys = ["info", "Attribute", "Object", "Tag", "Galaxy", "EventReport", "threat_level_id", "analysis"];

    public static JsonDocument Parse(ReadOnlyMemory<byte> utf8, MispLimits? limits = null)
    {
        limits ??= MispLimits.Default;
        if (utf8.Length > limits.MaxBytes)
        {
            throw new MispFormatException($"input is larger than the limit of {limits.MaxBytes} bytes", "$");
        }

        try
        {
            return JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = limits.MaxDepth });
        }
        catch (JsonException e)
        {
            throw new MispFormatException($"malformed JSON (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}): {e.Message.Split(". ")[0]}", e.Path ?? "$");
        }
    }

    public static IReadOnlyList<MispEventSource> Events(JsonElement root, MispLimits? limits = null)
    {
        limits ??= MispLimits.Default;
        var events = new List<MispEventSource>();
        Collect(root, "$", events, topLevel: true);
        if (events.Count > limits.MaxEvents)
        {
            throw new MispFormatException($"more events than the limit of {limits.MaxEvents}", "$");
        }

        var attributes = 0;
        foreach (var e in events)
        {
            attributes += Count(e.Event, "Attribute");
            if (e.Event.TryGetProperty("Object", out var objects) && objects.ValueKind == JsonValueKind.Array)
            {
                foreach (var o in objects.EnumerateArray())
                {
                    attributes += Count(o, "Attribute");
                }
            }

            if (attributes > limits.MaxAttributes)
            {
                throw new MispFormatException($"more attributes than the limit of {limits.MaxAttributes}", e.Path);
            }
        }

        return events;
    }

    private static void Collect(JsonElement node, string path, List<MispEventSource> events, bool topLevel)
    {
        if (node.ValueKind == JsonValueKind.Array && topLevel)
        {
            var i = 0;
            foreach (var item in node.EnumerateArray())
            {
                Collect(item, $"{path}[{i++}]", events, topLevel: false);
            }

            if (i == 0)
            {
                throw new MispFormatException("an empty list holds no MISP event", path);
            }

            return;
        }

        if (node.ValueKind != JsonValueKind.Object)
        {
            throw new MispFormatException($"expected a MISP event (a JSON object), found {node.ValueKind}", path);
        }

        if (node.TryGetProperty("Event", out var wrapped))
        {
            if (wrapped.ValueKind != JsonValueKind.Object)
            {
                throw new MispFormatException($"Event must be an object, found {wrapped.ValueKind}", path + ".Event");
            }

            CheckEvent(wrapped, path + ".Event");
            events.Add(new MispEventSource(wrapped, path + ".Event"));
            return;
        }

        if (topLevel && node.TryGetProperty("response", out var response))
        {
            if (response.ValueKind != JsonValueKind.Array)
            {
                throw new MispFormatException($"response must be a list of events, found {response.ValueKind}", path + ".response");
            }

            Collect(response, path + ".response", events, topLevel: true);
            return;
        }

        if (!EventKeys.Any(k => node.TryGetProperty(k, out _)) && !(node.TryGetProperty("uuid", out _) && node.TryGetProperty("date", out _)))
        {
            throw new MispFormatException("not a MISP event: expected {\"Event\": {...}}, an event body with info/Attribute/Object/Tag/Galaxy, or {\"response\": [...]}", path);
        }

        CheckEvent(node, path);
        events.Add(new MispEventSource(node, path));
    }

    /// <summary>The shapes the converter relies on: lists are lists, attributes are objects with a string type and a value.</summary>
    private static void CheckEvent(JsonElement e, string path)
    {
        foreach (var list in new[] { "Attribute", "Object", "Tag", "Galaxy" })
        {
            if (e.TryGetProperty(list, out var l) && l.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
            {
                throw new MispFormatException($"{list} must be a list, found {l.ValueKind}", $"{path}.{list}");
            }
        }

        CheckAttributes(e, path);
        if (e.TryGetProperty("Object", out var objects) && objects.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var o in objects.EnumerateArray())
            {
                var op = $"{path}.Object[{i++}]";
                if (o.ValueKind != JsonValueKind.Object)
                {
                    throw new MispFormatException($"an object must be a JSON object, found {o.ValueKind}", op);
                }

                if (o.TryGetProperty("Attribute", out var l) && l.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
                {
                    throw new MispFormatException($"Attribute must be a list, found {l.ValueKind}", op + ".Attribute");
                }

                CheckAttributes(o, op);
            }
        }
    }

    private static void CheckAttributes(JsonElement owner, string path)
    {
        if (!owner.TryGetProperty("Attribute", out var attributes) || attributes.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var i = 0;
        foreach (var a in attributes.EnumerateArray())
        {
            var ap = $"{path}.Attribute[{i++}]";
            if (a.ValueKind != JsonValueKind.Object)
            {
                throw new MispFormatException($"an attribute must be a JSON object, found {a.ValueKind}", ap);
            }

            if (!a.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString()!.Length == 0)
            {
                throw new MispFormatException("an attribute needs a type (a non-empty string)", ap + ".type");
            }

            if (!a.TryGetProperty("value", out var value) || value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
            {
                throw new MispFormatException("an attribute needs a value (a string)", ap + ".value");
            }
        }
    }

    private static int Count(JsonElement owner, string list) =>
        owner.TryGetProperty(list, out var l) && l.ValueKind == JsonValueKind.Array ? l.GetArrayLength() : 0;

    /// <summary>MISP booleans arrive as true/false, "1"/"0" or 1/0.</summary>
    public static bool Flag(JsonElement owner, string name) =>
        owner.TryGetProperty(name, out var v) && (v.ValueKind == JsonValueKind.True
            || (v.ValueKind == JsonValueKind.String && v.GetString() is "1" or "true" or "True")
            || (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n != 0));

    public static string? Text(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var v)
            ? v.ValueKind switch { JsonValueKind.String => v.GetString(), JsonValueKind.Number => v.GetRawText(), _ => null }
            : null;

    /// <summary>The attribute lists of an event: its own, then each object's, with the object (if any) they belong to.</summary>
    public static IEnumerable<(JsonElement Attribute, JsonElement? Object)> Attributes(JsonElement e)
    {
        if (e.TryGetProperty("Attribute", out var own) && own.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in own.EnumerateArray())
            {
                yield return (a, null);
            }
        }

        if (e.TryGetProperty("Object", out var objects) && objects.ValueKind == JsonValueKind.Array)
        {
            foreach (var o in objects.EnumerateArray())
            {
                if (o.TryGetProperty("Attribute", out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (var a in list.EnumerateArray())
                    {
                        yield return (a, o);
                    }
                }
            }
        }
    }

    /// <summary>An attribute that is an indicator: to_ids set and not deleted (a deleted attribute is no longer shared).</summary>
    public static bool IsIndicator(JsonElement attribute) => Flag(attribute, "to_ids") && !Flag(attribute, "deleted");
}
