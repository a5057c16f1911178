using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Musubi.Benchmarks.Ledger;
using Musubi.Stix.Reading;
using Musubi.Stix.Validation;

namespace Musubi.Benchmarks.Taxii;

/// <summary>
/// TAXII 2.1 "add objects" (POST …/collections/organisation/objects/) of one envelope of 10,000 new indicators through
/// the real HTTP pipeline (TestServer: routing, token authentication, content negotiation, the TAXII endpoint,
/// <c>StixImporter</c>'s one transaction with its audit and ledger entry). SQLite by default (a file in a temporary
/// folder, WAL); PostgreSQL when <c>MUSUBI_BENCH_TAXII_PG</c> holds a connection string. Every figure is per object.
/// The baseline is the same envelope only read and validated (what any server must do before storing).
/// </summary>
[Config(typeof(InProcessShortRun))]
[MemoryDiagnoser]
[OperationsPerSecond]
public class TaxiiPostBenchmarks
{
    public const string PostgresVariable = "MUSUBI_BENCH_TAXII_PG";
    private const int Objects = 10_000;
    private string folder = null!;
    private WebApplicationFactory<Musubi.Server.Ui.Loc> factory = null!;
    private HttpClient client = null!;
    private byte[] envelope = null!;

    [GlobalSetup]
    public void Setup()
    {
        folder = Directory.CreateTempSubdirectory("musubi-taxii-bench-").FullName;
        var pg = Environment.GetEnvironmentVariable(PostgresVariable);
        (factory, client) = StartServer(folder, pg);
        Console.WriteLine($"// TAXII POST benchmark on {(pg is null ? "SQLite " + folder : "PostgreSQL")}");
    }

    /// <summary>The server on SQLite in <paramref name="folder"/> (or on PostgreSQL), and a client signed in as the admin.</summary>
    public static (WebApplicationFactory<Musubi.Server.Ui.Loc> Factory, HttpClient Client) StartServer(string folder, string? pg)
    {
        // WebApplicationFactory looks for the server's content root beside a solution file; name it (static files, no .slnx walk).
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !Directory.Exists(Path.Combine(root.FullName, "src", "Musubi.Server")))
        {
            root = root.Parent;
        }

        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_MUSUBI_SERVER",
            Path.Combine(root?.FullName ?? throw new InvalidOperationException("run from inside the repository"), "src", "Musubi.Server"));
        var factory = new WebApplicationFactory<Musubi.Server.Ui.Loc>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Musubi:Database:Provider", pg is null ? "sqlite" : "postgres");
            b.UseSetting("Musubi:Database:ConnectionString", pg ?? $"Data Source={Path.Combine(folder, "musubi.db")}");
            b.UseSetting("MUSUBI_ADMIN_PASSWORD", "benchmark-root-passphrase");
            b.UseSetting("MUSUBI_DATA", folder);
            b.UseSetting("Musubi:Detection:Enabled", "false");
            b.UseSetting("Logging:LogLevel:Default", "Warning");
        });
        var client = factory.CreateClient();
        var signIn = client.PostAsJsonAsync("/api/v1/auth/sign-in", new { userName = "admin", password = "benchmark-root-passphrase" }).GetAwaiter().GetResult();
        signIn.EnsureSuccessStatusCode();
        var token = signIn.Content.ReadFromJsonAsync<JsonElement>().GetAwaiter().GetResult().GetProperty("token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        client.DefaultRequestHeaders.Accept.ParseAdd("application/taxii+json;version=2.1");
        return (factory, client);
    }

    /// <summary>POSTs <paramref name="envelope"/> to the organisation collection; throws unless 202 with every object a success.</summary>
    public static async Task PostAsync(HttpClient client, byte[] envelope, int expected)
    {
        using var content = new ByteArrayContent(envelope);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/taxii+json;version=2.1");
        using var response = await client.PostAsync("/taxii2/api/collections/organisation/objects/", content);
        var status = await response.Content.ReadFromJsonAsync<JsonElement>();
        if ((int)response.StatusCode != 202 || status.GetProperty("success_count").GetInt32() != expected)
        {
            throw new InvalidOperationException($"POST answered {(int)response.StatusCode}: {status}");
        }
    }

    [IterationSetup]
    public void NewEnvelope() => envelope = Envelope(Objects);

    /// <summary>An envelope of <paramref name="count"/> indicators never stored before (fresh ids and values).</summary>
    public static byte[] Envelope(int count)
    {
        var sb = new StringBuilder(count * 420);
        sb.Append("{\"objects\":[");
        var run = Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append("{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--").Append(Guid.NewGuid())
                .Append("\",\"created\":\"2026-03-01T00:00:00.000Z\",\"modified\":\"2026-03-01T00:00:00.000Z\",\"name\":\"bench ")
                .Append(i).Append("\",\"indicator_types\":[\"malicious-activity\"],\"pattern\":\"[domain-name:value = 'h")
                .Append(i).Append('-').Append(run).Append(".example.net']\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-03-01T00:00:00Z\",\"labels\":[\"bench\"]}");
        }

        sb.Append("]}");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    [GlobalCleanup]
    public void Cleanup()
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

    [Benchmark(Baseline = true, OperationsPerInvoke = Objects, Description = "read + validate the envelope only, per object")]
    public int ReadAndValidate()
    {
        var document = StixReader.Read(envelope, new StixReadLimits(64L * 1024 * 1024, 64, 100_000), envelope: true);
        return StixValidator.Validate(document.Objects).Count;
    }

    [Benchmark(OperationsPerInvoke = Objects, Description = "TAXII POST of 10,000 objects, stored, per object")]
    public async Task<int> Post()
    {
        await PostAsync(client, envelope, Objects);
        return Objects;
    }
}
