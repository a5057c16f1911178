using System.Text.Json;
using Musubi.Detection.Events;
using Musubi.Detection.Sigma;

namespace Musubi.Detection.Cli;

/// <summary>
/// The logic of <c>musubi detect</c> and <c>musubi sigma check</c>, on parsed values and writers, so the CLI host
/// only parses arguments. Exit codes: 0 done; 1 done, but some input was rejected (malformed events, rules that do
/// not load); 2 the command could not run (missing file or folder, unknown or unsupported format).
/// </summary>
public static class DetectionCommandLine
{
    public const int Success = 0;
    public const int PartialFailure = 1;
    public const int UsageError = 2;

    public static readonly IReadOnlyList<string> Formats = ["jsonl", "evtx-json", "syslog", "cef"];

    /// <summary>
    /// Matches every event of <paramref name="eventsFile"/> against the rules under <paramref name="rulesDirectory"/>
    /// and writes one JSON line per match: <c>{"rule_id","rule_title","level","event_index"}</c>.
    /// </summary>
    public static int Detect(string rulesDirectory, string eventsFile, string? format, TextWriter output, TextWriter error, SigmaEngineOptions? options = null)
    {
        format ??= "evtx-json";
        if (!Formats.Contains(format))
        {
            error.WriteLine($"unknown format '{format}': use one of {string.Join(", ", Formats)}");
            return UsageError;
        }

        if (!Directory.Exists(rulesDirectory))
        {
            error.WriteLine($"rules folder not found: {rulesDirectory}");
            return UsageError;
        }

        if (!File.Exists(eventsFile))
        {
            error.WriteLine($"events file not found: {eventsFile}");
            return UsageError;
        }

        var engine = SigmaEngine.LoadDirectory(rulesDirectory, options);
        if (engine.Failures.Count > 0)
        {
            error.WriteLine($"{engine.Failures.Count} of {engine.DocumentCount} rule documents do not load (see 'musubi sigma check {rulesDirectory}')");
        }

        var matcher = engine.CreateMatcher();
        var matches = new List<SigmaMatch>();
        var malformed = 0;
        using var writer = new Utf8JsonWriter(new TextWriterStream(output), new JsonWriterOptions { Indented = false });
        if (format is "syslog" or "cef")
        {
            // One record per line; the event index is the 0-based line number.
            long lineIndex = 0;
            foreach (var line in File.ReadLines(eventsFile))
            {
                var index = lineIndex++;
                if (line.Trim().Length == 0)
                {
                    continue;
                }

                LineEvent? parsed;
                string? reason;
                var ok = format == "syslog" ? SyslogParser.TryParse(line, out parsed, out reason) : CefParser.TryParse(line, out parsed, out reason);
                if (!ok)
                {
                    error.WriteLine($"event {index}: {reason}");
                    malformed++;
                    continue;
                }

                matcher.Match(parsed, index, matches);
                Write(matches, writer, output);
            }

            matcher.Flush(matches);
            Write(matches, writer, output);
            return malformed > 0 ? PartialFailure : Success;
        }

        var data = File.ReadAllBytes(eventsFile);
        var layout = format == "jsonl" ? JsonLayout.Lines : JsonEventReader.Detect(data);
        foreach (var item in JsonEventReader.Read(data, layout))
        {
            if (item.Error is not null)
            {
                error.WriteLine($"event {item.Index}: {item.Error}");
                malformed++;
                continue;
            }

            try
            {
                matcher.Match(item.Json.Span, item.Index, matches);
            }
            catch (JsonException e)
            {
                error.WriteLine($"event {item.Index}: malformed JSON: {e.Message}");
                malformed++;
                continue;
            }

            Write(matches, writer, output);
        }

        matcher.Flush(matches);
        Write(matches, writer, output);
        return malformed > 0 ? PartialFailure : Success;
    }

    /// <summary>Lists each rule document that does not load, with its reason, then the loaded/total counts.</summary>
    public static int SigmaCheck(string directory, TextWriter output, TextWriter error, SigmaEngineOptions? options = null)
    {
        if (!Directory.Exists(directory))
        {
            error.WriteLine($"rules folder not found: {directory}");
            return UsageError;
        }

        var engine = SigmaEngine.LoadDirectory(directory, options);
        foreach (var failure in engine.Failures.OrderBy(f => f.Source, StringComparer.Ordinal).ThenBy(f => f.DocumentIndex))
        {
            var source = Path.GetRelativePath(directory, failure.Source);
            var document = failure.DocumentIndex > 0 ? $"#{failure.DocumentIndex}" : "";
            output.WriteLine($"FAIL {source}{document} {failure.RuleId ?? failure.Title ?? "-"}: {failure.Reason}");
        }

        foreach (var warning in engine.Warnings)
        {
            error.WriteLine("warning: " + warning);
        }

        output.WriteLine($"loaded {engine.LoadedCount}/{engine.DocumentCount}");
        return engine.Failures.Count > 0 ? PartialFailure : Success;
    }

    private static void Write(List<SigmaMatch> matches, Utf8JsonWriter writer, TextWriter output)
    {
        foreach (var match in matches)
        {
            writer.Reset();
            writer.WriteStartObject();
            writer.WriteString("rule_id", match.Rule.Key);
            writer.WriteString("rule_title", match.Rule.Title);
            if (match.Rule.Level == SigmaLevel.None)
            {
                writer.WriteNull("level");
            }
            else
            {
                writer.WriteString("level", match.Rule.Level.ToString().ToLowerInvariant());
            }

            writer.WriteNumber("event_index", match.EventIndex);
            writer.WriteEndObject();
            writer.Flush();
            output.Write('\n');
        }

        matches.Clear();
    }

    /// <summary>Lets <see cref="Utf8JsonWriter"/> write into a <see cref="TextWriter"/> (UTF-8 in, text out).</summary>
    private sealed class TextWriterStream(TextWriter writer) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => writer.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer) => writer.Write(System.Text.Encoding.UTF8.GetString(buffer));
    }
}
