using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Musubi.Core.Constituency;
using Musubi.Core.Feeds;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Intelligence;
using Musubi.Infrastructure.Intelligence.Taxii;
using Musubi.Stix.Model;

namespace Musubi.Infrastructure.Feeds.Tracking;

/// <summary>
/// The per-recipient TAXII 2.1 collection "infected-hosts" (docs/NOTIFICATION.md): an organisation's open infected hosts
/// as an <c>ipv4-addr</c>/<c>ipv6-addr</c> SCO plus an <c>observed-data</c> (first/last observed, times reported, type,
/// malware, last ticket) each, created by the national centre and marked TLP:AMBER for that organisation only. Each
/// object passes <see cref="AccessPolicy.MaySee"/> with that marking before it is served. Paged by (date_added, row).
/// </summary>
public sealed class InfectedHostTaxii(MusubiDbContext db, IntelligencePrincipals principals)
{
    public const string Alias = "infected-hosts";
    private static readonly Guid CollectionNamespace = Guid.Parse("7d0c1f9e-3c52-4d8f-a1f4-6e3b2c9a0b11");
    private static readonly Guid StixScoNamespace = Guid.Parse("00abedb4-aa42-466c-9c01-fed23315a9b7");

    /// <summary>The collection's id for one organisation: stable, and different for every organisation.</summary>
    public static Guid CollectionId(Guid organisation) => NameUuid(CollectionNamespace, "infected-hosts|" + organisation.ToString("D"));

    /// <summary>The collection when the actor's organisation is a recipient (has tracked hosts or reports), else null.</summary>
    public async Task<TaxiiCollection?> CollectionForAsync(Actor actor, CancellationToken ct)
    {
        var org = actor.OrganisationId;
        if (org == Guid.Empty || !(await db.Set<TrackedReportEntity>().AnyAsync(t => t.OrganisationId == org, ct)
                                   || await db.Set<InfectedHostEntity>().AnyAsync(h => h.OrganisationId == org, ct)))
        {
            return null;
        }

        return new TaxiiCollection(CollectionId(org), "Infected hosts in my networks",
            "Your organisation's open infected hosts from the national centre's notification feeds (TLP:AMBER, your organisation only): an address SCO and an observed-data each.",
            Alias, AccessRules.CanReadIntelligence(actor), false,
            TaxiiCollectionKind.InfectedHosts, null);
    }

    public async Task<TaxiiPage> PageAsync(Actor actor, TaxiiFilter filter, CancellationToken ct)
    {
        var limit = Math.Clamp(filter.Limit ?? TaxiiService.MaxPage, 1, TaxiiService.MaxPage);
        if (filter.SpecVersions is { Count: > 0 } sv && !sv.Contains("2.1"))
        {
            return new TaxiiPage([], false, null);
        }

        var principal = await principals.ForAsync(actor, ct);
        var centre = await db.Organisations.AsNoTracking().Where(o => o.Kind == OrganisationKind.NationalCentre).Select(o => o.Id).FirstOrDefaultAsync(ct);
        var org = actor.OrganisationId;
        var query = db.Set<InfectedHostEntity>().AsNoTracking().Where(h => h.OrganisationId == org && h.State == InfectedHostState.Open);
        if (filter.AddedAfter is { } after)
        {
            query = query.Where(h => h.UpdatedAt > after);
        }

        var items = new List<(StixObjectView View, TaxiiCursor Cursor)>();
        var position = filter.Next;
        while (items.Count <= limit)
        {
            var q = query;
            if (position is { } p)
            {
                var (d, hostId) = (p.DateAdded, p.Row / 2);
                q = q.Where(h => h.UpdatedAt > d || (h.UpdatedAt == d && h.Id >= hostId));
            }

            var hosts = await q.OrderBy(h => h.UpdatedAt).ThenBy(h => h.Id).Take(500).ToListAsync(ct);
            foreach (var h in hosts)
            {
                var marking = new ObjectMarking(Tlp.Amber, centre, SharingScope.Of(organisations: h.OrganisationId is { } o ? [o] : []));
                if (!AccessPolicy.MaySee(principal, marking).Allowed)
                {
                    continue;
                }

                var (sco, observed) = Objects(h, centre);
                for (var k = 0; k < 2; k++)
                {
                    var row = h.Id * 2 + k;
                    if (position is { } at && h.UpdatedAt == at.DateAdded && row <= at.Row)
                    {
                        continue;
                    }

                    var view = k == 0 ? sco : observed;
                    if ((filter.Types is { Count: > 0 } types && !types.Contains(view.Type)) || (filter.Ids is { Count: > 0 } ids && !ids.Contains(view.Id)))
                    {
                        continue;
                    }

                    items.Add((view, new TaxiiCursor(h.UpdatedAt, row)));
                }
            }

            if (hosts.Count < 500)
            {
                break;
            }

            position = new TaxiiCursor(hosts[^1].UpdatedAt, hosts[^1].Id * 2 + 1);
        }

        if (items.Count > limit)
        {
            return new TaxiiPage(items.Take(limit).Select(i => i.View).ToList(), true, items[limit - 1].Cursor.Encode());
        }

        return new TaxiiPage(items.Select(i => i.View).ToList(), false, null);
    }

    private static (StixObjectView Sco, StixObjectView Observed) Objects(InfectedHostEntity h, Guid centre)
    {
        var type = h.Address.Contains(':') ? "ipv6-addr" : "ipv4-addr";
        var scoId = $"{type}--{NameUuid(StixScoNamespace, JsonSerializer.Serialize(new { value = h.Address }))}";
        var sco = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["type"] = type, ["spec_version"] = "2.1", ["id"] = scoId, ["value"] = h.Address, ["object_marking_refs"] = new[] { TlpMarkings.AmberId },
        });
        var observedId = "observed-data--" + NameUuid(CollectionNamespace, $"host|{h.RecipientId}|{h.Address}|{h.Type}|{h.Malware}");
        var created = h.FirstSeen;
        var modified = h.UpdatedAt > created ? h.UpdatedAt : created;
        var observed = new Dictionary<string, object>
        {
            ["type"] = "observed-data", ["spec_version"] = "2.1", ["id"] = observedId,
            ["created_by_ref"] = "identity--" + centre.ToString("D"),
            ["created"] = StixTimes.Format(created), ["modified"] = StixTimes.Format(modified),
            ["first_observed"] = StixTimes.Format(h.FirstSeen), ["last_observed"] = StixTimes.Format(h.LastSeen),
            ["number_observed"] = Math.Max(1, h.TimesReported), ["object_refs"] = new[] { scoId },
            ["labels"] = h.Malware.Length > 0 ? new[] { h.Type, h.Malware } : new[] { h.Type },
            ["x_musubi_classification_taxonomy"] = h.Taxonomy, ["x_musubi_classification_type"] = h.Type,
            ["x_musubi_last_ticket"] = h.LastTicket, ["x_musubi_reinfections"] = h.Reinfections,
            ["object_marking_refs"] = new[] { TlpMarkings.AmberId },
        };
        if (h.Malware.Length > 0)
        {
            observed["x_musubi_malware_name"] = h.Malware;
        }

        return (new StixObjectView(scoId, type, null, h.Address, Tlp.Amber, false, true, h.UpdatedAt, sco),
            new StixObjectView(observedId, "observed-data", StixTimes.Format(modified), h.Address, Tlp.Amber, false, true, h.UpdatedAt, JsonSerializer.Serialize(observed)));
    }

    /// <summary>A name-based (version 5, SHA-1) UUID, RFC 9562 §5.5 — what STIX uses for SCO ids.</summary>
    public static Guid NameUuid(Guid ns, string name)
    {
        var nsBytes = ns.ToByteArray(bigEndian: true);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[nsBytes.Length + nameBytes.Length];
        nsBytes.CopyTo(input, 0);
        nameBytes.CopyTo(input, nsBytes.Length);
#pragma warning disable CA5350 // RFC 9562 version 5 is defined on SHA-1; this is an identifier, not a protection
        var hash = SHA1.HashData(input);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
