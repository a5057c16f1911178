using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Feeds;

/// <param name="Files">Files the run accepted (0: nothing new).</param>
/// <param name="Error">Why the collection failed, if it did (also the source's last error).</param>
public sealed record FeedRunResult(FeedSourceDto Source, int Files, string? Error);

/// <summary>
/// The collectors that poll: a drop folder (each file accepted, then moved to <c>processed/</c>, or to <c>failed/</c>
/// when it cannot be accepted) and HTTP(S) URLs on their interval (conditional GET with the last ETag and
/// Last-Modified, the body limited to <see cref="FeedOptions.MaxFileBytes"/>). Status (last run, last success, last
/// error) is kept on the source.
/// </summary>
public sealed class FeedCollectors(MusubiDbContext db, FeedIntake intake, FeedOptions options, TimeProvider time, ILogger<FeedCollectors> log,
    IServiceProvider services)
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All, MaxAutomaticRedirections = 5 })
    {
        Timeout = TimeSpan.FromMinutes(2),
    };

    public async Task RunDueAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var sources = await db.Set<FeedSourceEntity>().AsNoTracking().Where(s => s.Enabled && s.Collector != "upload").ToListAsync(ct);
        foreach (var source in sources)
        {
            // Folders are looked at every tick; the others run on their interval.
            if (source.Collector is not ("folder" or "darknet") && source.LastRunAt is { } last && last.AddSeconds(source.IntervalSeconds) > now)
            {
                continue;
            }

            try
            {
                await CollectAsync(source, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "feed source {Source}: collection failed", source.Name);
                await StatusAsync(source.Id, e.Message, ct);
            }
        }
    }

    /// <summary>One collection of <paramref name="source"/>, whatever its collector: the scheduler's and "run now"'s one path.</summary>
    private async Task CollectAsync(FeedSourceEntity source, CancellationToken ct)
    {
        switch (source.Collector)
        {
            case "folder" or "darknet":
                await CollectFolderAsync(source, ct);
                break;
            case "http":
                await CollectUrlAsync(source, ct);
                break;
            case "detections":
                await services.GetRequiredService<Collectors.DetectionsFeedCollector>().CollectAsync(source, ct);
                break;
            case "taxii":
                await services.GetRequiredService<Collectors.TaxiiFeedCollector>().CollectAsync(source, ct);
                break;
        }
    }

    /// <summary>
    /// "Run now": one collection of a scheduled source (folder, http, detections, taxii, darknet) at once, through
    /// the same <see cref="CollectAsync"/> the scheduler calls, whatever its interval. Audited
    /// (<c>feed-source.run</c>). An upload source has nothing to collect (409), nor has a disabled one (409). A failed
    /// collection is recorded on the source as the scheduler records it, and returned as <see cref="FeedRunResult.Error"/>.
    /// </summary>
    public async Task<FeedRunResult> RunNowAsync(Actor actor, Guid id, CancellationToken ct)
    {
        await services.GetRequiredService<FeedConfigService>().RequireAsync(actor, ct);
        var source = await db.Set<FeedSourceEntity>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct)
            ?? throw new NotFoundException("feed source", id.ToString());
        if (source.Collector == "upload")
        {
            throw new ConflictException($"feed source '{source.Name}' is an upload source: it has nothing to collect (upload a file to it)");
        }

        if (!source.Enabled)
        {
            throw new ConflictException($"feed source '{source.Name}' is disabled");
        }

        var audit = services.GetRequiredService<Audit.AuditTrail>();
        audit.Record(actor, "feed-source.run", "feed-source", source.Id.ToString(), null, null, new { source.Name, source.Collector });
        await db.SaveChangesAsync(ct);
        var before = await db.Set<FeedFileEntity>().CountAsync(f => f.SourceId == id, ct);
        string? error = null;
        try
        {
            await CollectAsync(source, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "feed source {Source}: collection (run now) failed", source.Name);
            await StatusAsync(source.Id, e.Message, ct);
            error = e.Message;
        }

        db.ChangeTracker.Clear();
        var after = await db.Set<FeedSourceEntity>().AsNoTracking().FirstAsync(s => s.Id == id, ct);
        var files = await db.Set<FeedFileEntity>().CountAsync(f => f.SourceId == id, ct) - before;
        // Collectors record some failures on the source without throwing (a missing folder, an HTTP error status).
        // Compared with the stored value read before the run, not with the clock: the stored time is coarser (SQLite
        // keeps DateTimeOffset to 0.1 ms), so a fast failing run can be recorded "before" it started.
        if (error is null && after.LastError is { } recorded && after.LastRunAt is not null && after.LastRunAt != source.LastRunAt)
        {
            error = recorded;
        }

        return new FeedRunResult(FeedConfigService.ToDto(after), files, error);
    }

    /// <summary>
    /// Accepts each file in the folder (not its subfolders; names starting with '.' are skipped, so write to
    /// ".name" and rename). A file is moved only after its acceptance committed; if the process dies in between, the
    /// file is found again, recognised by source, name and SHA-256, and just moved.
    /// </summary>
    public async Task<int> CollectFolderAsync(FeedSourceEntity source, CancellationToken ct)
    {
        var folder = source.Location!;
        if (!Directory.Exists(folder))
        {
            await StatusAsync(source.Id, $"folder '{folder}' does not exist", ct);
            return 0;
        }

        var accepted = 0;
        foreach (var path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).ToList())
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith('.'))
            {
                continue;
            }

            var info = new FileInfo(path);
            if (info.Length > options.MaxFileBytes)
            {
                Move(path, folder, "failed");
                await StatusAsync(source.Id, $"{name}: larger than {options.MaxFileBytes} bytes; moved to failed/", ct);
                continue;
            }

            var data = await File.ReadAllBytesAsync(path, ct);
            var sha = Convert.ToHexStringLower(SHA256.HashData(data));
            var seen = await db.Set<FeedFileEntity>().AsNoTracking().AnyAsync(f => f.SourceId == source.Id && f.FileName == name && f.Sha256 == sha, ct);
            if (!seen)
            {
                try
                {
                    await intake.AcceptAsync(source.Name, name, data, ct);
                    accepted++;
                }
                catch (MusubiException e)
                {
                    Move(path, folder, "failed");
                    await StatusAsync(source.Id, $"{name}: {e.Message}; moved to failed/", ct);
                    continue;
                }
            }

            Move(path, folder, "processed");
        }

        return accepted;
    }

    /// <summary>Fetches the source's URL; a 304 or an unchanged body (same SHA-256 as the last file) accepts nothing.</summary>
    public async Task<bool> CollectUrlAsync(FeedSourceEntity source, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, source.Location);
        if (source.HttpETag is { } etag && EntityTagHeaderValue.TryParse(etag, out var tag))
        {
            request.Headers.IfNoneMatch.Add(tag);
        }

        if (source.HttpLastModified is { } lm && DateTimeOffset.TryParse(lm, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var since))
        {
            request.Headers.IfModifiedSince = since;
        }

        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var now = time.GetUtcNow();
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            await db.Set<FeedSourceEntity>().Where(s => s.Id == source.Id).ExecuteUpdateAsync(u => u
                .SetProperty(s => s.LastRunAt, now).SetProperty(s => s.LastSuccessAt, now).SetProperty(s => s.LastError, (string?)null), ct);
            return false;
        }

        if (!response.IsSuccessStatusCode)
        {
            await StatusAsync(source.Id, $"GET {source.Location}: HTTP {(int)response.StatusCode}", ct);
            return false;
        }

        if (response.Content.Headers.ContentLength > options.MaxFileBytes)
        {
            await StatusAsync(source.Id, $"GET {source.Location}: the body is larger than {options.MaxFileBytes} bytes", ct);
            return false;
        }

        var data = await ReadLimitedAsync(await response.Content.ReadAsStreamAsync(ct), options.MaxFileBytes, ct);
        if (data is null)
        {
            await StatusAsync(source.Id, $"GET {source.Location}: the body is larger than {options.MaxFileBytes} bytes", ct);
            return false;
        }

        var name = response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"')
            ?? Path.GetFileName(new Uri(source.Location!).AbsolutePath);
        var newTag = response.Headers.ETag?.ToString();
        var newModified = response.Content.Headers.LastModified?.ToString("R");
        await intake.AcceptAsync(source.Name, string.IsNullOrEmpty(name) ? source.Name : name, data, ct);
        await db.Set<FeedSourceEntity>().Where(s => s.Id == source.Id).ExecuteUpdateAsync(u => u
            .SetProperty(s => s.LastRunAt, now).SetProperty(s => s.HttpETag, newTag).SetProperty(s => s.HttpLastModified, newModified)
            .SetProperty(s => s.LastError, (string?)null), ct);
        return true;
    }

    private static async Task<byte[]?> ReadLimitedAsync(Stream body, long limit, CancellationToken ct)
    {
        await using (body)
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int n;
            while ((n = await body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + n > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, n);
            }

            return buffer.ToArray();
        }
    }

    private async Task StatusAsync(Guid sourceId, string error, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var message = error.Length > 2000 ? error[..2000] : error;
        await db.Set<FeedSourceEntity>().Where(s => s.Id == sourceId).ExecuteUpdateAsync(u => u
            .SetProperty(s => s.LastRunAt, now).SetProperty(s => s.LastError, message), ct);
    }

    private static void Move(string path, string folder, string subfolder)
    {
        var target = Path.Combine(folder, subfolder);
        Directory.CreateDirectory(target);
        var name = Path.GetFileName(path);
        var destination = Path.Combine(target, name);
        if (File.Exists(destination))
        {
            destination = Path.Combine(target, $"{Path.GetFileNameWithoutExtension(name)}.{DateTime.UtcNow:yyyyMMddHHmmssfff}{Path.GetExtension(name)}");
        }

        File.Move(path, destination);
    }
}
