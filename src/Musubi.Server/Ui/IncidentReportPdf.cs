using System.Globalization;
using Musubi.Core.Incidents;
using Musubi.Infrastructure.Incidents;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Musubi.Server.Ui;

/// <summary>
/// The post-incident report as PDF (PDFsharp), with the same content as <see cref="IncidentReportHtml"/>. PDFsharp on
/// Linux needs a font file: the first of <see cref="FontCandidates"/> that exists (IPA Gothic covers Japanese and
/// Latin; Debian package fonts-ipafont-gothic, which .ci/run installs). Without one, <see cref="TryRender"/> returns
/// null and the caller answers with the HTML report and a message.
/// </summary>
public static class IncidentReportPdf
{
    public static readonly string[] FontCandidates =
    [
        "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
        "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
        "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    ];

    private const string Family = "MusubiReport";
    private static readonly Lock Gate = new();
    private static bool _resolverSet;

    public static string? FontPath => FontCandidates.FirstOrDefault(File.Exists);

    /// <summary>The PDF, or without a font the HTML report with a message saying what to install.</summary>
    public static IResult Result(HttpContext http, PostIncidentReport report)
    {
        if (TryRender(report) is { } pdf)
        {
            return Results.File(pdf, "application/pdf", $"{report.Incident.Reference}-report.pdf");
        }

        http.Response.Headers["X-Musubi-Pdf"] = "unavailable";
        const string notice = "<p class=\"notice\" id=\"pdf-unavailable\">The PDF could not be made: no font file was found on the server "
            + "(install the Debian package fonts-ipafont-gothic). This is the same report as HTML.</p>";
        return Results.Content(IncidentReportHtml.Document(report).Replace("<body>", "<body>" + notice, StringComparison.Ordinal), "text/html; charset=utf-8");
    }

    /// <summary>
    /// The browser's download of the PDF: the session cookie, not a token (<c>/api</c> takes tokens only). An incident
    /// the reader may not see is a 404.
    /// </summary>
    public static WebApplication MapIncidentReportDownload(this WebApplication app)
    {
        app.MapGet("/incidents/{id:guid}/report.pdf", async (HttpContext http, IncidentService incidents, Guid id, CancellationToken ct) =>
        {
            try
            {
                return Result(http, await incidents.PostIncidentReportAsync(Musubi.Server.Auth.ActorClaims.RequireActor(http), id, ct));
            }
            catch (Musubi.Core.NotFoundException)
            {
                return Results.NotFound();
            }
        }).RequireAuthorization().ExcludeFromDescription();

        // The incident page's evidence links, on the session cookie as well; the same access checks as the API.
        app.MapGet("/incidents/{id:guid}/evidence/{evidenceId:guid}", async (HttpContext http, IncidentService incidents, Guid id, Guid evidenceId, CancellationToken ct) =>
        {
            try
            {
                var (meta, content) = await incidents.GetEvidenceAsync(Musubi.Server.Auth.ActorClaims.RequireActor(http), id, evidenceId, ct);
                http.Response.Headers["X-Content-SHA256"] = meta.Sha256;
                return Results.File(content, meta.ContentType, meta.FileName);
            }
            catch (Musubi.Core.NotFoundException)
            {
                return Results.NotFound();
            }
        }).RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    public static byte[]? TryRender(PostIncidentReport report)
    {
        if (!EnsureFont())
        {
            return null;
        }

        var document = new PdfDocument();
        document.Info.Title = $"{report.Incident.Reference} {report.Incident.Title}";
        document.Info.Subject = "Post-incident report";
        document.Info.Creator = "Musubi";
        var writer = new Writer(document);
        var i = report.Incident;
        var loc = new Loc();
        writer.Heading($"{loc["Post-incident report"]}: {i.Reference} {i.Title}", 15);
        if (i.IsExercise)
        {
            writer.Line(loc["EXERCISE"]);
        }

        writer.Line($"{loc["Classification"]}: {(IncidentTaxonomy.Find(i.Classification) is { } c ? EnumText.Of(c) : "")} ({i.Classification})");
        writer.Line($"{loc["Severity"]}: {EnumText.Of(i.Severity)}   {loc["Status"]}: {EnumText.Of(i.Status)}   TLP:{i.Tlp.ToString().ToUpperInvariant()}");
        writer.Line($"{loc["Reported"]}: {IncidentReportHtml.Time(i.ReportedAt)}   {loc["Your view"]}: {EnumText.Of(i.Layer)}");
        writer.Line($"{loc["Sectors"]}: {string.Join(", ", i.Sectors)}");
        writer.Line($"{loc["Affected organisations"]}: " + (i.Affected is { } affected
            ? string.Join(", ", affected.Select(o => UiText.Name(o.Name, o.NameJa))) : i.AffectedCount.ToString(CultureInfo.InvariantCulture)));
        if (i.Description is { } description)
        {
            writer.Paragraph(description);
        }

        writer.Heading(loc["Response times"], 12);
        foreach (var s in report.Stages)
        {
            var outcome = s.OnTime switch { true => loc["On time"], false => loc["Late"], null => "–" };
            writer.Line($"{IncidentReportHtml.StageName(s.Stage)}: {(s.ReachedAt is { } at ? IncidentReportHtml.Time(at) : "–")}, " +
                $"{loc["Took"]} {(s.Took is { } took ? IncidentReportHtml.Span(took) : "–")} / {loc["Target"]} {(s.Target is { } t ? IncidentReportHtml.Span(t) : "–")}: {outcome}");
        }

        if (i.Teams is { Count: > 0 } teams)
        {
            writer.Heading(loc["Teams"], 12);
            foreach (var t in teams)
            {
                writer.Line($"• {UiText.Name(t.Organisation.Name, t.Organisation.NameJa)}: {EnumText.Of(t.Role)} ({IncidentReportHtml.Time(t.AssignedAt)})");
            }
        }

        if (i.Tasks is { Count: > 0 } tasks)
        {
            writer.Heading(loc["Tasks"], 12);
            foreach (var t in tasks)
            {
                writer.Line($"• {t.Title} — {UiText.Name(t.Owner.Name, t.Owner.NameJa)}" + (t.DoneAt is { } done ? $", {loc["Done"]} {IncidentReportHtml.Time(done)}" : ""));
            }
        }

        if (i.Indicators is { Count: > 0 } indicators)
        {
            writer.Heading(loc["Indicators"], 12);
            foreach (var x in indicators)
            {
                writer.Line($"• {x.Type} {x.Value}");
            }
        }

        writer.Heading(loc["Timeline"], 12);
        foreach (var t in i.Timeline ?? [])
        {
            writer.Line($"{IncidentReportHtml.Time(t.At)} {t.Actor} {t.Text}");
        }

        if (i.Layer == IncidentLayer.Full)
        {
            writer.Heading(loc["Lessons learned"], 12);
            writer.Paragraph(i.LessonsLearned ?? "–");
        }

        writer.Line($"{loc["Generated"]} {IncidentReportHtml.Time(report.GeneratedAt)}");
        writer.Dispose();
        using var output = new MemoryStream();
        document.Save(output, false);
        return output.ToArray();
    }

    private static bool EnsureFont()
    {
        lock (Gate)
        {
            if (_resolverSet)
            {
                return true;
            }

            if (FontPath is not { } path)
            {
                return false;
            }

            if (GlobalFontSettings.FontResolver is null)
            {
                GlobalFontSettings.FontResolver = new FileFontResolver(File.ReadAllBytes(path));
            }

            _resolverSet = true;
            return true;
        }
    }

    /// <summary>Every family, bold or not, is the one font file: the report needs one face that has Japanese.</summary>
    private sealed class FileFontResolver(byte[] font) : IFontResolver
    {
        public FontResolverInfo? ResolveTypeface(string familyName, bool isBold, bool isItalic) => new(Family, isBold, false);

        public byte[]? GetFont(string faceName) => font;
    }

    /// <summary>Lines top to bottom on A4 pages, wrapped to the width, a new page when one is full.</summary>
    private sealed class Writer(PdfDocument document) : IDisposable
    {
        private const double Margin = 50;
        private readonly XFont _body = new(Family, 9.5);
        private XGraphics? _gfx;
        private PdfPage? _page;
        private double _y;

        public void Heading(string text, double size)
        {
            _y += 6;
            Write(text, new XFont(Family, size, XFontStyleEx.Bold));
            _y += 2;
        }

        public void Line(string text) => Write(text, _body);

        public void Paragraph(string text)
        {
            foreach (var line in text.Replace("\r", "").Split('\n'))
            {
                Write(line, _body);
            }
        }

        private void Write(string text, XFont font)
        {
            foreach (var piece in Wrap(text, font))
            {
                var height = font.GetHeight() * 1.25;
                if (_gfx is null || _y + height > _page!.Height.Point - Margin)
                {
                    NewPage();
                }

                _gfx!.DrawString(piece, font, XBrushes.Black, new XPoint(Margin, _y + font.GetHeight()));
                _y += height;
            }
        }

        private IEnumerable<string> Wrap(string text, XFont font)
        {
            if (_gfx is null)
            {
                NewPage();
            }

            var width = _page!.Width.Point - 2 * Margin;
            var start = 0;
            while (start < text.Length)
            {
                // No line of 9.5 pt text on A4 holds 200 characters: measuring starts there, not at the end of a long text.
                var end = Math.Min(text.Length, start + 200);
                while (end > start + 1 && _gfx!.MeasureString(text[start..end], font).Width > width)
                {
                    // Break at a space when there is one (English), anywhere otherwise (Japanese has no spaces).
                    var space = text.LastIndexOf(' ', end - 1, end - start - 1);
                    end = space > start ? space : end - 1;
                }

                yield return text[start..end];
                start = end < text.Length && text[end] == ' ' ? end + 1 : end;
            }

            if (text.Length == 0)
            {
                yield return "";
            }
        }

        private void NewPage()
        {
            _gfx?.Dispose();
            _page = document.AddPage();
            _page.Size = PdfSharp.PageSize.A4;
            _gfx = XGraphics.FromPdfPage(_page);
            _y = Margin;
        }

        public void Dispose() => _gfx?.Dispose();
    }
}
