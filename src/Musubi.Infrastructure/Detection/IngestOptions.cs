namespace Musubi.Infrastructure.Detection;

/// <summary>Limits and listeners of event ingestion (<c>Musubi:Ingest</c>).</summary>
public sealed class IngestOptions
{
    public const string Section = "Musubi:Ingest";

    /// <summary>Queue backlog (events waiting for detection) above which ingestion answers 503 / stops reading.</summary>
    public long MaxBacklog { get; set; } = 200_000;

    /// <summary>What a refused HTTP sender is told to wait (Retry-After).</summary>
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>
    /// HTTP ingestion requests one sensor may have in progress at once; one more is answered 429 with Retry-After
    /// (each request may hold up to <see cref="MaxBodyBytes"/> in memory, so this bounds a sensor's share).
    /// </summary>
    public int MaxConcurrentRequestsPerSensor { get; set; } = 4;

    /// <summary>Largest HTTP ingestion body.</summary>
    public long MaxBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Most lines in one HTTP ingestion body.</summary>
    public int MaxLinesPerRequest { get; set; } = 100_000;

    /// <summary>Events a listener holds in memory before it stops reading (TCP) or drops (UDP).</summary>
    public int ListenerBuffer { get; set; } = 10_000;

    /// <summary>Address-to-ASN table (iptoasn.com TSV or "prefix&lt;TAB&gt;asn" lines; docs/DETECTION.md); none: no ASN enrichment.</summary>
    public string? AsnTablePath { get; set; }

    /// <summary>Syslog/CEF/JSON listeners; none by default.</summary>
    public List<ListenerOptions> Listeners { get; set; } = [];
}

/// <summary>One listener: protocol, address and port, format, and the registered sensor its events are attributed to.</summary>
public sealed class ListenerOptions
{
    /// <summary>"udp", "tcp" or "tls".</summary>
    public string Protocol { get; set; } = "udp";

    public string Address { get; set; } = "127.0.0.1";

    /// <summary>0 picks a free port (tests).</summary>
    public int Port { get; set; }

    /// <summary>"syslog", "cef" or "jsonl".</summary>
    public string Format { get; set; } = "syslog";

    /// <summary>Name of a registered sensor.</summary>
    public string Sensor { get; set; } = "";

    /// <summary>TLS: PKCS#12 or PEM certificate file, and its password or PEM key file.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    public string? CertificateKeyPath { get; set; }
}

/// <summary>Ingestion refused because detection is behind: the sender should retry after <see cref="RetryAfter"/>.</summary>
public sealed class IngestOverloadedException(TimeSpan retryAfter, long backlog)
    : Exception($"ingestion is overloaded ({backlog} events waiting): retry after {retryAfter.TotalSeconds:F0} s")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}
