using Musubi.Core;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsers;
using Musubi.Feeds.Parsing;

namespace Musubi.Feeds.Cli;

/// <summary>
/// The work behind <c>musubi feed parse</c> and <c>musubi feed types</c>. Exit codes: 0 every row parsed, 1 some rows
/// (or the file's header) rejected, 2 the invocation is wrong or the file cannot be read or recognised.
/// </summary>
public static class FeedCommandLine
{
    public const int Ok = 0;
    public const int SomeRejected = 1;
    public const int Malformed = 2;

    public static int Types(TextWriter output)
    {
        foreach ((string type, string description) in FeedFormats.Types)
        {
            output.WriteLine($"{type,-20} {description}");
        }

        return Ok;
    }

    public static int Parse(string? type, string file, string? mappingFile, string? schemaFile, TextWriter output, TextWriter error, FeedParseOptions? options = null)
    {
        options ??= FeedParseOptions.Default;
        IFeedParser? parser = null;
        try
        {
            if (type is not null && !string.Equals(type, "csv", StringComparison.OrdinalIgnoreCase) && FeedFormats.ByType(type) is null)
            {
                return Usage(error, $"unknown feed type '{type}'; the types are: {TypeList()}");
            }

            if (mappingFile is not null && !string.Equals(type, "csv", StringComparison.OrdinalIgnoreCase))
            {
                return Usage(error, "--mapping goes with --type csv");
            }

            if (schemaFile is not null && type is not null && !string.Equals(type, "shadowserver", StringComparison.OrdinalIgnoreCase))
            {
                return Usage(error, "--schema goes with --type shadowserver");
            }

            if (string.Equals(type, "csv", StringComparison.OrdinalIgnoreCase))
            {
                if (mappingFile is null)
                {
                    return Usage(error, "--type csv needs --mapping FILE (a JSON column mapping, see docs/FEED-FORMATS.md)");
                }

                parser = new GenericCsvParser(CsvMapping.Parse(ReadLimited(mappingFile, 1024 * 1024)));
            }
            else if (schemaFile is not null)
            {
                parser = new ShadowserverParser(ShadowserverSchema.Parse(ReadLimited(schemaFile, ShadowserverSchema.MaxSchemaBytes), schemaFile));
            }
        }
        catch (ValidationFailedException e)
        {
            return Usage(error, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Usage(error, e.Message);
        }

        byte[] data;
        try
        {
            data = ReadLimited(file, options.MaxFileBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Usage(error, e.Message);
        }

        string fileName = Path.GetFileName(file);
        if (parser is null && type is not null)
        {
            parser = FeedFormats.ByType(type)!;
        }

        if (parser is null)
        {
            parser = FeedFormats.Recognise(data, fileName);
            if (parser is null)
            {
                return Usage(error, $"cannot recognise the format of {file}; give --type, one of: {TypeList()}");
            }
        }

        var sink = new WritingSink(data, output, error, file);
        var context = new FeedParseContext(sink, options with { FileName = fileName });
        parser.Parse(data, context);
        if (context.Stopped)
        {
            error.WriteLine($"{file}: stopped after {context.ErrorCount} rejected rows");
        }

        return context.ErrorCount > 0 ? SomeRejected : Ok;
    }

    private static string TypeList() => string.Join(", ", FeedFormats.Types.Select(t => t.Type));

    private static int Usage(TextWriter error, string message)
    {
        error.WriteLine($"musubi feed parse: {message}");
        return Malformed;
    }

    /// <exception cref="IOException">Missing, unreadable, or larger than <paramref name="maxBytes"/>.</exception>
    private static byte[] ReadLimited(string path, long maxBytes)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new IOException($"cannot read {path}: no such file");
        }

        if (info.Length > maxBytes)
        {
            throw new IOException($"{path} is {info.Length} bytes, larger than the limit of {maxBytes}");
        }

        return File.ReadAllBytes(path);
    }

    private sealed class WritingSink(byte[] data, TextWriter output, TextWriter error, string file) : IFeedSink
    {
        public void OnEvent(in FeedEvent feedEvent)
        {
            ReadOnlySpan<byte> raw = feedEvent.Raw.Length > 0 && feedEvent.Raw.Offset + feedEvent.Raw.Length <= data.Length
                ? data.AsSpan((int)feedEvent.Raw.Offset, feedEvent.Raw.Length)
                : default;
            output.WriteLine(FeedEventJson.ToJson(feedEvent, raw));
        }

        public void OnError(in FeedError feedError) =>
            error.WriteLine(feedError.Line > 0 ? $"{file}:{feedError.Line}: {feedError.Reason}" : $"{file}: {feedError.Reason}");
    }
}
