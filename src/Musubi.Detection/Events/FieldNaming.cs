namespace Musubi.Detection.Events;

/// <summary>
/// How nested JSON names flatten. Generic JSON: keys joined with <c>.</c> (<c>userIdentity.arn</c>). The evtx_dump
/// layout (<c>Event.System.X</c>, <c>Event.EventData.X</c>, <c>Event.UserData.Element.X</c>): just <c>X</c>; XML
/// attributes (<c>X.#attributes.A</c>) become <c>X_A</c> as the Sigma specification asks (<c>Provider_Name</c>), and
/// element text (<c>X.#text</c>) is <c>X</c>.
/// </summary>
internal static class FieldNaming
{
    public const string Attributes = "#attributes";
    public const string Text = "#text";

    /// <summary>Writes the flattened name of a leaf at <paramref name="path"/> into <paramref name="buffer"/>.</summary>
    public static int Compose(ReadOnlySpan<Range> path, ReadOnlySpan<char> names, Span<char> buffer)
    {
        var start = 0;
        if (path.Length >= 3 && Is(names, path[0], "Event"))
        {
            var section = names[path[1]];
            if (section.SequenceEqual("System") || section.SequenceEqual("EventData"))
            {
                start = 2;
            }
            else if (section.SequenceEqual("UserData"))
            {
                start = path.Length >= 4 ? 3 : 2;
            }

            if (start > 0)
            {
                if (Is(names, path[start], Attributes))
                {
                    // Attributes of the section element itself: EventData_Name.
                    return Join(names, path[(start - 1)..], buffer, evtx: true);
                }

                return Join(names, path[start..], buffer, evtx: true);
            }
        }

        return Join(names, path, buffer, evtx: false);
    }

    private static int Join(ReadOnlySpan<char> names, ReadOnlySpan<Range> path, Span<char> buffer, bool evtx)
    {
        var written = 0;
        var separator = '.';
        for (var i = 0; i < path.Length; i++)
        {
            var segment = names[path[i]];
            if (evtx && segment.SequenceEqual(Text))
            {
                continue;
            }

            if (evtx && segment.SequenceEqual(Attributes))
            {
                separator = '_';
                continue;
            }

            if (written > 0)
            {
                if (written >= buffer.Length)
                {
                    return buffer.Length;
                }

                buffer[written++] = separator;
            }

            separator = '.';
            var n = Math.Min(segment.Length, buffer.Length - written);
            segment[..n].CopyTo(buffer[written..]);
            written += n;
        }

        return written;
    }

    private static bool Is(ReadOnlySpan<char> names, Range segment, string value) => names[segment].SequenceEqual(value);
}
