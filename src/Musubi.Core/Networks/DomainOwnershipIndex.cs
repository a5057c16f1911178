using System.Text;

namespace Musubi.Core.Networks;

/// <summary>
/// Answers "who owns this host name" by the longest claimed domain that the name equals or ends with on a label
/// boundary: "a.b.example.jp" matches a claim on "example.jp", "badexample.jp" does not. Immutable and thread-safe.
/// </summary>
public sealed class DomainOwnershipIndex
{
    private readonly Dictionary<string, int> _owners;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    private DomainOwnershipIndex(Dictionary<string, int> owners, IReadOnlyList<DomainConflict> conflicts)
    {
        _owners = owners;
        _bySpan = owners.GetAlternateLookup<ReadOnlySpan<char>>();
        Conflicts = conflicts;
    }

    /// <summary>Claims by different owners on exactly the same domain, in the input order of the losing claims.</summary>
    public IReadOnlyList<DomainConflict> Conflicts { get; }

    public int DomainCount => _owners.Count;

    /// <param name="claims">Domains in the form <see cref="NetworkParsing.TryNormaliseDomain"/> produces; owners not negative.</param>
    /// <exception cref="ArgumentException">A domain is not normalised, or an owner is negative.</exception>
    public static DomainOwnershipIndex Build(IEnumerable<(string Domain, int Owner)> claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var owners = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var conflicts = new List<DomainConflict>();
        var reported = new HashSet<DomainConflict>();
        int order = 0;
        foreach ((string domain, int owner) in claims)
        {
            if (owner < 0)
            {
                throw new ArgumentException($"Claim {order} ({domain}) has a negative owner handle {owner}.", nameof(claims));
            }

            if (!NetworkParsing.TryNormaliseDomain(domain, out string normalised, out string error) || normalised != domain)
            {
                string reason = error.Length > 0 ? error : $"its normal form is '{normalised}'";
                throw new ArgumentException($"Claim {order} ('{domain}') is not a normalised domain: {reason}.", nameof(claims));
            }

            if (!owners.TryAdd(domain, owner))
            {
                int winner = owners[domain];
                var conflict = new DomainConflict(domain, winner, owner);
                if (winner != owner && reported.Add(conflict))
                {
                    conflicts.Add(conflict);
                }
            }

            order++;
        }

        return new DomainOwnershipIndex(owners, conflicts.AsReadOnly());
    }

    /// <summary>
    /// Case-insensitive; one trailing dot is ignored. ASCII names do not allocate; a name with non-ASCII characters
    /// is converted to punycode first.
    /// </summary>
    /// <returns>The owner handle, or -1.</returns>
    public int Lookup(ReadOnlySpan<char> hostName) => TryMatch(hostName, out _, out int owner) ? owner : -1;

    /// <summary>The longest claimed domain matching <paramref name="hostName"/> and its owner, or null.</summary>
    public (string Domain, int Owner)? LookupDomain(string hostName) =>
        TryMatch(hostName, out string? domain, out int owner) ? (domain, owner) : null;

    private bool TryMatch(ReadOnlySpan<char> hostName, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? domain, out int owner)
    {
        if (hostName.EndsWith('.'))
        {
            hostName = hostName[..^1];
        }

        if (!Ascii.IsValid(hostName))
        {
            if (!NetworkParsing.TryNormaliseDomain(hostName.ToString(), out string ascii, out _))
            {
                domain = null;
                owner = -1;
                return false;
            }

            hostName = ascii;
        }

        // Claims have at least two labels, so the search stops before the last label alone.
        ReadOnlySpan<char> candidate = hostName;
        while (true)
        {
            if (_bySpan.TryGetValue(candidate, out domain, out owner))
            {
                return true;
            }

            int dot = candidate.IndexOf('.');
            if (dot < 0 || candidate[(dot + 1)..].IndexOf('.') < 0)
            {
                domain = null;
                owner = -1;
                return false;
            }

            candidate = candidate[(dot + 1)..];
        }
    }
}
