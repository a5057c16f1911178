using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Musubi.Detection.Ingestion;

/// <summary>
/// Maps a parsed event to the matching OCSF 1.8.0 class and writes it as JSON, keeping the raw line in
/// <c>raw_data</c>. Classes: Windows events by channel and event id (Sysmon 1 and Security 4688 process launch, 4624
/// and 4625 logon success and failure, 4634 logoff, Sysmon 3 network, Sysmon 22 DNS); other events by an explicit
/// <c>class</c> field, else by the fields present (a URL → HTTP, a DNS query → DNS, an image or command line →
/// process, logon words → authentication, addresses → network); anything else is a Base Event. Addresses found are
/// enriched through the given lookup (owner, sector, zone, ASN) into the endpoint and <c>enrichments</c>.
/// </summary>
public static class OcsfNormalizer
{
    private static readonly string[] TimeFields = ["time", "timestamp", "@timestamp", "TimeCreated_SystemTime", "UtcTime", "rt", "eventtime", "date"];
    private static readonly string[] SrcIpFields = ["src_ip", "src", "srcip", "source_ip", "SourceIp", "client", "client_ip", "IpAddress", "c-ip", "src_endpoint_ip"];
    private static readonly string[] SrcPortFields = ["src_port", "spt", "srcport", "SourcePort", "IpPort"];
    private static readonly string[] DstIpFields = ["dst_ip", "dst", "dstip", "dest_ip", "destination_ip", "DestinationIp", "server_ip"];
    private static readonly string[] DstPortFields = ["dst_port", "dpt", "dstport", "dest_port", "DestinationPort"];
    private static readonly string[] DstHostFields = ["DestinationHostname", "dhost", "dst_host", "host_name"];
    private static readonly string[] UserFields = ["user", "User", "TargetUserName", "username", "user_name", "suser", "duser", "SubjectUserName", "account"];
    private static readonly string[] ImageFields = ["Image", "image", "NewProcessName", "process", "process_path", "sproc"];
    private static readonly string[] CommandFields = ["CommandLine", "command_line", "cmdline", "cmd"];
    private static readonly string[] PidFields = ["ProcessId", "pid", "NewProcessId", "spid"];
    private static readonly string[] QueryFields = ["QueryName", "query", "qname", "dns_query"];
    private static readonly string[] QueryTypeFields = ["qtype", "query_type", "QueryType"];
    private static readonly string[] UrlFields = ["url", "request", "uri", "c-uri", "http_url"];
    private static readonly string[] MethodFields = ["method", "http_method", "requestMethod", "cs-method"];
    private static readonly string[] StatusFields = ["status", "http_status", "sc-status"];
    private static readonly string[] HashFields = ["sha256", "md5", "sha1", "Hashes", "fileHash"];

    /// <summary>Picks the OCSF class and activity of <paramref name="e"/>.</summary>
    public static (OcsfClass Class, int Activity, int? Status) Classify(ParsedEvent e)
    {
        var f = new FieldView(e.Fields);
        var eventId = f.First("EventID");
        var channel = f.First("Channel") ?? "";
        if (eventId is not null)
        {
            var sysmon = channel.Contains("Sysmon", StringComparison.OrdinalIgnoreCase);
            switch (eventId)
            {
                case "1" when sysmon:
                case "4688":
                    return (OcsfClass.ProcessActivity, 1, null);
                case "4624":
                    return (OcsfClass.Authentication, 1, 1);
                case "4625":
                    return (OcsfClass.Authentication, 1, 2);
                case "4634" or "4647":
                    return (OcsfClass.Authentication, 2, null);
                case "3" when sysmon:
                    return (OcsfClass.NetworkActivity, 1, null);
                case "22" when sysmon:
                    return (OcsfClass.DnsActivity, 1, null);
            }
        }

        switch (f.First("class")?.ToLowerInvariant())
        {
            case "process":
                return (OcsfClass.ProcessActivity, 1, null);
            case "authentication" or "auth" or "logon":
                return (OcsfClass.Authentication, 1, null);
            case "network" or "firewall" or "flow":
                return (OcsfClass.NetworkActivity, 6, null);
            case "http" or "proxy" or "web":
                return (OcsfClass.HttpActivity, HttpActivity(f.First(MethodFields)), null);
            case "dns":
                return (OcsfClass.DnsActivity, 1, null);
        }

        if (f.First(UrlFields) is { } url && url.Contains("://", StringComparison.Ordinal))
        {
            return (OcsfClass.HttpActivity, HttpActivity(f.First(MethodFields)), null);
        }

        if (f.First(QueryFields) is not null)
        {
            return (OcsfClass.DnsActivity, 1, null);
        }

        if (f.First(CommandFields) is not null || f.First(ImageFields) is not null)
        {
            return (OcsfClass.ProcessActivity, 1, null);
        }

        var message = f.First("message") ?? f.First("Name") ?? "";
        if (message.Contains("Accepted password", StringComparison.OrdinalIgnoreCase) || message.Contains("Accepted publickey", StringComparison.OrdinalIgnoreCase)
            || message.Contains("logged in", StringComparison.OrdinalIgnoreCase) || message.Contains("login succe", StringComparison.OrdinalIgnoreCase))
        {
            return (OcsfClass.Authentication, 1, 1);
        }

        if (message.Contains("Failed password", StringComparison.OrdinalIgnoreCase) || message.Contains("authentication failure", StringComparison.OrdinalIgnoreCase)
            || message.Contains("login fail", StringComparison.OrdinalIgnoreCase) || message.Contains("Invalid user", StringComparison.OrdinalIgnoreCase))
        {
            return (OcsfClass.Authentication, 1, 2);
        }

        if (f.First(SrcIpFields) is not null && f.First(DstIpFields) is not null)
        {
            return (OcsfClass.NetworkActivity, 6, null);
        }

        return (OcsfClass.Base, 0, null);
    }

    /// <summary>
    /// Writes the OCSF object of <paramref name="e"/>. <paramref name="enrich"/> answers for each address found
    /// (null when nothing is known); <paramref name="received"/> is used when the event carries no readable time.
    /// </summary>
    public static void Write(Utf8JsonWriter w, ParsedEvent e, string sensorName, DateTimeOffset received, Func<string, EndpointEnrichment?> enrich)
    {
        var f = new FieldView(e.Fields);
        var (cls, activity, status) = Classify(e);
        var (categoryUid, categoryName) = OcsfClasses.Category(cls);
        var classUid = (int)cls;
        w.WriteStartObject();
        w.WriteNumber("class_uid", classUid);
        w.WriteString("class_name", OcsfClasses.Name(cls));
        w.WriteNumber("category_uid", categoryUid);
        w.WriteString("category_name", categoryName);
        w.WriteNumber("activity_id", activity);
        w.WriteNumber("type_uid", (classUid * 100) + activity);
        w.WriteNumber("time", EventTime(f, received).ToUnixTimeMilliseconds());
        w.WriteNumber("severity_id", Severity(e, f));
        if (status is { } s)
        {
            w.WriteNumber("status_id", s);
            w.WriteString("status", s == 1 ? "Success" : "Failure");
        }

        if (f.First("message") is { } message)
        {
            w.WriteString("message", message);
        }

        w.WriteStartObject("metadata");
        w.WriteString("version", OcsfClasses.SchemaVersion);
        w.WriteString("log_name", IngestFormats.Name(e.Format));
        w.WriteStartObject("product");
        w.WriteString("name", f.First("DeviceProduct") ?? f.First("Provider_Name") ?? f.First("app_name") ?? sensorName);
        if (f.First("DeviceVendor") is { } vendor)
        {
            w.WriteString("vendor_name", vendor);
        }

        w.WriteEndObject();
        w.WriteEndObject();

        var enrichments = new List<(string Name, string Ip, EndpointEnrichment Info)>();
        WriteEndpoint(w, "src_endpoint", f.First(SrcIpFields), f.First(SrcPortFields), f.First("hostname") ?? f.First("Computer") ?? f.First("host") ?? f.First("shost"), enrich, enrichments);
        WriteEndpoint(w, "dst_endpoint", f.First(DstIpFields), f.First(DstPortFields), f.First(DstHostFields), enrich, enrichments);

        if (f.First(UserFields) is { } user)
        {
            w.WriteStartObject("user");
            w.WriteString("name", user);
            w.WriteEndObject();
        }

        var image = f.First(ImageFields);
        var command = f.First(CommandFields);
        if (image is not null || command is not null)
        {
            w.WriteStartObject("process");
            if (image is not null)
            {
                w.WriteString("name", Path.GetFileName(image.Replace('\\', '/')));
                w.WriteStartObject("file");
                w.WriteString("path", image);
                w.WriteString("name", Path.GetFileName(image.Replace('\\', '/')));
                WriteHashes(w, f);
                w.WriteEndObject();
            }

            if (command is not null)
            {
                w.WriteString("cmd_line", command);
            }

            if (f.First(PidFields) is { } pid && int.TryParse(pid, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pidValue))
            {
                w.WriteNumber("pid", pidValue);
            }

            w.WriteEndObject();
        }

        if (cls == OcsfClass.DnsActivity && f.First(QueryFields) is { } query)
        {
            w.WriteStartObject("query");
            w.WriteString("hostname", query);
            if (f.First(QueryTypeFields) is { } type)
            {
                w.WriteString("type", type);
            }

            w.WriteEndObject();
        }

        if (f.First(UrlFields) is { } url)
        {
            w.WriteStartObject("http_request");
            if (f.First(MethodFields) is { } method)
            {
                w.WriteString("http_method", method.ToUpperInvariant());
            }

            w.WriteStartObject("url");
            w.WriteString("url_string", url);
            w.WriteEndObject();
            w.WriteEndObject();
            if (f.First(StatusFields) is { } code && int.TryParse(code, NumberStyles.Integer, CultureInfo.InvariantCulture, out var codeValue))
            {
                w.WriteStartObject("http_response");
                w.WriteNumber("code", codeValue);
                w.WriteEndObject();
            }
        }

        if (enrichments.Count > 0)
        {
            w.WriteStartArray("enrichments");
            foreach (var (name, ip, info) in enrichments)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteString("value", ip);
                w.WriteString("type", "constituency");
                w.WriteStartObject("data");
                if (info.OrganisationId is { } id)
                {
                    w.WriteString("organisation_id", id);
                    w.WriteString("organisation", info.Organisation);
                }

                if (info.Sector is not null)
                {
                    w.WriteString("sector", info.Sector);
                }

                w.WriteString("zone", info.Zone);
                if (info.Asn is { } asn)
                {
                    w.WriteNumber("asn", asn);
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteString("raw_data", e.Raw);
        w.WriteNumber("raw_data_size", Encoding.UTF8.GetByteCount(e.Raw));
        w.WriteEndObject();
    }

    private static void WriteEndpoint(Utf8JsonWriter w, string name, string? ip, string? port, string? host,
        Func<string, EndpointEnrichment?> enrich, List<(string, string, EndpointEnrichment)> enrichments)
    {
        if (ip is null && host is null)
        {
            return;
        }

        w.WriteStartObject(name);
        if (ip is not null && System.Net.IPAddress.TryParse(ip, out var address))
        {
            w.WriteString("ip", address.ToString());
            if (enrich(address.ToString()) is { } info)
            {
                w.WriteString("zone", info.Zone);
                if (info.Asn is { } asn)
                {
                    w.WriteStartObject("autonomous_system");
                    w.WriteNumber("number", asn);
                    if (info.AsName is not null)
                    {
                        w.WriteString("name", info.AsName);
                    }

                    w.WriteEndObject();
                }

                enrichments.Add((name + ".ip", address.ToString(), info));
            }
        }

        if (port is not null && int.TryParse(port, NumberStyles.Integer, CultureInfo.InvariantCulture, out var portValue) && portValue is >= 0 and <= 65535)
        {
            w.WriteNumber("port", portValue);
        }

        if (host is not null)
        {
            w.WriteString("hostname", host);
        }

        w.WriteEndObject();
    }

    private static void WriteHashes(Utf8JsonWriter w, FieldView f)
    {
        var hashes = new List<(int Id, string Name, string Value)>();
        foreach (var field in HashFields)
        {
            if (f.First(field) is not { } value)
            {
                continue;
            }

            foreach (var item in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = item.IndexOf('=', StringComparison.Ordinal);
                var digits = eq < 0 ? item : item[(eq + 1)..];
                var algorithm = digits.Length switch { 32 => (1, "MD5"), 40 => (2, "SHA-1"), 64 => (3, "SHA-256"), _ => (0, "") };
                if (algorithm.Item1 != 0 && digits.All(char.IsAsciiHexDigit) && hashes.All(h => h.Value != digits))
                {
                    hashes.Add((algorithm.Item1, algorithm.Item2, digits.ToLowerInvariant()));
                }
            }
        }

        if (hashes.Count == 0)
        {
            return;
        }

        w.WriteStartArray("hashes");
        foreach (var (id, algorithm, value) in hashes)
        {
            w.WriteStartObject();
            w.WriteNumber("algorithm_id", id);
            w.WriteString("algorithm", algorithm);
            w.WriteString("value", value);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static int HttpActivity(string? method) => method?.ToUpperInvariant() switch
    {
        "CONNECT" => 1,
        "DELETE" => 2,
        "GET" => 3,
        "HEAD" => 4,
        "OPTIONS" => 5,
        "POST" => 6,
        "PUT" => 7,
        "TRACE" => 8,
        "PATCH" => 9,
        null => 0,
        _ => 99,
    };

    private static DateTimeOffset EventTime(FieldView f, DateTimeOffset received)
    {
        foreach (var name in TimeFields)
        {
            if (f.First(name) is { } text)
            {
                if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
                {
                    return at;
                }

                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var millis) && millis > 100_000_000_000)
                {
                    return DateTimeOffset.FromUnixTimeMilliseconds(millis);
                }
            }
        }

        return received;
    }

    /// <summary>OCSF severity_id: 1 informational … 5 critical, 6 fatal, 0 unknown.</summary>
    private static int Severity(ParsedEvent e, FieldView f)
    {
        if (e.Format == IngestFormat.Cef && f.First("Severity") is { } cef)
        {
            if (int.TryParse(cef, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            {
                return n switch { <= 3 => 1, <= 6 => 3, <= 8 => 4, _ => 5 };
            }

            return cef.ToLowerInvariant() switch { "low" => 2, "medium" => 3, "high" => 4, "very-high" => 5, _ => 0 };
        }

        if (f.First("severity") is { } syslog && int.TryParse(syslog, NumberStyles.Integer, CultureInfo.InvariantCulture, out var level) && level is >= 0 and <= 7)
        {
            // syslog 0 emergency .. 7 debug
            return level switch { 0 => 6, 1 => 5, 2 => 5, 3 => 4, 4 => 3, 5 => 2, _ => 1 };
        }

        return 0;
    }

    private readonly struct FieldView(IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        public string? First(string name)
        {
            foreach (var (key, value) in fields)
            {
                if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase) && value.Length > 0)
                {
                    return value;
                }
            }

            return null;
        }

        public string? First(string[] names)
        {
            foreach (var name in names)
            {
                if (First(name) is { } value)
                {
                    return value;
                }
            }

            return null;
        }
    }
}
