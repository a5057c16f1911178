using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Constituency;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Federation;
using Musubi.Infrastructure.Intelligence;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests;

/// <summary>
/// Known defects from session 5, each on SQLite and PostgreSQL: long STIX timestamps, store ids after a deletion, and the
/// federation reader's oversize error type.
/// </summary>
public sealed class StixRobustnessTests(PostgresServer postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static string Indicator(string id, string modified, string value) => $$"""
        {"type":"indicator","spec_version":"2.1","id":"{{id}}","created":"2016-04-06T20:03:48.000Z","modified":"{{modified}}","name":"C2 {{value}}","pattern":"[ipv4-addr:value = '{{value}}']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z"}
        """;

    private static async Task<(TestHost Host, Actor Publisher, PublishOptions Options)> StartAsync(DatabaseProvider provider, PostgresServer postgres)
    {
        var host = await TestHost.StartAsync(provider, postgres);
        var org = await host.CreateOrgAsync(Builders.Org("Publisher CSIRT", OrganisationKind.MinistryAgency));
        return (host, await host.CreateUserAsync(org.Id, Role.Analyst), new PublishOptions(Tlp.Green, []));
    }

    private static async Task<StixImportResult> Import(TestHost host, Actor actor, string json, PublishOptions options)
    {
        var result = await host.Run(sp => sp.GetRequiredService<StixImporter>().ImportAsync(actor, new MemoryStream(Encoding.UTF8.GetBytes(json)), options, None));
        Assert.True(result.Failures.Count == 0, string.Join("; ", result.Failures.Select(f => $"{f.Id}: {string.Join(", ", f.Errors)}")));
        return result;
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_timestamp_with_many_fraction_digits_is_stored_and_read_back_byte_for_byte_with_its_versions(DatabaseProvider provider)
    {
        var (host, publisher, options) = await StartAsync(provider, postgres);
        await using var _ = host;
        const string id = "indicator--0b2c6d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d";
        // STIX 2.1 §3.2: "[.s+]" — one or more sub-second digits, no upper bound. 40 and 60 digits (the latter makes the
        // text 81 characters, longer than the former varchar(64) column on PostgreSQL).
        var forty = "2016-04-06T20:03:48." + new string('1', 40) + "Z";
        var sixty = "2016-04-06T20:03:49." + string.Concat(Enumerable.Repeat("0123456789", 6)) + "Z";
        var older = Indicator(id, forty, "198.51.100.40");
        var newer = Indicator(id, sixty, "198.51.100.60");

        var result = await Import(host, publisher, $$"""{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{{older}},{{newer}}]}""", options);
        Assert.Empty(result.Failures);
        Assert.Equal([StixImportStatus.Stored, StixImportStatus.Stored], result.Successes.Select(s => s.Status));

        var versions = await host.Run(sp => sp.GetRequiredService<StixReadService>().VersionsAsync(publisher, id, None));
        Assert.Equal([sixty, forty], versions.Select(v => v.Version));
        Assert.Equal(newer.Trim(), (await host.Run(sp => sp.GetRequiredService<StixReadService>().GetAsync(publisher, id, null, None))).Raw);
        // A version asked for by its exact text (as the REST API and TAXII's match[version] give it) is found.
        Assert.Equal(older.Trim(), (await host.Run(sp => sp.GetRequiredService<StixReadService>().GetAsync(publisher, id, forty, None))).Raw);
        Assert.Equal(newer.Trim(), (await host.Run(sp => sp.GetRequiredService<StixReadService>().GetAsync(publisher, id, sixty, None))).Raw);

        // The same again is a duplicate (same version key), not a second row.
        var again = await Import(host, publisher, newer, options);
        Assert.Equal(StixImportStatus.Duplicate, Assert.Single(again.Successes).Status);
        await host.Run(async sp => Assert.Equal(2, await sp.GetRequiredService<MusubiDbContext>().StixObjects.CountAsync(o => o.StixId == id)));
    }

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_deleted_highest_store_id_is_never_given_to_the_next_row(DatabaseProvider provider)
    {
        // The push checkpoint is keyed by store id (docs/FEDERATION.md): an id reused after a deletion would sit at or
        // below a checkpoint that already passed it, and the new row would never be pushed.
        var (host, publisher, options) = await StartAsync(provider, postgres);
        await using var _ = host;
        await Import(host, publisher, Indicator("indicator--11111111-1111-4111-8111-111111111111", "2020-01-01T00:00:00.000Z", "198.51.100.1"), options);
        await Import(host, publisher, Indicator("indicator--22222222-2222-4222-8222-222222222222", "2020-01-01T00:00:00.000Z", "198.51.100.2"), options);
        var highest = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().StixObjects.MaxAsync(o => o.Id));
        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            await db.Set<StixTermEntity>().Where(t => t.ObjectId == highest).ExecuteDeleteAsync();
            Assert.Equal(1, await db.StixObjects.Where(o => o.Id == highest).ExecuteDeleteAsync());
        });

        await Import(host, publisher, Indicator("indicator--33333333-3333-4333-8333-333333333333", "2020-01-01T00:00:00.000Z", "198.51.100.3"), options);
        var next = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().StixObjects
            .Where(o => o.StixId == "indicator--33333333-3333-4333-8333-333333333333").Select(o => o.Id).SingleAsync());
        Assert.True(next > highest, $"the new row took id {next}, not above the deleted highest id {highest}");

        // The bulk writer (large envelopes) takes its ids the same way.
        var many = string.Join(",", Enumerable.Range(0, 300).Select(i => Indicator($"indicator--{i:D8}-4444-4444-8444-444444444444", "2020-01-01T00:00:00.000Z", $"203.0.113.{i % 250}")));
        await Import(host, publisher, $$"""{"type":"bundle","id":"bundle--6d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{{many}}]}""", options);
        var top = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().StixObjects.MaxAsync(o => o.Id));
        await host.Run(async sp =>
        {
            var db = sp.GetRequiredService<MusubiDbContext>();
            await db.Set<StixTermEntity>().Where(t => t.ObjectId == top).ExecuteDeleteAsync();
            await db.StixObjects.Where(o => o.Id == top).ExecuteDeleteAsync();
        });
        var more = string.Join(",", Enumerable.Range(0, 300).Select(i => Indicator($"indicator--{i:D8}-5555-4555-8555-555555555555", "2020-01-01T00:00:00.000Z", $"203.0.113.{i % 250}")));
        await Import(host, publisher, $$"""{"type":"bundle","id":"bundle--7d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{{more}}]}""", options);
        var lowestNew = await host.Run(sp => sp.GetRequiredService<MusubiDbContext>().StixObjects
            .Where(o => o.StixId.EndsWith("-5555-4555-8555-555555555555")).MinAsync(o => o.Id));
        Assert.True(lowestNew > top, $"a bulk-written row took id {lowestNew}, not above the deleted highest id {top}");
    }

    [Fact]
    public async Task The_bounded_reader_throws_its_own_type_for_an_oversized_answer_by_length_and_while_reading()
    {
        using var declared = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[11]) };
        declared.RequestMessage = new HttpRequestMessage(HttpMethod.Get, "https://partner.example/feed/e.json");
        var e = await Assert.ThrowsAsync<FederationTooLargeException>(() => FederationRunner.ReadAsync(declared, 10, None));
        Assert.Contains("/feed/e.json: the answer (11 bytes) is larger than the limit of 10 bytes", e.Message, StringComparison.Ordinal);

        // No Content-Length (a chunked answer): refused while reading.
        using var streamed = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new NonSeekable(new byte[200_000])) };
        Assert.Null(streamed.Content.Headers.ContentLength);
        await Assert.ThrowsAsync<FederationTooLargeException>(() => FederationRunner.ReadAsync(streamed, 100_000, None));

        // Within the limit: the body, and other remote errors are not this type.
        using var fine = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[10]) };
        Assert.Equal(10, (await FederationRunner.ReadAsync(fine, 10, None)).Length);
        Assert.IsNotType<FederationTooLargeException>(new FederationRemoteException("x"));
    }

    private sealed class NonSeekable(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
