using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Musubi.Feeds.Events;
using Musubi.Feeds.Parsers;
using Musubi.Feeds.Parsing;
using Musubi.Feeds.Pipeline;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Feeds;

/// <summary>
/// Runs one accepted file through parse → validate → de-duplicate → enrich → route, and puts each routed row into
/// its recipient's open window — all in one transaction with the persisted de-duplication keys, the file's new
/// state and the source's counters. A crash before the commit leaves the file queued (its message is delivered
/// again); a second run of a processed file does nothing. So each accepted row lands in a window exactly once.
/// </summary>
public sealed class FeedProcessor(MusubiDbContext db, FeedRuntime runtime, FeedOptions options, TimeProvider time, ILogger<FeedProcessor> log)
{
    private const int MaxErrorLines = 100;

    /// <returns>False when the file was already processed (or is unknown).</returns>
    public async Task<bool> ProcessAsync(Guid fileId, CancellationToken ct)
    {
        var file = await db.Set<FeedFileEntity>().AsNoTracking().FirstOrDefaultAsync(f => f.Id == fileId, ct);
        if (file is null || file.State != FeedFileStates.Queued)
        {
            return false;
        }

        var source = await db.Set<FeedSourceEntity>().AsNoTracking().FirstAsync(s => s.Id == file.SourceId, ct);
        var now = time.GetUtcNow();
        IFeedParser? parser;
        try
        {
            parser = Collectors.FeedSourceSettings.ParserFor(source, file.Data, file.FileName);
        }
        catch (Musubi.Core.ValidationFailedException e)
        {
            return await FinishAsync(file, source, FeedFileStates.Failed, null, $"the source's options cannot be read: {e.Message}", now, ct);
        }

        if (parser is null)
        {
            return await FinishAsync(file, source, FeedFileStates.Failed, null, $"the format of '{file.FileName}' was not recognised; set the source's type", now, ct);
        }

        var config = await runtime.LoadAsync(ct);
        var sink = new RoutingSink(new EventValidator(new ValidationOptions { MaxAge = options.MaxEventAge }, time), config, file.Data);
        parser.Parse(file.Data, new FeedParseContext(sink, new FeedParseOptions { FileName = file.FileName, Extras = false, MaxFileBytes = options.MaxFileBytes }));
        return await FinishAsync(file, source, FeedFileStates.Processed, (sink, config), sink.ErrorText(), now, ct);
    }

    /// <summary>Gives up on a file that could not be processed (kept, with the reason, for an operator).</summary>
    public async Task MarkFailedAsync(Guid fileId, string reason, CancellationToken ct) =>
        await db.Set<FeedFileEntity>().Where(f => f.Id == fileId && f.State == FeedFileStates.Queued).ExecuteUpdateAsync(u => u
            .SetProperty(f => f.State, FeedFileStates.Failed).SetProperty(f => f.ProcessedAt, time.GetUtcNow())
            .SetProperty(f => f.Errors, reason.Length > 2000 ? reason[..2000] : reason), ct);

    private async Task<bool> FinishAsync(FeedFileEntity file, FeedSourceEntity source, string state, (RoutingSink Sink, FeedRuntimeConfig Config)? result,
        string? errors, DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Claim the file inside the transaction: a second worker that processed it too finds nothing to claim.
        var claimed = await db.Set<FeedFileEntity>().Where(f => f.Id == file.Id && f.State == FeedFileStates.Queued)
            .ExecuteUpdateAsync(u => u.SetProperty(f => f.State, state), ct);
        if (claimed == 0)
        {
            return false;
        }

        int accepted = 0, rejected = 0, duplicates = 0, routed = 0;
        if (result is var (sink, config))
        {
            accepted = sink.Accepted;
            rejected = sink.Rejected;
            duplicates = sink.Duplicates;
            var keys = sink.Routed.Select(r => (long)r.Key).Distinct().ToList();
            var known = new Dictionary<long, FeedDedupKeyEntity>();
            foreach (var chunk in keys.Chunk(500))
            {
                foreach (var k in await db.Set<FeedDedupKeyEntity>().Where(k => chunk.Contains(k.Key)).ToListAsync(ct))
                {
                    known[k.Key] = k;
                }
            }

            var expires = now + config.DedupWindow;
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            foreach (var (key, recipient, row, line) in sink.Routed)
            {
                if (known.TryGetValue((long)key, out var seen))
                {
                    if (seen.ExpiresAt > now)
                    {
                        duplicates++;
                        continue;
                    }

                    seen.ExpiresAt = expires;
                    db.Entry(seen).State = EntityState.Modified;
                }
                else
                {
                    var k = new FeedDedupKeyEntity { Key = (long)key, ExpiresAt = expires };
                    known[(long)key] = k;
                    db.Add(k);
                }

                var r = config.Recipients[recipient];
                var interval = TimeSpan.FromSeconds(r.IntervalSeconds).Ticks;
                var start = now.UtcTicks - (now.UtcTicks % interval);
                db.Add(new FeedWindowRowEntity
                {
                    RecipientId = r.Id, WindowStart = new DateTimeOffset(start, TimeSpan.Zero), WindowEnd = new DateTimeOffset(start + interval, TimeSpan.Zero),
                    FileId = file.Id, Line = line, Row = row,
                });
                routed++;
            }
        }

        await db.Set<FeedFileEntity>().Where(f => f.Id == file.Id).ExecuteUpdateAsync(u => u
            .SetProperty(f => f.ProcessedAt, now).SetProperty(f => f.Accepted, accepted).SetProperty(f => f.Rejected, rejected)
            .SetProperty(f => f.Duplicates, duplicates).SetProperty(f => f.Routed, routed).SetProperty(f => f.Errors, errors)
            .SetProperty(f => f.Data, state == FeedFileStates.Processed ? Array.Empty<byte>() : file.Data), ct);
        var ok = state == FeedFileStates.Processed;
        await db.Set<FeedSourceEntity>().Where(s => s.Id == source.Id).ExecuteUpdateAsync(u =>
        {
            u.SetProperty(s => s.LastRunAt, now)
                .SetProperty(s => s.LastError, ok ? null : errors)
                .SetProperty(s => s.RowsAccepted, s => s.RowsAccepted + accepted)
                .SetProperty(s => s.RowsRejected, s => s.RowsRejected + rejected);
            if (ok)
            {
                u.SetProperty(s => s.LastSuccessAt, now);
            }
        }, ct);
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        db.ChangeTracker.Clear();
        log.LogInformation("feed file {File} ({Source}): {State}, {Accepted} accepted, {Rejected} rejected, {Duplicates} duplicates, {Routed} routed",
            file.FileName, source.Name, state, accepted, rejected, duplicates, routed);
        return true;
    }

    /// <summary>The pure stages in memory; de-duplication against earlier files happens at commit, against the stored keys.</summary>
    private sealed class RoutingSink(EventValidator validator, FeedRuntimeConfig config, byte[] data) : IFeedSink
    {
        private readonly HashSet<ulong> _seen = [];
        private readonly StringBuilder _errors = new();
        private int _errorLines;

        public List<(ulong Key, int Recipient, string Row, int Line)> Routed { get; } = [];
        public int Accepted { get; private set; }
        public int Rejected { get; private set; }
        public int Duplicates { get; private set; }

        public void OnEvent(in FeedEvent feedEvent)
        {
            if (validator.Check(feedEvent) is { } reason)
            {
                AddError(feedEvent.Line, reason);
                return;
            }

            Accepted++;
            var key = DeduplicationKey.Of(feedEvent, config.DedupKey);
            if (!_seen.Add(key))
            {
                Duplicates++;
                return;
            }

            var e = feedEvent;
            config.Enricher.Enrich(ref e);
            if (config.Router.Route(e, out var recipient) == RouteOutcome.Routed)
            {
                Routed.Add((key, recipient, FeedRowCodec.Encode(ToRow(e, data)), e.Line));
            }
        }

        public void OnError(in FeedError error) => AddError(error.Line, error.Reason);

        private void AddError(int line, string reason)
        {
            Rejected++;
            if (_errorLines++ < MaxErrorLines)
            {
                _errors.Append(line).Append(": ").Append(reason).Append('\n');
            }
        }

        public string? ErrorText() => _errors.Length == 0 ? null : _errors.ToString(0, Math.Min(_errors.Length, 8000));
    }

    internal static FeedReportRow ToRow(in FeedEvent e, ReadOnlySpan<byte> data) => new(
        e.Time,
        e.Source.IsEmpty ? "" : e.Source.IsHost ? e.Source.AddressText : e.Source.ToString(),
        e.SourcePort >= 0 ? e.SourcePort : null,
        e.SourceAsn != 0 ? e.SourceAsn : null,
        e.SourceFqdn,
        e.SourceCountry != 0 ? e.Country : null,
        FeedSymbols.Get(e.Taxonomy),
        FeedSymbols.Get(e.Type),
        e.MalwareName > 0 ? FeedSymbols.Get(e.MalwareName) : null,
        FeedSymbols.Get(e.FeedName),
        e.Raw.IsEmpty || e.Raw.Offset + e.Raw.Length > data.Length ? null : Encoding.UTF8.GetString(data.Slice((int)e.Raw.Offset, e.Raw.Length)));
}
