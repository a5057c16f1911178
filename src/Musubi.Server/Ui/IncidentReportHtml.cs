using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Musubi.Core.Incidents;
using Musubi.Infrastructure.Incidents;

namespace Musubi.Server.Ui;

/// <summary>
/// The post-incident report as HTML: the same text for the page (/incidents/{id}/report), the API (text/html) and the
/// PDF. Every value is encoded; the language follows the request (Japanese or English).
/// </summary>
public static class IncidentReportHtml
{
    private static readonly Loc L = new();

    public static string Document(PostIncidentReport report) =>
        $"<!DOCTYPE html><html lang=\"{(UiLocalization.IsJapanese ? "ja" : "en")}\"><head><meta charset=\"utf-8\"><title>{E(report.Incident.Reference)}</title>"
        + "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#1d2433}table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:.2em .5em;text-align:left}"
        + ".late{color:#a4161a}.ontime{color:#1b6e2d}</style></head><body>" + Body(report) + "</body></html>";

    public static string Body(PostIncidentReport report)
    {
        var i = report.Incident;
        var sb = new StringBuilder();
        sb.Append("<article class=\"incident-report\" id=\"incident-report\">");
        sb.Append(CultureInfo.InvariantCulture, $"<h1 id=\"report-title\">{E(L["Post-incident report"])}: {E(i.Reference)} {E(i.Title)}</h1>");
        if (i.IsExercise)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<p class=\"exercise-banner\">{E(L["EXERCISE"])}</p>");
        }

        sb.Append("<dl class=\"details\">");
        Row(sb, L["Classification"], IncidentTaxonomy.Find(i.Classification) is { } c ? $"{EnumText.Of(c)} ({i.Classification})" : i.Classification);
        Row(sb, L["Severity"], EnumText.Of(i.Severity));
        Row(sb, L["Status"], EnumText.Of(i.Status));
        Row(sb, "TLP", i.Tlp.ToString().ToUpperInvariant());
        Row(sb, L["Your view"], EnumText.Of(i.Layer));
        Row(sb, L["Reported"], Time(i.ReportedAt));
        Row(sb, L["Sectors"], string.Join(", ", i.Sectors));
        Row(sb, L["Affected organisations"], i.Affected is { } affected ? string.Join(", ", affected.Select(o => UiText.Name(o.Name, o.NameJa))) : i.AffectedCount.ToString(CultureInfo.InvariantCulture));
        sb.Append("</dl>");
        if (i.Description is { } description)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<p style=\"white-space:pre-wrap\">{E(description)}</p>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<h2>{E(L["Response times"])}</h2><table id=\"report-metrics\"><thead><tr><th>{E(L["Stage"])}</th><th>{E(L["Reached"])}</th><th>{E(L["Took"])}</th><th>{E(L["Target"])}</th><th>{E(L["Outcome"])}</th></tr></thead><tbody>");
        foreach (var s in report.Stages)
        {
            var outcome = s.OnTime switch { true => $"<span class=\"ontime\">{E(L["On time"])}</span>", false => $"<span class=\"late\">{E(L["Late"])}</span>", null => "–" };
            sb.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{E(StageName(s.Stage))}</td><td>{(s.ReachedAt is { } at ? E(Time(at)) : "–")}</td><td>{(s.Took is { } took ? E(Span(took)) : "–")}</td><td>{(s.Target is { } t ? E(Span(t)) : "–")}</td><td>{outcome}</td></tr>");
        }

        sb.Append("</tbody></table>");
        if (i.Teams is { } teams)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<h2>{E(L["Teams"])}</h2><ul id=\"report-teams\">");
            foreach (var t in teams)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<li>{E(UiText.Name(t.Organisation.Name, t.Organisation.NameJa))}: {E(EnumText.Of(t.Role))} ({E(Time(t.AssignedAt))})</li>");
            }

            sb.Append("</ul>");
        }

        if (i.Tasks is { } tasks)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<h2>{E(L["Tasks"])}</h2><ul id=\"report-tasks\">");
            foreach (var t in tasks)
            {
                sb.Append(CultureInfo.InvariantCulture,
                    $"<li>{E(t.Title)} — {E(UiText.Name(t.Owner.Name, t.Owner.NameJa))}{(t.DueAt is { } due ? ", " + E(L["Due"]) + " " + E(Time(due)) : "")}{(t.DoneAt is { } done ? ", " + E(L["Done"]) + " " + E(Time(done)) : "")}</li>");
            }

            sb.Append("</ul>");
        }

        if (i.Indicators is { Count: > 0 } indicators)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<h2>{E(L["Indicators"])}</h2><ul id=\"report-indicators\">");
            foreach (var x in indicators)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<li>{E(x.Type)} <code>{E(x.Value)}</code></li>");
            }

            sb.Append("</ul>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<h2>{E(L["Timeline"])}</h2><ol id=\"report-timeline\">");
        foreach (var t in i.Timeline ?? [])
        {
            sb.Append(CultureInfo.InvariantCulture, $"<li><time>{E(Time(t.At))}</time> {(t.Actor.Length > 0 ? "<strong>" + E(t.Actor) + "</strong> " : "")}{E(t.Text)}</li>");
        }

        sb.Append("</ol>");
        if (i.Layer == IncidentLayer.Full)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<h2>{E(L["Lessons learned"])}</h2><p id=\"report-lessons\" style=\"white-space:pre-wrap\">{E(i.LessonsLearned ?? "–")}</p>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\">{E(L["Generated"])} {E(Time(report.GeneratedAt))}</p></article>");
        return sb.ToString();
    }

    public static string StageName(string stage) => stage switch
    {
        "acknowledge" => L["Acknowledge"],
        "triage" => L["Triage"],
        "contain" => L["Contain"],
        "recover" => L["Recover"],
        "close" => L["Close"],
        _ => stage,
    };

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Span(TimeSpan span) => span.TotalHours >= 48
        ? string.Format(CultureInfo.InvariantCulture, "{0:0.#} d", span.TotalDays)
        : string.Format(CultureInfo.InvariantCulture, "{0:0.##} h", span.TotalHours);

    private static void Row(StringBuilder sb, string name, string value) =>
        sb.Append(CultureInfo.InvariantCulture, $"<dt>{E(name)}</dt><dd>{E(value)}</dd>");

    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);

    private static string E(string text) => Encoder.Encode(text);
}
