using Musubi.Feeds.Events;

namespace Musubi.Feeds.Pipeline;

/// <summary>Who gets reports, and how often (the notification interval).</summary>
public sealed record Recipient(string Id, TimeSpan Interval)
{
    /// <summary>Address reports go to; the delivery stage reads it.</summary>
    public string? Email { get; init; }

    /// <summary>"ja" or "en": the report template's language.</summary>
    public string Language { get; init; } = "en";
}

/// <summary>
/// One routing rule: every condition given must hold (owner handle, origin ASN, taxonomy, type, feed). A rule either
/// sends matching events to a recipient or inhibits them (drops them: e.g. a sinkhole's own range, a researcher's
/// scanner, a taxonomy a recipient asked not to get).
/// </summary>
public sealed record RouteRule
{
    public int? Owner { get; init; }

    public uint? Asn { get; init; }

    public string? Taxonomy { get; init; }

    public string? Type { get; init; }

    public string? Feed { get; init; }

    public string? Recipient { get; init; }

    public bool Inhibit { get; init; }
}

public sealed record RoutingOptions
{
    public IReadOnlyList<Recipient> Recipients { get; init; } = [];

    /// <summary>Inhibitions are checked first, then the other rules in order; the first match wins.</summary>
    public IReadOnlyList<RouteRule> Rules { get; init; } = [];

    /// <summary>Events no rule matched go to the owner's recipient, else to the ISP's (by origin ASN).</summary>
    public IReadOnlyDictionary<int, string> OwnerRecipients { get; init; } = new Dictionary<int, string>();

    public IReadOnlyDictionary<uint, string> AsnRecipients { get; init; } = new Dictionary<uint, string>();
}

public enum RouteOutcome
{
    Routed,
    Inhibited,
    Unrouted,
}

/// <summary>Decides each event's recipient (an index into <see cref="Recipients"/>). Rules are compiled to interned ids once.</summary>
public sealed class Router
{
    private readonly CompiledRule[] _inhibitions;
    private readonly CompiledRule[] _rules;
    private readonly Dictionary<int, int> _owners;
    private readonly Dictionary<uint, int> _asns;

    public Router(RoutingOptions options)
    {
        Recipients = [.. options.Recipients];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Recipients.Count; i++)
        {
            if (Recipients[i].Interval <= TimeSpan.Zero)
            {
                throw new ArgumentException($"recipient '{Recipients[i].Id}': the interval must be positive", nameof(options));
            }

            if (!index.TryAdd(Recipients[i].Id, i))
            {
                throw new ArgumentException($"recipient '{Recipients[i].Id}' is listed twice", nameof(options));
            }
        }

        int RecipientIndex(string id, string where) =>
            index.TryGetValue(id, out int i) ? i : throw new ArgumentException($"{where}: unknown recipient '{id}'", nameof(options));

        _inhibitions = [.. options.Rules.Where(r => r.Inhibit).Select(r => Compile(r, -1))];
        _rules = [.. options.Rules.Where(r => !r.Inhibit).Select((r, i) => Compile(r, RecipientIndex(r.Recipient ?? throw new ArgumentException($"rule {i}: neither a recipient nor an inhibition", nameof(options)), $"rule {i}")))];
        _owners = options.OwnerRecipients.ToDictionary(p => p.Key, p => RecipientIndex(p.Value, $"owner {p.Key}"));
        _asns = options.AsnRecipients.ToDictionary(p => p.Key, p => RecipientIndex(p.Value, $"AS{p.Key}"));
    }

    public IReadOnlyList<Recipient> Recipients { get; }

    public RouteOutcome Route(in FeedEvent e, out int recipient)
    {
        recipient = -1;
        foreach (CompiledRule rule in _inhibitions)
        {
            if (rule.Matches(e))
            {
                return RouteOutcome.Inhibited;
            }
        }

        foreach (CompiledRule rule in _rules)
        {
            if (rule.Matches(e))
            {
                recipient = rule.Recipient;
                return RouteOutcome.Routed;
            }
        }

        if ((e.Owner >= 0 && _owners.TryGetValue(e.Owner, out recipient)) || (e.SourceAsn != 0 && _asns.TryGetValue(e.SourceAsn, out recipient)))
        {
            return RouteOutcome.Routed;
        }

        recipient = -1;
        return RouteOutcome.Unrouted;
    }

    private static CompiledRule Compile(RouteRule r, int recipient) => new(
        r.Owner ?? -2, r.Asn ?? 0, r.Asn is not null,
        Symbol(r.Taxonomy), Symbol(r.Type), Symbol(r.Feed), recipient);

    private static int Symbol(string? text) => text is null ? -2 : FeedSymbols.Intern(text);

    private readonly record struct CompiledRule(int Owner, uint Asn, bool HasAsn, int Taxonomy, int Type, int Feed, int Recipient)
    {
        public bool Matches(in FeedEvent e) =>
            (Owner == -2 || e.Owner == Owner) && (!HasAsn || e.SourceAsn == Asn) && (Taxonomy == -2 || e.Taxonomy == Taxonomy)
            && (Type == -2 || e.Type == Type) && (Feed == -2 || e.FeedName == Feed);
    }
}
