using System.Text;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Parsers;

/// <summary>
/// Shadowserver CSV reports, mapped through a <see cref="ShadowserverSchema"/>: the file name picks the report, the
/// header's columns are bound to the report's required and optional fields once, constants are added to every
/// event, and columns the schema does not name are kept as extra.COLUMN. A required column missing from the header
/// rejects the file (every row is reported).
/// </summary>
public sealed class ShadowserverParser(ShadowserverSchema? schema = null) : IFeedParser
{
    private readonly ShadowserverSchema _schema = schema ?? ShadowserverSchema.BuiltIn;

    public string Type => "shadowserver";

    public string Description => "Shadowserver CSV reports (the file name names the report; field mapping from the schema)";

    public bool Recognises(ReadOnlySpan<byte> head, string? fileName) =>
        fileName is not null && _schema.ForFile(fileName) is not null && head.TrimStart("\uFEFF"u8).StartsWith("\"timestamp\""u8);

    private enum Conversion { None, InvalidateZero, Bool }

    private readonly record struct Binding(int Column, FeedField Slot, string Target, bool Required, Conversion Conversion, string Name);

    public void Parse(ReadOnlySpan<byte> data, FeedParseContext context)
    {
        string fileName = context.Options.FileName ?? "";
        ShadowserverReport? report = _schema.ForFile(fileName);
        var records = new CsvRecordReader(data);
        var row = new CsvRow();
        string? fileError = report is null
            ? $"no Shadowserver report matches the file name '{fileName}' (the name must contain a report's file_name, e.g. scan_smb)"
            : null;
        Binding[] bindings = [];
        List<(FeedField Slot, string Name, byte[] Value)> constants = [];
        string[] header = [];
        bool haveHeader = false;
        while (!context.Stopped && records.Next(out ReadOnlySpan<byte> record, out int line, out int offset, out _))
        {
            if (record.Trim(" \t"u8).IsEmpty)
            {
                continue;
            }

            if (record.Length > context.Options.MaxLineBytes)
            {
                context.Reject(line, $"record longer than {context.Options.MaxLineBytes} bytes");
                continue;
            }

            string? split = row.Split(record, (byte)',', context.Options.MaxFields);
            if (!haveHeader)
            {
                haveHeader = true;
                if (split is not null)
                {
                    fileError ??= $"line {line}: the header cannot be read: {split}";
                }
                else
                {
                    header = new string[row.Count];
                    for (int i = 0; i < row.Count; i++)
                    {
                        header[i] = Encoding.UTF8.GetString(row[i]);
                    }

                    if (report is not null)
                    {
                        fileError ??= Bind(report, header, out bindings, out constants);
                    }
                }

                if (fileError is not null)
                {
                    context.RejectInput(fileError);
                }

                continue;
            }

            context.Begin(line, offset, record.Length);
            if (fileError is not null)
            {
                context.Fail("not parsed: " + (report is null ? "no report matches the file name" : "the header does not fit the report"));
            }
            else if (split is not null)
            {
                context.Fail(split);
            }
            else if (row.Count > header.Length)
            {
                context.Fail($"{row.Count} fields but the header has {header.Length}");
            }
            else
            {
                MapRow(row, context, bindings, constants);
            }

            context.End();
        }
    }

    private static void MapRow(CsvRow row, FeedParseContext context, Binding[] bindings, List<(FeedField Slot, string Name, byte[] Value)> constants)
    {
        ulong set = 0;
        foreach ((FeedField slot, string name, byte[] value) in constants)
        {
            if (slot != FeedField.None)
            {
                context.Set(slot, value, required: false, column: name);
                set |= 1UL << (int)slot;
            }
            else
            {
                context.Extra(name, value);
            }
        }

        Span<byte> boolText = stackalloc byte[5];
        foreach (Binding b in bindings)
        {
            ReadOnlySpan<byte> value = row[b.Column];
            if (b.Conversion == Conversion.InvalidateZero && value.SequenceEqual("0"u8))
            {
                value = default;
            }
            else if (b.Conversion == Conversion.Bool && !value.IsEmpty)
            {
                value = value[0] is (byte)'Y' or (byte)'y' or (byte)'T' or (byte)'t' or (byte)'1' ? "true"u8 : "false"u8;
            }

            if (b.Slot == FeedField.None)
            {
                context.Extra(b.Target, value);
            }
            else if ((set & (1UL << (int)b.Slot)) != 0 && !b.Required)
            {
                context.Extra("extra." + b.Name, value);
            }
            else if (!value.Trim((byte)' ').IsEmpty || b.Required)
            {
                if (context.Set(b.Slot, value, b.Required, b.Name))
                {
                    set |= 1UL << (int)b.Slot;
                }
            }
        }
    }

    private static string? Bind(ShadowserverReport report, string[] header, out Binding[] bindings, out List<(FeedField, string, byte[])> constants)
    {
        var list = new List<Binding>();
        var used = new bool[header.Length];
        constants = [.. report.Constants.Select(c => (FeedFields.Of(c.Key), c.Key, Encoding.UTF8.GetBytes(c.Value)))];
        if (!report.Constants.Any(c => c.Key == "feed.name"))
        {
            constants.Add((FeedField.FeedName, "feed.name", Encoding.UTF8.GetBytes(report.FeedName)));
        }

        foreach ((ShadowserverMapping mapping, bool required) in report.Required.Select(m => (m, true)).Concat(report.Optional.Select(m => (m, false))))
        {
            int column = Array.IndexOf(header, mapping.Column);
            if (column < 0)
            {
                if (required)
                {
                    bindings = [];
                    return $"report {report.Name}: required column '{mapping.Column}' ({mapping.Target}) is missing from the header";
                }

                continue;
            }

            used[column] = true;
            Conversion conversion = mapping.Conversion switch
            {
                "invalidate_zero" => Conversion.InvalidateZero,
                "convert_bool" => Conversion.Bool,
                _ => Conversion.None,
            };
            list.Add(new Binding(column, FeedFields.Of(mapping.Target), mapping.Target, required, conversion, mapping.Column));
        }

        for (int i = 0; i < header.Length; i++)
        {
            if (!used[i] && header[i].Length > 0)
            {
                list.Add(new Binding(i, FeedField.None, "extra." + header[i], false, Conversion.None, header[i]));
            }
        }

        // Required fields first, so that a later optional column for the same slot becomes an extra instead.
        bindings = [.. list.OrderByDescending(b => b.Required)];
        return null;
    }
}
