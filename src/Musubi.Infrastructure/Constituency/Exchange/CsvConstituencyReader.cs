using System.Text.Unicode;
using CsvHelper;

namespace Musubi.Infrastructure.Constituency.Exchange;

/// <summary>
/// Reads one CSV file of the exchange format (which one is told by its name, see <see cref="CsvLayout.Recognise"/>).
/// UTF-8 with or without BOM, comma-separated, a header row naming the columns in any order and case.
/// </summary>
internal static class CsvConstituencyReader
{
    public static async Task ReadAsync(Stream stream, string file, CsvFileKind kind, ImportBatch batch, CancellationToken ct)
    {
        var malformed = new List<CsvMalformedRecord>();
        var options = new CsvReaderOptions
        {
            Separator = ',',
            HasHeader = true,
            TrackLineNumbers = true,
            TrimWhitespace = true,
            SkipEmptyLines = true,
            MalformedData = CsvMalformedDataHandling.Recover,
            OnMalformedRecord = malformed.Add,
        };
        await using var csv = CsvReader.Create(stream, options, leaveOpen: true);
        await csv.ReadHeaderAsync(ct);
        var header = new SourceLocation(file, 1);
        if (csv.Headers.Count == 0)
        {
            batch.Issues.Add(header, "", $"the file is empty: it needs at least the header row ({string.Join(",", kind.Columns)})");
            batch.FileFailed = true;
            return;
        }

        if (!Utf8.IsValid(csv.RawRecord) || malformed.Count > 0)
        {
            batch.Issues.Add(header, "", malformed.Count > 0 ? "the header row is badly quoted" : NotUtf8);
            batch.FileFailed = true;
            return;
        }

        var columns = MapHeader(csv.Headers, kind, header, batch);
        if (columns is null)
        {
            batch.FileFailed = true;
            return;
        }

        while (await csv.ReadAsync(ct))
        {
            var at = new SourceLocation(file, (int)csv.LineNumber);
            if (!batch.CountRow(at))
            {
                return;
            }

            if (!Utf8.IsValid(csv.RawRecord))
            {
                // Usually the whole file (Shift_JIS from a spreadsheet): one message is enough.
                batch.Issues.Add(at, "", NotUtf8);
                batch.FileFailed = true;
                return;
            }

            if (malformed.Count > 0)
            {
                batch.Issues.Add(at, "", $"bad quoting ({Describe(malformed[0].Reason)}): a value holding a quote (\") must be in quotes, with the quote doubled (\"\")");
                malformed.Clear();
                continue;
            }

            if (csv.FieldCount > columns.Length)
            {
                batch.Issues.Add(at, "", $"the row has {csv.FieldCount} values but the header has {columns.Length} columns (is a value with a comma not in quotes?)");
                continue;
            }

            AddRow(csv, columns, kind, at, batch);
        }
    }

    private const string NotUtf8 = "the file is not UTF-8 text: save it as \"CSV UTF-8\" (in Excel: Save As, CSV UTF-8 (Comma delimited))";

    private static string Describe(CsvMalformedReason reason) => reason switch
    {
        CsvMalformedReason.StrayQuote => "a quote inside a value that does not start with one",
        CsvMalformedReason.TextAfterClosingQuote => "text after the closing quote",
        CsvMalformedReason.UnterminatedQuote => "a quote that is never closed",
        _ => reason.ToString(),
    };

    /// <summary>Column index of each of <paramref name="kind"/>'s columns (-1 when absent), or null when the header is unusable.</summary>
    private static int[]? MapHeader(IReadOnlyList<string> header, CsvFileKind kind, SourceLocation at, ImportBatch batch)
    {
        var map = Enumerable.Repeat(-1, kind.Columns.Count).ToArray();
        var ok = true;
        for (var i = 0; i < header.Count; i++)
        {
            var name = header[i].Trim();
            var index = IndexOf(kind.Columns, name);
            if (index < 0)
            {
                batch.Issues.Add(at, name, $"unknown column in {kind.FileName} (its columns are: {string.Join(", ", kind.Columns)})");
                ok = false;
            }
            else if (map[index] >= 0)
            {
                batch.Issues.Add(at, name, "the column appears twice");
                ok = false;
            }
            else
            {
                map[index] = i;
            }
        }

        foreach (var required in kind.Required.Where(r => map[IndexOf(kind.Columns, r)] < 0))
        {
            batch.Issues.Add(at, required, $"missing column: {kind.FileName} needs {string.Join(", ", kind.Required)}");
            ok = false;
        }

        return ok ? map : null;
    }

    private static int IndexOf(IReadOnlyList<string> columns, string name)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (string.Equals(columns[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private static void AddRow(CsvReader csv, int[] columns, CsvFileKind kind, SourceLocation at, ImportBatch batch)
    {
        string? F(int column)
        {
            if (columns[column] < 0)
            {
                return null;
            }

            var index = columns[column];
            if (index >= csv.FieldCount)
            {
                return "";
            }

            // An empty cell is "" (it clears an optional detail); a missing column is null (it keeps it).
            return CsvLayout.Unguard(csv.GetString(index) ?? "");
        }

        if (kind == CsvLayout.Sectors)
        {
            batch.Sectors.Add(new SectorRow(at, F(0), F(1), F(2)));
        }
        else if (kind == CsvLayout.Communities)
        {
            batch.Communities.Add(new CommunityRow(at, F(0), F(1), F(2), F(3), F(4), F(5)));
        }
        else if (kind == CsvLayout.Organisations)
        {
            var slugs = (F(7) ?? "").Split([CsvLayout.ListSeparator, ',', ' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)
                .Select(s => new MembershipRef(s, "communities")).ToList();
            batch.Organisations.Add(new OrganisationRow(at, F(0), F(1), F(2), F(3), F(4), F(5), F(6), slugs));
        }
        else if (kind == CsvLayout.Networks)
        {
            batch.Networks.Add(new NetworkRow(at, F(0), null, F(1), F(2), F(3)));
        }
        else
        {
            batch.Contacts.Add(new ContactRow(at, F(0), null, F(1), F(2), F(3), F(4), F(5)));
        }
    }
}
