using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Core.Identity;
using Musubi.Core.Sharing;
using Musubi.Infrastructure;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;
using Musubi.Infrastructure.Intelligence;
using Musubi.Infrastructure.Intelligence.Taxii;
using Musubi.Stix.Reading;
using Musubi.Stix.Validation;

namespace Musubi.Benchmarks.Taxii;

/// <summary>
/// A Stopwatch breakdown of TAXII add objects (not BenchmarkDotNet). Each round, on fresh envelopes of the same shape as
/// <see cref="TaxiiPostBenchmarks"/>, in the same database: the read + validate baseline; the whole POST through HTTP;
/// and the import's stages done one after the other as <c>StixImporter</c> and <c>TaxiiService</c> do them, each lap
/// timed (rows: terms and pattern parse; version pre-read; bulk insert; audit + ledger + commit; status JSON and its
/// row). Rounds alternate so every figure sees the same load; ratios are to the baseline of the same round. The last
/// column per round is the POST figure, to show whether it grows with the database.
/// <c>dotnet bench/Musubi.Benchmarks/bin/Release/net10.0/Musubi.Benchmarks.dll taxii-post-profile [rounds] [objects]</c>
/// (<c>MUSUBI_BENCH_TAXII_PG</c> for PostgreSQL, as the benchmark).
/// </summary>
public static class TaxiiPostProfile
{
    private static readonly string[] Laps =
    [
        "read + validate (baseline)", "rows (terms, pattern parse)", "begin + version pre-read", "bulk insert",
        "audit + ledger + commit", "status JSON + its row", "sum of the stages", "HTTP POST (all)",
    ];

    public static int Run(string[] args)
    {
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        var count = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10_000;
        var folder = Directory.CreateTempSubdirectory("musubi-taxii-profile-").FullName;
        var pg = Environment.GetEnvironmentVariable(TaxiiPostBenchmarks.PostgresVariable);
        var (factory, client) = TaxiiPostBenchmarks.StartServer(folder, pg);
        try
        {
            Console.WriteLine($"TAXII POST profile, {count} objects per envelope, {rounds} rounds (+1 warm-up), {(pg is null ? "SQLite" : "PostgreSQL")}");
            Guid organisation;
            using (var scope = factory.Services.CreateScope())
            {
                organisation = scope.ServiceProvider.GetRequiredService<MusubiDbContext>().Organisations.AsNoTracking()
                    .OrderBy(o => o.Name).Select(o => o.Id).First();
            }

            var actor = new Actor(Guid.NewGuid(), "profile", organisation, Role.OrgAdmin);
            var sums = new double[Laps.Length];
            var baseline = 0.0;
            var curve = new List<string>();
            for (var round = 0; round <= rounds; round++)
            {
                var laps = Pieces(factory.Services, actor, TaxiiPostBenchmarks.Envelope(count), count);
                var post = TaxiiPostBenchmarks.Envelope(count);
                var watch = Stopwatch.StartNew();
                TaxiiPostBenchmarks.PostAsync(client, post, count).GetAwaiter().GetResult();
                laps[^1] = watch.Elapsed.TotalMicroseconds / count;
                laps[^2] = laps[..^2].Sum();
                if (round == 0)
                {
                    continue; // warm-up
                }

                curve.Add(laps[^1].ToString("0.0", CultureInfo.InvariantCulture));
                for (var i = 0; i < laps.Length; i++)
                {
                    sums[i] += laps[i];
                }

                baseline += laps[0];
            }

            Console.WriteLine($"{"stage",-30} {"µs/object",10} {"× baseline",10}");
            for (var i = 0; i < Laps.Length; i++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Laps[i],-30} {sums[i] / rounds,10:0.0} {sums[i] / baseline,10:0.00}"));
            }

            var postMean = sums[^1] / rounds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"POST mean {postMean:0.0} µs/object = {1e6 / postMean:#,0} objects/s; per round (database growing by {2 * count} objects each): {string.Join(" ", curve)}"));
            if (pg is null)
            {
                Console.WriteLine($"database file {new FileInfo(Path.Combine(folder, "musubi.db")).Length / 1024 / 1024} MiB");
            }

            return 0;
        }
        finally
        {
            client.Dispose();
            factory.Dispose();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The import's stages done in order on one envelope, each lap in µs per object (the last two slots left for the caller).</summary>
    private static double[] Pieces(IServiceProvider services, Actor actor, byte[] envelope, int count)
    {
        var laps = new double[Laps.Length];
        var watch = Stopwatch.StartNew();
        var document = StixReader.Read(envelope, TaxiiService.Limits, envelope: true);
        if (StixValidator.Validate(document.Objects).Count != 0)
        {
            throw new InvalidOperationException("the bench envelope is invalid");
        }

        laps[0] = Lap(watch, count);
        var options = new PublishOptions(Tlp.Amber, Organisations: [actor.OrganisationId]);
        var now = DateTimeOffset.UtcNow;
        var rows = document.Objects.Select(o => StixRows.ToEntity(o, options, actor.OrganisationId, now)).ToList();
        foreach (var r in rows)
        {
            r.IsLatest = true;
        }

        laps[1] = Lap(watch, count);
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
        using (var transaction = db.Database.BeginTransaction())
        {
            StixVersionLocks.LockAsync(db, rows.Select(r => r.StixId), default).GetAwaiter().GetResult();
            var found = StixBulkWriter.ReadVersionsAsync(db, rows.Select(r => r.StixId).ToList(), default).GetAwaiter().GetResult().Count;
            if (found != 0)
            {
                throw new InvalidOperationException("fresh ids found stored");
            }

            laps[2] = Lap(watch, count);
            StixBulkWriter.InsertAsync(db, rows, default).GetAwaiter().GetResult();
            laps[3] = Lap(watch, count);
            audit.Record(actor, "taxii.add", "stix-bundle", rows[0].StixId, actor.OrganisationId, null, new
            {
                options.Tlp,
                Stored = rows.Select(r => $"{r.StixId}@{r.Modified}").Take(1000).ToList(),
                Duplicates = 0,
                Failed = new List<string>(),
            });
            db.SaveChanges();
            transaction.Commit();
            laps[4] = Lap(watch, count);
        }

        var details = rows.Select(r => new TaxiiStatusDetail(r.StixId, r.Modified ?? "", "stored")).ToList();
        var status = new TaxiiStatus(Guid.NewGuid(), "complete", now, count, count, details, 0, [], 0);
        db.TaxiiStatuses.Add(new TaxiiStatusEntity
        {
            Id = status.Id, OrganisationId = actor.OrganisationId, UserId = actor.UserId, CollectionId = Guid.Empty,
            RequestTimestamp = now, Json = JsonSerializer.Serialize(status, MusubiJson.Options),
        });
        db.SaveChanges();
        laps[5] = Lap(watch, count);
        return laps;
    }

    private static double Lap(Stopwatch watch, int count)
    {
        var us = watch.Elapsed.TotalMicroseconds / count;
        watch.Restart();
        return us;
    }
}
