using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Musubi.Infrastructure.Feeds;
using Musubi.Testing;

namespace Musubi.Infrastructure.Tests.Feeds;

public sealed class FeedCollectorTests(PostgresServer postgres)
{
    private static CancellationToken None => CancellationToken.None;

    [Theory]
    [MemberData(nameof(DatabaseProviders.All), MemberType = typeof(DatabaseProviders))]
    public async Task A_dropped_file_is_accepted_then_moved_and_a_refused_one_goes_to_failed(DatabaseProvider provider)
    {
        var w = await FeedWorld.StartAsync(provider, postgres, options: new FeedOptions { MaxFileBytes = 10_000 });
        await using var _ = w.Host;
        var folder = Directory.CreateTempSubdirectory("musubi-drop-").FullName;
        try
        {
            await w.Config(c => c.CreateSourceAsync(w.Host.Admin, new FeedSourceInput("drop", null, "folder", folder, 60, true), None));
            await File.WriteAllBytesAsync(Path.Combine(folder, "2026-04-01-scan_smb-jp.csv"), FeedWorld.ScanSmb(w.Host.Time.GetUtcNow(), "192.0.2.70"), None);
            await File.WriteAllBytesAsync(Path.Combine(folder, ".incomplete.csv"), [1, 2, 3], None);
            await File.WriteAllBytesAsync(Path.Combine(folder, "huge.csv"), new byte[10_001], None);

            await w.Host.Services.GetRequiredService<FeedPipelineRunner>().TickAsync(None);
            Assert.True(File.Exists(Path.Combine(folder, "processed", "2026-04-01-scan_smb-jp.csv")));
            Assert.True(File.Exists(Path.Combine(folder, "failed", "huge.csv")));
            Assert.True(File.Exists(Path.Combine(folder, ".incomplete.csv")));
            Assert.False(File.Exists(Path.Combine(folder, "2026-04-01-scan_smb-jp.csv")));
            var source = (await w.Config(c => c.ListSourcesAsync(w.Host.Admin, None))).Single(s => s.Name == "drop");
            Assert.Contains("huge.csv", source.LastError);

            // A crash between acceptance and the move: the same file found again is moved, not accepted twice.
            File.Copy(Path.Combine(folder, "processed", "2026-04-01-scan_smb-jp.csv"), Path.Combine(folder, "2026-04-01-scan_smb-jp.csv"));
            await w.Host.Services.GetRequiredService<FeedPipelineRunner>().TickAsync(None);
            Assert.Equal(1, await w.ProcessAsync());
            Assert.Equal(0, await w.ProcessAsync());
            Assert.Equal(2, Directory.GetFiles(Path.Combine(folder, "processed")).Length);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_url_is_fetched_on_its_interval_with_a_conditional_get_and_a_size_limit()
    {
        var w = await FeedWorld.StartAsync(DatabaseProvider.Sqlite, postgres, options: new FeedOptions { MaxFileBytes = 5_000 });
        await using var _ = w.Host;
        var port = FreePort.Get();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var body = FeedWorld.ScanSmb(w.Host.Time.GetUtcNow(), "192.0.2.80");
        var seen = new List<string?>();
        var serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = await listener.GetContextAsync();
                }
                catch (Exception) when (!listener.IsListening)
                {
                    return;
                }

                seen.Add(ctx.Request.Headers["If-None-Match"]);
                if (ctx.Request.Url!.AbsolutePath == "/big.csv")
                {
                    ctx.Response.SendChunked = true;
                    await ctx.Response.OutputStream.WriteAsync(new byte[6_000]);
                }
                else if (ctx.Request.Headers["If-None-Match"] == "\"v1\"")
                {
                    ctx.Response.StatusCode = 304;
                }
                else
                {
                    ctx.Response.Headers["ETag"] = "\"v1\"";
                    await ctx.Response.OutputStream.WriteAsync(body);
                }

                ctx.Response.Close();
            }
        });

        await w.Config(c => c.CreateSourceAsync(w.Host.Admin, new FeedSourceInput("fetch", "shadowserver", "http", $"http://127.0.0.1:{port}/2026-04-01-scan_smb-jp.csv", 3600, true), None));
        await w.Config(c => c.CreateSourceAsync(w.Host.Admin, new FeedSourceInput("big", null, "http", $"http://127.0.0.1:{port}/big.csv", 3600, true), None));
        var runner = w.Host.Services.GetRequiredService<FeedPipelineRunner>();
        await runner.TickAsync(None);
        Assert.Equal(1, await w.ProcessAsync());
        await runner.TickAsync(None); // not due yet: no request
        Assert.Equal(2, seen.Count);
        w.Host.Time.Advance(TimeSpan.FromHours(1));
        await runner.TickAsync(None); // due: conditional GET, 304
        Assert.Equal(0, await w.ProcessAsync());
        Assert.Contains("\"v1\"", seen);
        var sources = await w.Config(c => c.ListSourcesAsync(w.Host.Admin, None));
        Assert.Null(sources.Single(s => s.Name == "fetch").LastError);
        Assert.Equal(1, sources.Single(s => s.Name == "fetch").RowsAccepted);
        Assert.Contains("larger than 5000 bytes", sources.Single(s => s.Name == "big").LastError);
        listener.Stop();
        await serving;
    }
}
