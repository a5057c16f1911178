using System.Text.Json;
using Musubi.Detection.Indicators;
using Musubi.Stix.Patterning;

namespace Musubi.Infrastructure.Detection;

/// <summary>
/// Between STIX indicator patterns and detection. A pattern is "plain" when it is only alternatives of equality: ORs
/// (within one observation or between observations, no qualifiers) of <c>=</c>, <c>IN</c> or, for addresses,
/// <c>ISSUBSET</c>, never negated, on <c>ipv4-addr:value</c>, <c>ipv6-addr:value</c>, <c>domain-name:value</c>,
/// <c>url:value</c>, <c>email-addr:value</c>, <c>file:hashes.MD5|'SHA-1'|'SHA-256'</c>. Plain patterns are compiled into
/// the indicator matcher; others are evaluated against each event as one observation
/// (<see cref="Observation"/>), or across events when they need several (<see cref="CrossEventReason"/>).
/// </summary>
public static class StixIndicatorTranslation
{
    /// <summary>The plain values of <paramref name="pattern"/>, or null when it is not plain.</summary>
    public static IReadOnlyList<(IndicatorKind Kind, string Value)>? TryPlain(StixPattern pattern)
    {
        var into = new List<(IndicatorKind, string)>();
        return Plain(pattern.Root, into) && into.Count > 0 ? into : null;
    }

    private static bool Plain(PatternExpression e, List<(IndicatorKind, string)> into) => e switch
    {
        ObservationExpression o => Plain(o.Comparison, into),
        ObservationBinary { Operator: ObservationOperator.Or } b => Plain(b.Left, into) && Plain(b.Right, into),
        _ => false,
    };

    private static bool Plain(ComparisonExpression e, List<(IndicatorKind, string)> into)
    {
        switch (e)
        {
            case ComparisonBinary { Operator: BooleanOperator.Or } b:
                return Plain(b.Left, into) && Plain(b.Right, into);
            case Comparison { Negated: false } c when KindOf(c.Path) is { } kind:
                switch (c.Operator, c.Value)
                {
                    case (ComparisonOperator.Equal, StringConstant s):
                        into.Add((kind, s.Value));
                        return true;
                    case (ComparisonOperator.In, SetConstant set) when set.Items.All(i => i is StringConstant):
                        into.AddRange(set.Items.Cast<StringConstant>().Select(i => (kind, i.Value)));
                        return true;
                    case (ComparisonOperator.IsSubset, StringConstant s) when kind is IndicatorKind.Ipv4 or IndicatorKind.Ipv6:
                        into.Add((kind, s.Value));
                        return true;
                    default:
                        return false;
                }

            default:
                return false;
        }
    }

    private static IndicatorKind? KindOf(ObjectPath path)
    {
        if (path.Steps.Count == 1 && path.Steps[0] is PropertyStep { Name: "value" })
        {
            return path.ObjectType switch
            {
                "ipv4-addr" => IndicatorKind.Ipv4,
                "ipv6-addr" => IndicatorKind.Ipv6,
                "domain-name" => IndicatorKind.Domain,
                "url" => IndicatorKind.Url,
                "email-addr" => IndicatorKind.Email,
                _ => null,
            };
        }

        if (path.ObjectType == "file" && path.Steps.Count == 2 && path.Steps[0] is PropertyStep { Name: "hashes" } && path.Steps[1] is PropertyStep h)
        {
            return h.Name.ToUpperInvariant() switch
            {
                "MD5" => IndicatorKind.Md5,
                "SHA-1" or "SHA1" => IndicatorKind.Sha1,
                "SHA-256" or "SHA256" => IndicatorKind.Sha256,
                _ => null,
            };
        }

        return null;
    }

    /// <summary>
    /// What in <paramref name="pattern"/> needs several events, or null when one event can satisfy it: <c>AND</c> or
    /// <c>FOLLOWEDBY</c> between observation expressions, <c>REPEATS n</c> with n &gt; 1. Such patterns are evaluated
    /// across events (<see cref="Musubi.Stix.Patterning.ObservationWindow{TEvent}"/>); the others on each event alone.
    /// </summary>
    public static string? CrossEventReason(StixPattern pattern) => CrossEventReason(pattern.Root);

    private static string? CrossEventReason(PatternExpression e) => e switch
    {
        ObservationBinary { Operator: ObservationOperator.FollowedBy } => "FOLLOWEDBY needs two observations in order",
        ObservationBinary { Operator: ObservationOperator.And } => "AND between observation expressions needs two observations",
        ObservationBinary b => CrossEventReason(b.Left) ?? CrossEventReason(b.Right),
        QualifiedExpression { Qualifier: RepeatsQualifier { Times: > 1 } r } => $"REPEATS {r.Times} TIMES needs {r.Times} observations",
        QualifiedExpression q => CrossEventReason(q.Inner),
        _ => null,
    };

    /// <summary>
    /// An OCSF event as one STIX observation: its addresses (<c>ipv4-addr</c>/<c>ipv6-addr</c>), host and query names
    /// (<c>domain-name</c>), URL (<c>url</c>), user (<c>user-account</c>), process (<c>process</c> with
    /// <c>command_line</c>, <c>pid</c>) and file (<c>file</c> with <c>name</c> and <c>hashes</c>), and the connection
    /// (<c>network-traffic</c> with <c>src_ref</c>, <c>dst_ref</c>, ports).
    /// </summary>
    public static StixObservation Observation(JsonElement ocsf, DateTimeOffset at) => Observation(ocsf, at, out _);

    /// <summary>
    /// As <see cref="Observation(JsonElement, DateTimeOffset)"/>, and where each object's properties came from: object
    /// id → STIX property → the OCSF field and its value (a <c>*_ref</c> property points at the referenced address's
    /// field), for naming the event fields that satisfied a pattern's comparisons.
    /// </summary>
    public static StixObservation Observation(JsonElement ocsf, DateTimeOffset at, out IReadOnlyDictionary<string, Dictionary<string, ObservedField>> origins)
    {
        var objects = new List<Dictionary<string, object?>>();
        var from = new Dictionary<string, Dictionary<string, ObservedField>>(StringComparer.Ordinal);
        origins = from;
        string? Add(Dictionary<string, object?> o, params (string Property, string Field)[] fields)
        {
            var id = $"{o["type"]}--{Guid.NewGuid()}";
            o["id"] = id;
            objects.Add(o);
            var map = new Dictionary<string, ObservedField>(StringComparer.Ordinal);
            foreach (var (property, field) in fields)
            {
                if (o.TryGetValue(property, out var value) && value is not null)
                {
                    map[property] = new ObservedField(field, value is Dictionary<string, string> d
                        ? string.Join(", ", d.Select(kv => $"{kv.Key}={kv.Value}"))
                        : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "");
                }
            }

            from[id] = map;
            return id;
        }

        void Refer(string id, string property, string? target)
        {
            if (target is not null && from.TryGetValue(target, out var t) && t.TryGetValue("value", out var f))
            {
                from[id][property] = f;
            }
        }

        string? Address(string endpoint, out int? port, out string? host)
        {
            port = null;
            host = null;
            if (!ocsf.TryGetProperty(endpoint, out var e) || e.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            if (e.TryGetProperty("port", out var p) && p.TryGetInt32(out var pi))
            {
                port = pi;
            }

            if (e.TryGetProperty("hostname", out var h) && h.GetString() is { Length: > 0 } hn)
            {
                host = hn;
            }

            if (e.TryGetProperty("ip", out var ip) && ip.GetString() is { Length: > 0 } address)
            {
                return Add(new() { ["type"] = address.Contains(':', StringComparison.Ordinal) ? "ipv6-addr" : "ipv4-addr", ["value"] = address }, ("value", endpoint + ".ip"));
            }

            return null;
        }

        var src = Address("src_endpoint", out var srcPort, out var srcHost);
        var dst = Address("dst_endpoint", out var dstPort, out var dstHost);
        if (src is not null || dst is not null)
        {
            var traffic = new Dictionary<string, object?> { ["type"] = "network-traffic" };
            if (src is not null)
            {
                traffic["src_ref"] = src;
            }

            if (dst is not null)
            {
                traffic["dst_ref"] = dst;
            }

            if (srcPort is { } sp)
            {
                traffic["src_port"] = sp;
            }

            if (dstPort is { } dp)
            {
                traffic["dst_port"] = dp;
            }

            var trafficId = Add(traffic, ("src_port", "src_endpoint.port"), ("dst_port", "dst_endpoint.port"))!;
            Refer(trafficId, "src_ref", src);
            Refer(trafficId, "dst_ref", dst);
        }

        foreach (var (name, field) in new[] { (srcHost, "src_endpoint.hostname"), (dstHost, "dst_endpoint.hostname"), (Text(ocsf, "query", "hostname"), "query.hostname") })
        {
            if (name is { Length: > 0 })
            {
                Add(new() { ["type"] = "domain-name", ["value"] = name }, ("value", field));
            }
        }

        if (ocsf.TryGetProperty("http_request", out var http) && http.TryGetProperty("url", out var url) && Text(url, "url_string") is { } u)
        {
            Add(new() { ["type"] = "url", ["value"] = u }, ("value", "http_request.url.url_string"));
        }

        if (Text(ocsf, "user", "name") is { } user)
        {
            Add(new() { ["type"] = "user-account", ["account_login"] = user, ["user_id"] = user }, ("account_login", "user.name"), ("user_id", "user.name"));
        }

        if (ocsf.TryGetProperty("process", out var process) && process.ValueKind == JsonValueKind.Object)
        {
            var p = new Dictionary<string, object?> { ["type"] = "process" };
            if (Text(process, "cmd_line") is { } cmd)
            {
                p["command_line"] = cmd;
            }

            if (process.TryGetProperty("pid", out var pid) && pid.TryGetInt64(out var pidValue))
            {
                p["pid"] = pidValue;
            }

            if (process.TryGetProperty("file", out var file) && file.ValueKind == JsonValueKind.Object)
            {
                var f = new Dictionary<string, object?> { ["type"] = "file" };
                if (Text(file, "name") is { } fileName)
                {
                    f["name"] = fileName;
                }

                if (file.TryGetProperty("hashes", out var hashes) && hashes.ValueKind == JsonValueKind.Array)
                {
                    var map = new Dictionary<string, string>();
                    foreach (var hash in hashes.EnumerateArray())
                    {
                        if (Text(hash, "algorithm") is { } algorithm && Text(hash, "value") is { } value)
                        {
                            map[algorithm] = value;
                        }
                    }

                    f["hashes"] = map;
                }

                p["image_ref"] = Add(f, ("name", "process.file.name"), ("hashes", "process.file.hashes"));
            }

            Add(p, ("command_line", "process.cmd_line"), ("pid", "process.pid"));
        }

        var json = JsonSerializer.SerializeToElement(objects);
        return new StixObservation(at, json.EnumerateArray().ToList());
    }

    private static string? Text(JsonElement e, params string[] path)
    {
        foreach (var step in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(step, out e))
            {
                return null;
            }
        }

        return e.ValueKind == JsonValueKind.String && e.GetString() is { Length: > 0 } s ? s : null;
    }
}

/// <summary>An event field (OCSF path) and its value, as a STIX observation property was built from it.</summary>
public sealed record ObservedField(string Field, string Value);
