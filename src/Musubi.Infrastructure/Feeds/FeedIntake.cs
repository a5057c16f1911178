using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Core.Queueing;
using Musubi.Infrastructure.Audit;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Feeds;

public sealed record FeedFileDto(Guid Id, string Source, string FileName, string Sha256, long Length, DateTimeOffset ReceivedAt, string State,
    int Accepted, int Rejected, int Duplicates, int Routed, string? Errors);

/// <summary>
/// The front door of the pipeline: a collector hands over a file; it is stored (a <c>feed_files</c> row) and its id
/// put on the work queue before the call returns, so an accepted file survives a crash. If the process dies between
/// the two, <see cref="RequeueStrandedAsync"/> (run when the worker starts) puts it on the queue again.
/// </summary>
public sealed class FeedIntake(MusubiDbContext db, AuditTrail audit, IWorkQueue queue, FeedOptions options, TimeProvider time)
{
    public const string Topic = "feeds.files";

    /// <summary>A user's upload (API or CLI): the caller must be allowed to manage feeds.</summary>
    public async Task<FeedFileDto> SubmitAsync(Actor actor, string sourceName, string fileName, byte[] data, CancellationToken ct)
    {
        await new FeedConfigService(db, audit, time).RequireAsync(actor, ct);
        return await AcceptAsync(actor, sourceName, fileName, data, ct);
    }

    /// <summary>A collector's file (folder, http, detections), accepted on the platform's behalf.</summary>
    public Task<FeedFileDto> AcceptAsync(string sourceName, string fileName, byte[] data, CancellationToken ct) =>
        AcceptAsync(Actor.System, sourceName, fileName, data, ct);

    private async Task<FeedFileDto> AcceptAsync(Actor actor, string sourceName, string fileName, byte[] data, CancellationToken ct)
    {
        var source = await db.Set<FeedSourceEntity>().AsNoTracking().FirstOrDefaultAsync(s => s.Name == sourceName, ct)
            ?? throw new NotFoundException("feed source", sourceName);
        if (!source.Enabled)
        {
            throw new ConflictException($"feed source '{sourceName}' is disabled");
        }

        if (data.LongLength > options.MaxFileBytes)
        {
            throw new PayloadTooLargeException($"the file is larger than {options.MaxFileBytes} bytes");
        }

        var name = SafeName(fileName);
        var file = new FeedFileEntity
        {
            Id = Guid.NewGuid(), SourceId = source.Id, FileName = name, Sha256 = Convert.ToHexStringLower(SHA256.HashData(data)),
            Data = data, Length = data.LongLength, ReceivedAt = time.GetUtcNow(), State = FeedFileStates.Queued,
        };
        db.Add(file);
        var dto = ToDto(file, source.Name);
        audit.Record(actor, "feed-file.accept", "feed-file", file.Id.ToString(), null, null, dto with { });
        await db.SaveChangesAsync(ct);
        await queue.EnqueueAsync(Topic, [Message(file.Id)], ct);
        return dto;
    }

    /// <summary>Files stored but not processed: put on the queue again (a repeat of a pending message is dropped, and processing is idempotent).</summary>
    public async Task<int> RequeueStrandedAsync(CancellationToken ct)
    {
        var ids = await db.Set<FeedFileEntity>().AsNoTracking().Where(f => f.State == FeedFileStates.Queued).Select(f => f.Id).ToListAsync(ct);
        if (ids.Count > 0)
        {
            await queue.EnqueueAsync(Topic, [.. ids.Select(Message)], ct);
        }

        return ids.Count;
    }

    public async Task<FeedFileDto> GetAsync(Actor actor, Guid id, CancellationToken ct)
    {
        await new FeedConfigService(db, audit, time).RequireAsync(actor, ct);
        var file = await db.Set<FeedFileEntity>().AsNoTracking().FirstOrDefaultAsync(f => f.Id == id, ct) ?? throw new NotFoundException("feed file", id.ToString());
        var source = await db.Set<FeedSourceEntity>().AsNoTracking().Where(s => s.Id == file.SourceId).Select(s => s.Name).FirstOrDefaultAsync(ct);
        return ToDto(file, source ?? "");
    }

    /// <summary>A source's newest files (not their bytes), for its page.</summary>
    public async Task<IReadOnlyList<FeedFileDto>> ListAsync(Actor actor, Guid sourceId, int limit, CancellationToken ct)
    {
        await new FeedConfigService(db, audit, time).RequireAsync(actor, ct);
        var source = await db.Set<FeedSourceEntity>().AsNoTracking().Where(s => s.Id == sourceId).Select(s => s.Name).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException("feed source", sourceId.ToString());
        var files = await db.Set<FeedFileEntity>().AsNoTracking().Where(f => f.SourceId == sourceId).OrderByDescending(f => f.ReceivedAt)
            .Take(Math.Clamp(limit, 1, 500))
            .Select(f => new FeedFileDto(f.Id, source, f.FileName, f.Sha256, f.Length, f.ReceivedAt, f.State, f.Accepted, f.Rejected, f.Duplicates, f.Routed, f.Errors))
            .ToListAsync(ct);
        return files;
    }

    private static OutgoingMessage Message(Guid id) => new(Encoding.UTF8.GetBytes(id.ToString()), "feed-file-" + id);

    internal static FeedFileDto ToDto(FeedFileEntity f, string source) =>
        new(f.Id, source, f.FileName, f.Sha256, f.Length, f.ReceivedAt, f.State, f.Accepted, f.Rejected, f.Duplicates, f.Routed, f.Errors);

    private static string SafeName(string fileName)
    {
        var name = Path.GetFileName(fileName.Replace('\\', '/'));
        name = new string([.. name.Where(c => !char.IsControl(c))]);
        return string.IsNullOrWhiteSpace(name) ? "upload" : name.Length > 255 ? name[..255] : name;
    }
}
