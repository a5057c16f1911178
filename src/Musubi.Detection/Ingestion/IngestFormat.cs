namespace Musubi.Detection.Ingestion;

/// <summary>How the lines a sensor sends are written.</summary>
public enum IngestFormat
{
    /// <summary>One JSON object per line (also Windows events in the evtx_dump layout, one per line).</summary>
    JsonLines,

    /// <summary>Syslog, RFC 5424 or RFC 3164.</summary>
    Syslog,

    /// <summary>CEF, bare or after a syslog header.</summary>
    Cef,
}

/// <summary>Names of ingestion formats in configuration, query strings and the CLI.</summary>
public static class IngestFormats
{
    public static bool TryParse(string? text, out IngestFormat format)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "jsonl" or "json" or "ndjson" or "evtx-json":
                format = IngestFormat.JsonLines;
                return true;
            case "syslog":
                format = IngestFormat.Syslog;
                return true;
            case "cef":
                format = IngestFormat.Cef;
                return true;
            default:
                format = default;
                return false;
        }
    }

    public static string Name(IngestFormat format) => format switch
    {
        IngestFormat.Syslog => "syslog",
        IngestFormat.Cef => "cef",
        _ => "jsonl",
    };
}
