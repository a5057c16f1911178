using System.Text.Json;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Infrastructure.Data;

namespace Musubi.Infrastructure.Constituency.Exchange;

public enum ExportFormat
{
    Json,
    Csv,
}

public sealed record ExportResult(IReadOnlyList<string> Files, int Organisations, int Networks, int Contacts, int Sectors, int Communities);

/// <summary>
/// Writes the whole constituency in the exchange format. The output is deterministic (ordinal order throughout, no
/// timestamps), so exporting, importing into an empty database and exporting again gives the same files.
/// Built-in sectors and communities are not written: every database has them.
/// </summary>
public sealed class ConstituencyExporter(MusubiDbContext db)
{
    public const string JsonFileName = "constituency.json";

    public async Task<ConstituencyDocument> BuildAsync(Actor actor, CancellationToken ct)
    {
        if (!AccessRules.CanReadDirectory(actor))
        {
            throw new ForbiddenException("exporting the directory needs the constituency:read scope");
        }

        var sectors = await db.Sectors.AsNoTracking().Where(s => !s.BuiltIn).ToListAsync(ct);
        var communities = await db.Communities.AsNoTracking().Where(c => !c.BuiltIn).ToListAsync(ct);
        var slugs = await db.Communities.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Slug, ct);
        var organisations = await db.Organisations.AsNoTracking().ToListAsync(ct);
        var networks = (await db.Networks.AsNoTracking().ToListAsync(ct)).ToLookup(n => n.OrganisationId);
        var contacts = (await db.Contacts.AsNoTracking().ToListAsync(ct)).ToLookup(c => c.OrganisationId);
        var memberships = (await db.Memberships.AsNoTracking().ToListAsync(ct)).ToLookup(m => m.OrganisationId);

        return ConstituencyDocument.Create(
            sectors.OrderBy(s => s.Id, StringComparer.Ordinal).Select(s => new SectorInput(s.Id, s.NameEn, s.NameJa)).ToList(),
            communities.OrderBy(c => c.Slug, StringComparer.Ordinal)
                .Select(c => new CommunityInput(c.Slug, c.Kind, c.NameEn, c.NameJa, c.SectorId, c.Description)).ToList(),
            organisations.OrderBy(o => o.Name, StringComparer.Ordinal).Select(o => new OrganisationInput(
                o.Name, o.NameJa, o.ShortName, o.Kind, o.SectorId, o.Country, o.Description,
                contacts[o.Id].OrderBy(c => c.Role).ThenBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.Email, StringComparer.Ordinal)
                    .Select(c => new ContactInput(c.Name, c.Role, c.Email, c.Phone, c.PgpKey)).ToList(),
                networks[o.Id].OrderBy(n => n.Kind).ThenBy(n => n.Value, StringComparer.Ordinal)
                    .Select(n => new NetworkInput(n.Kind, n.Value, n.Description)).ToList(),
                memberships[o.Id].Select(m => slugs[m.CommunityId]).Order(StringComparer.Ordinal).ToList())).ToList());
    }

    /// <summary>
    /// JSON: <paramref name="output"/> is the file (or a folder, to get constituency.json in it). CSV: a folder that
    /// receives the five files. Existing files of the same names are replaced.
    /// </summary>
    public async Task<ExportResult> ExportAsync(
        Actor actor, ExportFormat format, string output, IProgress<ExchangeProgress>? progress, CancellationToken ct)
    {
        progress?.Report(new ExchangeProgress(ExchangeStage.Reading, 0, null, "the database"));
        var document = await BuildAsync(actor, ct);
        var networks = document.Organisations.Sum(o => o.Networks!.Count);
        var contacts = document.Organisations.Sum(o => o.Contacts!.Count);
        progress?.Report(new ExchangeProgress(ExchangeStage.Reading, document.Organisations.Count, null,
            $"{document.Organisations.Count} organisations, {networks} networks and {contacts} contacts from the database"));
        var files = format == ExportFormat.Json
            ? [await WriteJsonFileAsync(document, output, ct)]
            : await WriteCsvAsync(document, output, progress, ct);
        progress?.Report(new ExchangeProgress(ExchangeStage.Writing, document.Organisations.Count, document.Organisations.Count, "organisations"));
        return new ExportResult(files, document.Organisations.Count, networks, contacts, document.Sectors.Count, document.Communities.Count);
    }

    public static async Task WriteJsonAsync(ConstituencyDocument document, Stream stream, CancellationToken ct) =>
        await JsonSerializer.SerializeAsync(stream, document, MusubiJson.Indented, ct);

    private static async Task<string> WriteJsonFileAsync(ConstituencyDocument document, string output, CancellationToken ct)
    {
        var path = Directory.Exists(output) ? Path.Combine(output, JsonFileName) : output;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // Written in place, never moved over the target: the path may be a pipe or a device such as /dev/stdout.
        await using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, useAsync: true);
        await WriteJsonAsync(document, stream, ct);
        await stream.WriteAsync("\n"u8.ToArray(), ct);
        return path;
    }

    /// <summary>
    /// UTF-8 with a BOM (so spreadsheets take it as UTF-8), CRLF line ends (RFC 4180). A text that a spreadsheet would
    /// run as a formula (= + - @ first) gets a ' in front, which the reader takes off again.
    /// </summary>
    private static readonly CsvWriterOptions CsvOptions = new() { WriteByteOrderMark = true, Injection = CsvInjection.Escape };

    /// <summary>Writes the five CSV files into <paramref name="folder"/>.</summary>
    public static async Task<IReadOnlyList<string>> WriteCsvAsync(
        ConstituencyDocument document, string folder, IProgress<ExchangeProgress>? progress, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        var total = document.Organisations.Count;
        foreach (var kind in CsvLayout.All)
        {
            var path = Path.Combine(folder, kind.FileName);
            await using (var csv = CsvWriter.ToFile(path, CsvOptions))
            {
                csv.WriteHeader([.. kind.Columns]);
                var done = 0;
                foreach (var row in Rows(document, kind))
                {
                    await csv.WriteRecordAsync(row!, ct);
                    if (kind == CsvLayout.Organisations && ++done % 500 == 0)
                    {
                        progress?.Report(new ExchangeProgress(ExchangeStage.Writing, done, total, "organisations"));
                    }
                }
            }

            files.Add(path);
        }

        return files;
    }

    private static IEnumerable<string?[]> Rows(ConstituencyDocument d, CsvFileKind kind)
    {
        if (kind == CsvLayout.Sectors)
        {
            return d.Sectors.Select(s => new[] { s.Id, s.NameEn, s.NameJa });
        }

        if (kind == CsvLayout.Communities)
        {
            return d.Communities.Select(c => new[]
            {
                c.Slug, c.Kind is { } k ? EnumText<Core.Constituency.CommunityKind>.Format(k) : null, c.NameEn, c.NameJa, c.SectorId, c.Description,
            });
        }

        if (kind == CsvLayout.Organisations)
        {
            return d.Organisations.Select(o => new[]
            {
                o.Name, o.NameJa, o.ShortName, o.Kind is { } k ? EnumText<Core.Constituency.OrganisationKind>.Format(k) : null, o.SectorId,
                o.Country, o.Description, o.Communities is { Count: > 0 } c ? string.Join(CsvLayout.ListSeparator, c) : null,
            });
        }

        if (kind == CsvLayout.Networks)
        {
            return d.Organisations.SelectMany(o => (o.Networks ?? []).Select(n => new[]
            {
                o.Name, n.Kind is { } k ? EnumText<Core.Constituency.NetworkKind>.Format(k) : null, n.Value, n.Description,
            }));
        }

        return d.Organisations.SelectMany(o => (o.Contacts ?? []).Select(c => new[]
        {
            o.Name, c.Name, c.Role is { } r ? EnumText<Core.Constituency.ContactRole>.Format(r) : null, c.Email, c.Phone, c.PgpKey,
        }));
    }
}
