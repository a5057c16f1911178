using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Cli.Hosting;
using Musubi.Infrastructure;
using Musubi.Infrastructure.Feeds;

namespace Musubi.Cli.Commands;

/// <summary>
/// `musubi feed submit FILE --source NAME [--server URL --token T]`: a feed file into the durable pipeline, as an
/// upload to the source would. Without <c>--server</c> the file is stored and queued in the database directly (the
/// same <see cref="FeedIntake"/> as the server; a running server's worker, or the next one started, processes it);
/// with <c>--server</c> it is POSTed to <c>/api/v1/feeds/{source}/files</c> with an API token (default
/// MUSUBI_TOKEN). Exit 0 accepted, 1 refused or failed, 2 malformed command line.
/// `musubi feed prefix-table import FILE --kind pyasn|rir` replaces a prefix table the same way.
/// </summary>
internal static class FeedSubmitCommand
{
    public static Command Submit(CliEnvironment env, GlobalOptions global)
    {
        var file = new Argument<string>("FILE") { Description = "The feed file" };
        var source = new Option<string>("--source") { Description = "The feed source it belongs to", HelpName = "NAME", Required = true };
        var server = new Option<string?>("--server") { Description = "Send to this Musubi server over HTTP instead of writing to the database", HelpName = "URL" };
        var token = new Option<string?>("--token") { Description = "An API token (msb_…) with constituency:write, with --server (default: MUSUBI_TOKEN)", HelpName = "T" };
        var command = new Command("submit", "Submit a feed file to a source: stored and queued for the pipeline (parse, de-duplicate, enrich, route, report)")
        {
            file, source, server, token,
        };
        command.SetAction((parse, ct) => CliRun.RunAsync(env, "feed submit", async () =>
        {
            var path = parse.GetValue(file)!;
            var name = parse.GetValue(source)!;
            var (baseUri, secret) = ServerTarget(env, parse, server, token);

            var data = await ReadAsync(path, new FeedOptions().MaxFileBytes, ct);
            FeedFileDto accepted;
            if (baseUri is not null)
            {
                accepted = await PostAsync(baseUri, secret!, $"/api/v1/feeds/{Uri.EscapeDataString(name)}/files?name={Uri.EscapeDataString(Path.GetFileName(path))}", HttpMethod.Post, data, ct)
                    is { } json ? JsonSerializer.Deserialize<FeedFileDto>(json, MusubiJson.Options)! : throw new CliFailureException("empty answer");
            }
            else
            {
                await using var session = await CliSession.OpenAsync(env, global, parse, ct);
                env.Output.WriteLine($"Database: {session.Database}");
                accepted = await session.RunAsync(sp => sp.GetRequiredService<FeedIntake>().SubmitAsync(session.Actor, name, Path.GetFileName(path), data, ct));
            }

            env.Output.WriteLine($"Accepted {path} for source '{name}': file {accepted.Id}, {accepted.Length} bytes, SHA-256 {accepted.Sha256}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>
    /// `musubi feed run --source NAME [--server URL --token T]`: "run now" for a scheduled source (folder, http,
    /// detections, taxii, darknet), through the scheduler's collector. Exit 0 when the collection ran, 1 when it failed
    /// or the source cannot run (upload source, disabled, unknown), 2 malformed command line.
    /// </summary>
    public static Command Run(CliEnvironment env, GlobalOptions global)
    {
        var source = new Option<string>("--source") { Description = "The feed source to collect now", HelpName = "NAME", Required = true };
        var server = new Option<string?>("--server") { Description = "Ask this Musubi server to run it instead of running it here", HelpName = "URL" };
        var token = new Option<string?>("--token") { Description = "An API token (msb_…) with constituency:write, with --server (default: MUSUBI_TOKEN)", HelpName = "T" };
        var command = new Command("run", "Run a scheduled feed source now (folder, http, detections, taxii, darknet): one collection through the scheduler's collector")
        {
            source, server, token,
        };
        command.SetAction((parse, ct) => CliRun.RunAsync(env, "feed run", async () =>
        {
            var name = parse.GetValue(source)!;
            var (baseUri, secret) = ServerTarget(env, parse, server, token);

            FeedRunResult result;
            if (baseUri is not null)
            {
                using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(10) };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
                var list = await http.GetAsync("/api/v1/feeds/sources", ct);
                if (!list.IsSuccessStatusCode)
                {
                    throw new CliFailureException($"the server answered {(int)list.StatusCode} to GET /api/v1/feeds/sources");
                }

                var sources = JsonSerializer.Deserialize<FeedSourceDto[]>(await list.Content.ReadAsStringAsync(ct), MusubiJson.Options)!;
                var id = sources.FirstOrDefault(s => s.Name == name)?.Id ?? throw new CliFailureException($"feed source '{name}' was not found");
                var json = await PostAsync(baseUri, secret!, $"/api/v1/feeds/sources/{id}/run", HttpMethod.Post, [], ct);
                result = JsonSerializer.Deserialize<FeedRunResult>(json!, MusubiJson.Options)!;
            }
            else
            {
                await using var session = await CliSession.OpenAsync(env, global, parse, ct);
                env.Output.WriteLine($"Database: {session.Database}");
                result = await session.RunAsync(async sp =>
                {
                    var found = (await sp.GetRequiredService<FeedConfigService>().ListSourcesAsync(session.Actor, ct)).FirstOrDefault(s => s.Name == name)
                        ?? throw new CliFailureException($"feed source '{name}' was not found");
                    return await sp.GetRequiredService<FeedCollectors>().RunNowAsync(session.Actor, found.Id, ct);
                });
            }

            if (result.Error is { } error)
            {
                throw new CliFailureException($"feed source '{name}': the collection failed: {error}");
            }

            env.Output.WriteLine($"Ran feed source '{name}' ({result.Source.Collector}): {result.Files} files accepted");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command PrefixTable(CliEnvironment env, GlobalOptions global)
    {
        var file = new Argument<string>("FILE") { Description = "pyasn ipasn.dat, or an RIR delegated-stats file" };
        var kind = new Option<string>("--kind") { Description = "pyasn or rir", Required = true }.AcceptOnlyFromAmong("pyasn", "rir");
        var server = new Option<string?>("--server") { Description = "Send to this Musubi server over HTTP instead of writing to the database", HelpName = "URL" };
        var token = new Option<string?>("--token") { Description = "An API token with constituency:write, with --server (default: MUSUBI_TOKEN)", HelpName = "T" };
        var import = new Command("import", "Replace the prefix table used to enrich feed events with the origin ASN (pyasn) or the country (rir)")
        {
            file, kind, server, token,
        };
        import.SetAction((parse, ct) => CliRun.RunAsync(env, "feed prefix-table import", async () =>
        {
            var path = parse.GetValue(file)!;
            var baseUri = ServerUri(parse.GetValue(server));
            var secret = parse.GetValue(token) ?? env.Variables.GetValueOrDefault("MUSUBI_TOKEN");
            if (baseUri is not null && string.IsNullOrWhiteSpace(secret))
            {
                throw new UsageException("--server needs --token (or MUSUBI_TOKEN)");
            }

            var data = await ReadAsync(path, FeedConfigService.MaxPrefixTableBytes, ct);
            FeedPrefixTableDto table;
            if (baseUri is not null)
            {
                var json = await PostAsync(baseUri, secret!, $"/api/v1/feeds/prefix-tables/{parse.GetValue(kind)}?fileName={Uri.EscapeDataString(Path.GetFileName(path))}", HttpMethod.Put, data, ct);
                table = JsonSerializer.Deserialize<FeedPrefixTableDto>(json!, MusubiJson.Options)!;
            }
            else
            {
                await using var session = await CliSession.OpenAsync(env, global, parse, ct);
                env.Output.WriteLine($"Database: {session.Database}");
                try
                {
                    table = await session.RunAsync(sp => sp.GetRequiredService<FeedConfigService>().ImportPrefixTableAsync(session.Actor, parse.GetValue(kind)!, path, data, ct));
                }
                catch (Musubi.Core.ValidationFailedException e)
                {
                    foreach (var line in e.Errors.SelectMany(x => x.Value))
                    {
                        env.Error.WriteLine(line);
                    }

                    throw new CliFailureException($"{path}: not imported (nothing was changed)");
                }
            }

            env.Output.WriteLine($"Imported {table.Prefixes} prefixes from {path} as the {table.Kind} table");
            return ExitCodes.Ok;
        }));
        var command = new Command("prefix-table", "The prefix tables for feed enrichment");
        command.Subcommands.Add(import);
        return command;
    }

    /// <summary>The server and token of a command that can go over HTTP (--server, --token or MUSUBI_TOKEN), checked together.</summary>
    private static (Uri? BaseUri, string? Secret) ServerTarget(CliEnvironment env, ParseResult parse, Option<string?> server, Option<string?> token)
    {
        var baseUri = ServerUri(parse.GetValue(server));
        var secret = parse.GetValue(token) ?? env.Variables.GetValueOrDefault("MUSUBI_TOKEN");
        if (baseUri is not null && string.IsNullOrWhiteSpace(secret))
        {
            throw new UsageException("--server needs --token (or MUSUBI_TOKEN): an API token with constituency:write");
        }

        if (baseUri is null && parse.GetValue(token) is not null)
        {
            throw new UsageException("--token is only used with --server");
        }

        return (baseUri, secret);
    }

    private static Uri? ServerUri(string? url)
    {
        if (url is null)
        {
            return null;
        }

        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new UsageException($"--server '{url}' is not an http(s) URL");
    }

    private static async Task<byte[]> ReadAsync(string path, long max, CancellationToken ct)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new CliFailureException($"{path}: no such file");
        }

        if (info.Length > max)
        {
            throw new CliFailureException($"{path}: {info.Length} bytes is more than the limit of {max} bytes");
        }

        return await File.ReadAllBytesAsync(path, ct);
    }

    private static async Task<string?> PostAsync(Uri server, string token, string path, HttpMethod method, byte[] data, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var content = new ByteArrayContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await http.SendAsync(new HttpRequestMessage(method, path) { Content = content }, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.IsSuccessStatusCode)
        {
            return text;
        }

        var detail = text;
        try
        {
            using var problem = JsonDocument.Parse(text);
            detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? text
                : problem.RootElement.TryGetProperty("errors", out var errors) ? errors.ToString() : text;
        }
        catch (JsonException)
        {
            // not problem+json: show the text
        }

        throw new CliFailureException(response.StatusCode == HttpStatusCode.Unauthorized
            ? "the server refused the token (401)"
            : $"the server answered {(int)response.StatusCode}: {detail}");
    }
}
