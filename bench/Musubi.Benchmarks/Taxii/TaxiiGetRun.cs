using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Infrastructure.Data;

namespace Musubi.Benchmarks.Taxii;

/// <summary>
/// TAXII 2.1 "get objects" (§5.4) with <c>limit=1000</c> and <c>match[type]=indicator</c> from an organisation
/// collection of 1,000,000 objects (40 % indicators, the rest malware, ipv4-addr and domain-name; 1,000 objects per
/// date_added second), through the real HTTP pipeline (TestServer, bearer token, TAXII content negotiation,
/// <c>TaxiiService</c>'s paging and the access policy per row). Each walk takes the first page and follows
/// <c>next</c> for <see cref="PagesPerWalk"/> pages. Prints p50/p95/p99/max over the measured requests, and the same
/// for the baseline: the page's bare keyset SQL (the rows' raw JSON read by ADO.NET, no HTTP, no policy, no JSON).
/// The SQLite database is filled once by direct inserts and kept in the temporary folder under a version key, so
/// reruns start at once.
/// <code>dotnet bench/Musubi.Benchmarks/bin/Release/net10.0/Musubi.Benchmarks.dll taxii-get [requests=200]</code>
/// </summary>
public static class TaxiiGetRun
{
    /// <summary>Change when the filled data or the schema it needs changes: a new key fills a new database.</summary>
    public const string DataVersion = "taxii-get-v1-1000000";
    private const int Objects = 1_000_000;
    private const int PagesPerWalk = 10;
    private const string Password = "benchmark-root-passphrase";

    public static int Run(string[] args)
    {
        var requests = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var folder = Path.Combine(Path.GetTempPath(), "musubi-" + DataVersion);
        Directory.CreateDirectory(folder);
        var dbPath = Path.Combine(folder, "musubi.db");
        var complete = Path.Combine(folder, "complete");
        if (!File.Exists(complete))
        {
            foreach (var f in Directory.GetFiles(folder))
            {
                File.Delete(f);
            }
        }

        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_MUSUBI_SERVER", ServerContentRoot());
        using var factory = new WebApplicationFactory<Musubi.Server.Ui.Loc>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Musubi:Database:Provider", "sqlite");
            b.UseSetting("Musubi:Database:ConnectionString", $"Data Source={dbPath}");
            b.UseSetting("MUSUBI_ADMIN_PASSWORD", Password);
            b.UseSetting("MUSUBI_DATA", folder);
            b.UseSetting("Musubi:Detection:Enabled", "false");
            b.UseSetting("Logging:LogLevel:Default", "Warning");
        });
        using var client = factory.CreateClient();
        var signIn = client.PostAsJsonAsync("/api/v1/auth/sign-in", new { userName = "admin", password = Password }).GetAwaiter().GetResult();
        signIn.EnsureSuccessStatusCode();
        var token = signIn.Content.ReadFromJsonAsync<JsonElement>().GetAwaiter().GetResult().GetProperty("token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        client.DefaultRequestHeaders.Accept.ParseAdd("application/taxii+json;version=2.1");

        Guid org;
        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MusubiDbContext>();
            org = db.Users.AsNoTracking().Where(u => u.UserName == "admin").Select(u => u.OrganisationId).First();
        }

        var fillWatch = Stopwatch.StartNew();
        if (!File.Exists(complete))
        {
            Fill(dbPath, org);
            File.WriteAllText(complete, DataVersion);
            Console.WriteLine($"// filled {Objects:N0} objects in {fillWatch.Elapsed.TotalSeconds:F1} s into {dbPath}");
        }
        else
        {
            Console.WriteLine($"// reusing {dbPath} ({DataVersion})");
        }

        using var sql = new SqliteConnection($"Data Source={dbPath};Mode=ReadOnly");
        sql.Open();
        var total = Count(sql, "SELECT count(*) FROM stix_objects");
        var indicators = Count(sql, "SELECT count(*) FROM stix_objects WHERE Type = 'indicator'");
        Console.WriteLine($"// collection: {total:N0} objects, {indicators:N0} indicators; {requests} measured requests, walks of {PagesPerWalk} pages");

        var http = Measure(requests, warmup: 20, () => new HttpWalk(client));
        var bare = Measure(requests, warmup: 20, () => new SqlWalk(sql, org));
        Report("TAXII GET objects limit=1000 match[type]=indicator (HTTP)", http);
        Report("baseline: the page's keyset SQL only (ADO.NET)", bare);
        Console.WriteLine($"ratio p95: {Percentile(http, 95) / Percentile(bare, 95):F2}");
        return Percentile(http, 95) < 100 ? 0 : 1;
    }

    private interface IWalk
    {
        /// <summary>Fetches one page; false when the walk is over (no next page or enough pages).</summary>
        bool Next();
    }

    private sealed class HttpWalk(HttpClient client) : IWalk
    {
        private string? _next;
        private int _pages;

        public bool Next()
        {
            var url = "/taxii2/api/collections/organisation/objects/?limit=1000&match[type]=indicator"
                + (_next is null ? "" : "&next=" + Uri.EscapeDataString(_next));
            using var response = client.GetAsync(url).GetAwaiter().GetResult();
            var body = response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
            if ((int)response.StatusCode != 200)
            {
                throw new InvalidOperationException($"GET answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
            }

            using var json = JsonDocument.Parse(body);
            var served = json.RootElement.GetProperty("objects").GetArrayLength();
            if (served != 1000)
            {
                throw new InvalidOperationException($"a page held {served} objects, not 1000");
            }

            _next = json.RootElement.TryGetProperty("next", out var n) ? n.GetString() : null;
            return _next is not null && ++_pages < PagesPerWalk;
        }
    }

    private sealed class SqlWalk(SqliteConnection sql, Guid org) : IWalk
    {
        private long? _date;
        private long _row;
        private int _pages;

        public bool Next()
        {
            using var command = sql.CreateCommand();
            command.CommandText = _date is null
                ? "SELECT Id, DateAdded, Raw FROM stix_objects WHERE CreatorOrganisationId = $o AND Type = 'indicator' AND IsLatest ORDER BY DateAdded, Id LIMIT 1001"
                : "SELECT Id, DateAdded, Raw FROM stix_objects WHERE CreatorOrganisationId = $o AND Type = 'indicator' AND IsLatest AND (DateAdded > $d OR (DateAdded = $d AND Id > $r)) ORDER BY DateAdded, Id LIMIT 1001";
            command.Parameters.AddWithValue("$o", org.ToString().ToUpperInvariant());
            command.Parameters.AddWithValue("$d", _date ?? 0);
            command.Parameters.AddWithValue("$r", _row);
            using var reader = command.ExecuteReader();
            var n = 0;
            long bytes = 0;
            while (reader.Read())
            {
                if (++n <= 1000)
                {
                    _row = reader.GetInt64(0);
                    _date = reader.GetInt64(1);
                    bytes += reader.GetString(2).Length;
                }
            }

            if (n < 1000 || bytes == 0)
            {
                throw new InvalidOperationException($"the bare query found {n} rows");
            }

            return n > 1000 && ++_pages < PagesPerWalk;
        }
    }

    private static List<double> Measure(int requests, int warmup, Func<IWalk> start)
    {
        var times = new List<double>(requests);
        var walk = start();
        for (var i = 0; i < warmup + requests; i++)
        {
            var watch = Stopwatch.StartNew();
            var more = walk.Next();
            var ms = watch.Elapsed.TotalMilliseconds;
            if (i >= warmup)
            {
                times.Add(ms);
            }

            if (!more)
            {
                walk = start();
            }
        }

        return times;
    }

    private static void Report(string name, List<double> times) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: n={times.Count} p50={Percentile(times, 50):F1} ms p95={Percentile(times, 95):F1} ms p99={Percentile(times, 99):F1} ms max={times.Max():F1} ms mean={times.Average():F1} ms"));

    /// <summary>Nearest-rank percentile.</summary>
    private static double Percentile(List<double> times, double p)
    {
        var sorted = times.Order().ToList();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static long Count(SqliteConnection sql, string text)
    {
        using var command = sql.CreateCommand();
        command.CommandText = text;
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>
    /// 1,000,000 rows as the importer stores them (latest versions, TLP:GREEN, one label term each, an indicator-value
    /// term per indicator), 1,000 per date_added second, in one transaction of prepared INSERTs.
    /// </summary>
    private static void Fill(string dbPath, Guid org)
    {
        var toBinary = new DateTimeOffsetToBinaryConverter().ConvertToProviderExpression.Compile();
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var created = toBinary(start);
        var creator = org.ToString().ToUpperInvariant();
        using var connection = new SqliteConnection($"Data Source={dbPath}");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO stix_objects (StixId, Type, VersionKey, Modified, ModifiedAt, CreatedAt, CreatedByRef, Name, Revoked, IsLatest, Tlp,
              CreatorOrganisationId, PublishedToPublicFeed, DateAdded, Raw)
            VALUES ($id, $type, $key, $modified, $at, $at, NULL, $name, 0, 1, 1, $creator, 0, $added, $raw);
            SELECT last_insert_rowid();
            """;
        var pId = insert.Parameters.Add("$id", SqliteType.Text);
        var pType = insert.Parameters.Add("$type", SqliteType.Text);
        var pKey = insert.Parameters.Add("$key", SqliteType.Text);
        var pModified = insert.Parameters.Add("$modified", SqliteType.Text);
        var pAt = insert.Parameters.Add("$at", SqliteType.Integer);
        var pName = insert.Parameters.Add("$name", SqliteType.Text);
        insert.Parameters.AddWithValue("$creator", creator);
        var pAdded = insert.Parameters.Add("$added", SqliteType.Integer);
        var pRaw = insert.Parameters.Add("$raw", SqliteType.Text);
        using var term = connection.CreateCommand();
        term.Transaction = transaction;
        term.CommandText = "INSERT INTO stix_terms (ObjectId, Kind, Value, Path) VALUES ($o, $k, $v, $p)";
        var tObject = term.Parameters.Add("$o", SqliteType.Integer);
        var tKind = term.Parameters.Add("$k", SqliteType.Integer);
        var tValue = term.Parameters.Add("$v", SqliteType.Text);
        var tPath = term.Parameters.Add("$p", SqliteType.Text);
        insert.Prepare();
        term.Prepare();
        for (var i = 0; i < Objects; i++)
        {
            var type = (i % 5) switch { 0 or 1 => "indicator", 2 => "malware", 3 => "ipv4-addr", _ => "domain-name" };
            var id = string.Create(CultureInfo.InvariantCulture, $"{type}--{i:x8}-0000-4000-8000-{i:x12}");
            var versioned = type is "indicator" or "malware";
            var value = type == "ipv4-addr" ? $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}" : $"h{i}.example.net";
            pId.Value = id;
            pType.Value = type;
            pKey.Value = versioned ? "2026-03-01T00:00:00.000000000Z" : "";
            pModified.Value = versioned ? "2026-03-01T00:00:00.000Z" : DBNull.Value;
            pAt.Value = versioned ? created : DBNull.Value;
            pName.Value = versioned ? $"bench {i}" : DBNull.Value;
            pAdded.Value = toBinary(start.AddSeconds(i / 1000));
            pRaw.Value = type switch
            {
                "indicator" => $$"""{"type":"indicator","spec_version":"2.1","id":"{{id}}","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","name":"bench {{i}}","indicator_types":["malicious-activity"],"pattern":"[domain-name:value = '{{value}}']","pattern_type":"stix","valid_from":"2026-03-01T00:00:00Z","labels":["bench"]}""",
                "malware" => $$"""{"type":"malware","spec_version":"2.1","id":"{{id}}","created":"2026-03-01T00:00:00.000Z","modified":"2026-03-01T00:00:00.000Z","name":"bench {{i}}","is_family":false,"labels":["bench"]}""",
                _ => $$"""{"type":"{{type}}","spec_version":"2.1","id":"{{id}}","value":"{{value}}"}""",
            };
            var rowId = (long)insert.ExecuteScalar()!;
            if (versioned)
            {
                tObject.Value = rowId;
                tKind.Value = 1; // Label
                tValue.Value = "bench";
                tPath.Value = DBNull.Value;
                term.ExecuteNonQuery();
            }

            if (type != "malware")
            {
                tObject.Value = rowId;
                tKind.Value = 2; // IndicatorValue
                tValue.Value = value;
                tPath.Value = type == "ipv4-addr" ? "ipv4-addr:value" : "domain-name:value";
                term.ExecuteNonQuery();
            }
        }

        transaction.Commit();
    }

    private static string ServerContentRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !Directory.Exists(Path.Combine(root.FullName, "src", "Musubi.Server")))
        {
            root = root.Parent;
        }

        return Path.Combine(root?.FullName ?? throw new InvalidOperationException("run from inside the repository"), "src", "Musubi.Server");
    }
}
