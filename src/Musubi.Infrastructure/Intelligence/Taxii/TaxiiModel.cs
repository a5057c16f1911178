using Musubi.Core.Sharing;

namespace Musubi.Infrastructure.Intelligence.Taxii;

public enum TaxiiCollectionKind
{
    /// <summary>Everything the principal may see (read only).</summary>
    Visible,
    /// <summary>TLP:CLEAR objects; writing publishes at TLP:CLEAR.</summary>
    Clear,
    /// <summary>What the principal's organisation published; writing publishes at TLP:AMBER with no wider scope.</summary>
    Organisation,
    /// <summary>Objects scoped to one community the organisation belongs to; writing publishes at TLP:GREEN to it.</summary>
    Community,
    /// <summary>The organisation's open infected hosts from notification feeds (read only; Feeds/Tracking/InfectedHostTaxii).</summary>
    InfectedHosts,
}

/// <summary>A TAXII 2.1 collection (§5.2.1) as one principal sees it.</summary>
public sealed record TaxiiCollection(
    Guid Id, string Title, string Description, string Alias, bool CanRead, bool CanWrite, TaxiiCollectionKind Kind, Guid? CommunityId)
{
    public const string MediaType = "application/stix+json;version=2.1";

    /// <summary>What an object posted here is published with (its own TLP 2.0 marking may raise the TLP).</summary>
    public PublishOptions PublishOptions => Kind switch
    {
        TaxiiCollectionKind.Clear => new PublishOptions(Tlp.Clear),
        TaxiiCollectionKind.Organisation => new PublishOptions(Tlp.Amber),
        TaxiiCollectionKind.Community => new PublishOptions(Tlp.Green, [CommunityId!.Value]),
        _ => throw new InvalidOperationException("this collection is read only"),
    };
}

/// <summary>match[version] (TAXII 2.1 §3.4.1): last (the default), first, all, or exact versions (as STIX version keys).</summary>
public sealed record TaxiiVersions(bool All, bool First, bool Last, IReadOnlySet<string> Exact)
{
    public static readonly TaxiiVersions LastOnly = new(false, false, true, new HashSet<string>());
    public static readonly TaxiiVersions Every = new(true, false, false, new HashSet<string>());
}

/// <summary>The filters of a TAXII request (§3.4, §3.5). <see cref="Next"/> is the opaque cursor from an earlier page.</summary>
public sealed record TaxiiFilter(
    DateTimeOffset? AddedAfter = null, int? Limit = null, TaxiiCursor? Next = null, IReadOnlyList<string>? Ids = null,
    IReadOnlyList<string>? Types = null, TaxiiVersions? Versions = null, IReadOnlyList<string>? SpecVersions = null);

/// <summary>
/// Where a page ended: the last returned row's date_added and row number. Rows are served in (date_added, row) order,
/// so a cursor is stable while other rows are added: the next page starts exactly after the last row served.
/// </summary>
public readonly record struct TaxiiCursor(DateTimeOffset DateAdded, long Row)
{
    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, DateAdded.UtcTicks);
        BitConverter.TryWriteBytes(bytes[8..], Row);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static bool TryDecode(string text, out TaxiiCursor cursor)
    {
        cursor = default;
        if (text.Length != 22)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        var b64 = text.Replace('-', '+').Replace('_', '/') + "==";
        if (!Convert.TryFromBase64String(b64, bytes, out var n) || n != 16)
        {
            return false;
        }

        var ticks = BitConverter.ToInt64(bytes);
        var row = BitConverter.ToInt64(bytes[8..]);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks || row < 0)
        {
            return false;
        }

        cursor = new TaxiiCursor(new DateTimeOffset(ticks, TimeSpan.Zero), row);
        return true;
    }
}

public sealed record TaxiiPage(IReadOnlyList<StixObjectView> Items, bool More, string? Next);

public sealed record TaxiiStatusDetail(string Id, string Version, string? Message);

/// <summary>The status resource of TAXII 2.1 §4.3.1. Adding is processed before the answer, so it is always complete.</summary>
public sealed record TaxiiStatus(
    Guid Id, string Status, DateTimeOffset RequestTimestamp, int TotalCount, int SuccessCount, IReadOnlyList<TaxiiStatusDetail> Successes,
    int FailureCount, IReadOnlyList<TaxiiStatusDetail> Failures, int PendingCount);

/// <summary>A TAXII error (§3.6.1) with its HTTP status; the server writes it as a TAXII error message.</summary>
public sealed class TaxiiException(int httpStatus, string title, string description, string code) : Exception(description)
{
    public int HttpStatus { get; } = httpStatus;
    public string Title { get; } = title;
    public string Code { get; } = code;

    public static TaxiiException BadRequest(string description) => new(400, "Bad request", description, "bad-request");
    public static TaxiiException NotFound(string description) => new(404, "Not found", description, "not-found");
    public static TaxiiException Forbidden(string description) => new(403, "Forbidden", description, "forbidden");
    public static TaxiiException TooLarge(string description) => new(413, "Request too large", description, "too-large");
    public static TaxiiException Unprocessable(string description) => new(422, "Unprocessable content", description, "unprocessable");
}
