using Musubi.Core.Networks;
using Musubi.Feeds.Events;

namespace Musubi.Feeds.Pipeline;

/// <summary>
/// Adds what the feed did not say: the owning organisation (from the constituency's <see cref="NetworkOwnershipIndex"/>,
/// most specific block wins), the origin ASN and the country (from the <see cref="RoutingTable"/>). A value the
/// feed gave is kept. No allocation per event.
/// </summary>
public sealed class Enricher(NetworkOwnershipIndex? ownership, RoutingTable routing)
{
    public void Enrich(ref FeedEvent e)
    {
        if (e.Source.IsEmpty)
        {
            return;
        }

        if (ownership is not null)
        {
            e.Owner = e.Source.IsV4 ? ownership.LookupV4((uint)e.Source.Value) : ownership.LookupV6(e.Source.Value);
        }

        if (e.SourceAsn == 0)
        {
            e.SourceAsn = routing.AsnOf(e.Source);
        }

        if (e.SourceCountry == 0)
        {
            ushort country = routing.CountryOf(e.Source);
            e.SourceCountry = country != 0 ? country : routing.CountryOfAsn(e.SourceAsn);
        }
    }
}
