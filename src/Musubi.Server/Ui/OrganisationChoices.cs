using Musubi.Core.Identity;
using Musubi.Infrastructure.Constituency;

namespace Musubi.Server.Ui;

/// <summary>Every organisation's id and name, for drop-downs and for naming organisations in tables.</summary>
public static class OrganisationChoices
{
    public static async Task<IReadOnlyList<OrganisationSummary>> AllAsync(OrganisationService organisations, Actor actor, CancellationToken ct)
    {
        var all = new List<OrganisationSummary>();
        for (var page = 1; ; page++)
        {
            var batch = await organisations.ListAsync(actor, new OrganisationQuery(Page: page, PageSize: OrganisationService.MaxPageSize), ct);
            all.AddRange(batch.Items);
            if (batch.Items.Count < batch.PageSize || all.Count >= batch.Total)
            {
                return all;
            }
        }
    }
}
