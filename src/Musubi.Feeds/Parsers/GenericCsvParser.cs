using System.Globalization;
using System.Text;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Parsers;

/// <summary>Any CSV feed, with a <see cref="CsvMapping"/>. Never recognised without being asked for (--type csv --mapping FILE).</summary>
public sealed class GenericCsvParser(CsvMapping mapping) : IFeedParser
{
    public CsvMapping Mapping { get; } = mapping;

    public string Type => "csv";

    public string Description => "Any CSV with a column mapping (--mapping FILE, see docs/FEED-FORMATS.md)";

    public bool Recognises(ReadOnlySpan<byte> head, string? fileName) => false;

    private readonly record struct Binding(int Column, FeedField Slot, string Target, bool Required, string Name);

    public void Parse(ReadOnlySpan<byte> data, FeedParseContext context)
    {
        var records = new CsvRecordReader(data);
        var row = new CsvRow();
        byte[] comment = Encoding.UTF8.GetBytes(Mapping.Comment);
        Binding[]? bindings = Mapping.Header ? null : Bind(null, context);
        var constants = Mapping.Constants.Select(c => (Slot: FeedFields.Of(c.Key), c.Key, Value: Encoding.UTF8.GetBytes(c.Value))).ToArray();
        int feed = FeedSymbols.Intern(Mapping.FeedName);
        string? headerError = null;
        while (!context.Stopped && records.Next(out ReadOnlySpan<byte> record, out int line, out int offset, out _))
        {
            ReadOnlySpan<byte> trimmed = record.Trim(" \t"u8);
            if (trimmed.IsEmpty || (comment.Length > 0 && trimmed.StartsWith(comment)))
            {
                continue;
            }

            if (record.Length > context.Options.MaxLineBytes)
            {
                context.Reject(line, $"record longer than {context.Options.MaxLineBytes} bytes");
                continue;
            }

            string? split = row.Split(record, (byte)Mapping.Delimiter, context.Options.MaxFields);
            if (bindings is null && headerError is null)
            {
                if (split is not null)
                {
                    headerError = $"line {line}: the header cannot be read: {split}";
                    context.RejectInput(headerError);
                    continue;
                }

                string[] header = new string[row.Count];
                for (int i = 0; i < row.Count; i++)
                {
                    header[i] = Encoding.UTF8.GetString(row[i]).Trim();
                }

                bindings = Bind(header, context);
                if (bindings is null)
                {
                    headerError = "the header does not fit the mapping";
                }

                continue;
            }

            context.Begin(line, offset, record.Length);
            if (bindings is null)
            {
                context.Fail("not parsed: " + headerError);
            }
            else if (split is not null)
            {
                context.Fail(split);
            }
            else
            {
                foreach ((FeedField slot, string key, byte[] value) in constants)
                {
                    if (slot == FeedField.None)
                    {
                        context.Extra(key, value);
                    }
                    else
                    {
                        context.Set(slot, value, column: key);
                    }
                }

                if (feed > 0)
                {
                    context.SetSymbol(FeedField.FeedName, feed);
                }

                foreach (Binding b in bindings)
                {
                    ReadOnlySpan<byte> value = b.Column < row.Count ? row[b.Column] : default;
                    if (b.Slot == FeedField.None)
                    {
                        context.Extra(b.Target, value);
                    }
                    else if (b.Slot == FeedField.TimeSource && Mapping.TimeFormat is not null && !value.IsEmpty)
                    {
                        if (DateTime.TryParseExact(Encoding.UTF8.GetString(value), Mapping.TimeFormat, CultureInfo.InvariantCulture,
                                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime time))
                        {
                            context.SetTime(new DateTimeOffset(time, TimeSpan.Zero).ToUnixTimeMilliseconds());
                        }
                        else
                        {
                            context.Fail($"column '{b.Name}' (time.source): '{FeedParseContext.Shorten(value)}' does not match the time format '{Mapping.TimeFormat}'");
                        }
                    }
                    else
                    {
                        context.Set(b.Slot, value, b.Required, b.Name);
                    }
                }
            }

            context.End();
        }
    }

    private Binding[]? Bind(string[]? header, FeedParseContext context)
    {
        var list = new List<Binding>();
        foreach ((string column, string field) in Mapping.Columns)
        {
            int index = header is null || (int.TryParse(column, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && Array.IndexOf(header, column) < 0)
                ? int.Parse(column, CultureInfo.InvariantCulture) - 1
                : Array.IndexOf(header, column);
            bool required = Mapping.Required.Contains(field);
            if (index < 0 || (header is not null && index >= header.Length))
            {
                if (required)
                {
                    context.RejectInput($"the mapped column '{column}' ({field}) is not in the header");
                    return null;
                }

                continue;
            }

            list.Add(new Binding(index, FeedFields.Of(field), field, required, column));
        }

        return [.. list.OrderByDescending(b => b.Required)];
    }
}
