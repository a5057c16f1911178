using Musubi.Core;
using Musubi.Infrastructure.Detection;
using Musubi.Server.Auth;

namespace Musubi.Server.Api;

/// <summary>The scope a rule set is enabled for: every organisation, or chosen organisations and sectors.</summary>
public sealed record RuleSetEnableInput(bool AllOrganisations, IReadOnlyList<Guid>? Organisations, IReadOnlyList<string>? Sectors);

/// <summary>The live indicator set as detection uses it; <see cref="Unsupported"/> holds only indicators the caller may see.</summary>
public sealed record IndicatorStatus(int Compiled, int Evaluated, int Skipped, int UnsupportedCount, DateTimeOffset BuiltAt, IReadOnlyList<UnsupportedIndicator> Unsupported,
    int AcrossEvents, Musubi.Stix.Patterning.WindowCounters Window, IReadOnlyList<InactiveIndicatorDto> Inactive);

/// <summary>An indicator detection skips now (expired, decayed, unreadable), with why.</summary>
public sealed record InactiveIndicatorDto(string IndicatorId, string? Pattern, string Reason);

/// <summary>
/// Sigma rule sets over REST (<c>/api/v1/detection/rule-sets</c>), through the same <see cref="SigmaRuleService"/> as
/// the rule-set page: platform administrators and the national SOC only; every write audited by the service.
/// Upload: the body is one YAML file or a zip of YAML files (<c>Content-Type: application/yaml</c>, <c>text/yaml</c>,
/// <c>application/x-yaml</c>, <c>application/zip</c> or <c>application/octet-stream</c>, <c>?name=</c>), or
/// <c>multipart/form-data</c> with the fields <c>name</c> and <c>file</c>; at most
/// <see cref="SigmaRuleService.MaxUploadBytes"/> (413 beyond). The answer lists every file with its load error.
/// </summary>
public static class RuleSetsApi
{
    private static readonly string[] RawTypes = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "application/zip", "application/x-zip-compressed", "application/octet-stream"];

    public static RouteGroupBuilder MapRuleSetsApi(this RouteGroupBuilder api)
    {
        var sets = api.MapGroup("/detection/rule-sets").WithTags("Detection rules");
        sets.MapGet("", async (HttpContext http, SigmaRuleService svc, CancellationToken ct) =>
                TypedResults.Ok(await svc.ListAsync(http.RequireActor(), ct)))
            .WithSummary("Every rule set with its scope and each rule file's load error (platform admins, national SOC).");
        sets.MapGet("/{id:guid}", async (HttpContext http, SigmaRuleService svc, Guid id, CancellationToken ct) =>
                TypedResults.Ok(await svc.GetAsync(http.RequireActor(), id, ct)))
            .WithSummary("One rule set with its rules and their load errors.");
        sets.MapPost("", UploadAsync)
            .DisableAntiforgery()
            .WithSummary("Upload a rule set (one YAML file or a zip of them); it starts disabled. Per-rule load errors in the answer.");
        sets.MapPost("/{id:guid}/enable", async (HttpContext http, SigmaRuleService svc, Guid id, RuleSetEnableInput? input, CancellationToken ct) =>
            {
                var actor = http.RequireActor();
                var current = await svc.GetAsync(actor, id, ct);
                var scope = input is null
                    ? new RuleSetScope(true, current.AllOrganisations, current.Organisations, current.Sectors)
                    : new RuleSetScope(true, input.AllOrganisations, input.Organisations ?? [], input.Sectors ?? []);
                if (!scope.AllOrganisations && (scope.Organisations?.Count ?? 0) == 0 && (scope.Sectors?.Count ?? 0) == 0)
                {
                    throw new ValidationFailedException("scope", "enabling a rule set needs a scope: allOrganisations, or at least one organisation or sector");
                }

                return TypedResults.Ok(await svc.SetScopeAsync(actor, id, scope, ct));
            })
            .WithSummary("Enable a rule set for every organisation or for chosen organisations and sectors (no body: its current scope).");
        sets.MapPost("/{id:guid}/disable", async (HttpContext http, SigmaRuleService svc, Guid id, CancellationToken ct) =>
            {
                var actor = http.RequireActor();
                var current = await svc.GetAsync(actor, id, ct);
                return TypedResults.Ok(await svc.SetScopeAsync(actor, id,
                    new RuleSetScope(false, current.AllOrganisations, current.Organisations, current.Sectors), ct));
            })
            .WithSummary("Disable a rule set (its scope is kept for the next enable).");
        sets.MapDelete("/{id:guid}", async (HttpContext http, SigmaRuleService svc, Guid id, CancellationToken ct) =>
            {
                await svc.DeleteAsync(http.RequireActor(), id, ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Delete a rule set and its rules.");
        api.MapGet("/detection/indicator-status", async (HttpContext http, IndicatorStatusService status, CancellationToken ct) =>
            {
                var r = await status.GetAsync(http.RequireActor(), ct);
                return TypedResults.Ok(new IndicatorStatus(r.Compiled, r.Evaluated, r.Skipped, r.Unsupported, r.BuiltAt, r.Rejected, r.AcrossEvents, r.Window,
                    r.Inactive.Select(i => new InactiveIndicatorDto(i.IndicatorId, i.Pattern, i.Reason)).ToList()));
            })
            .WithTags("Detection rules")
            .WithSummary("The live indicator set: compiled, evaluated, across-events and skipped counts, the cross-event window's counters, the skipped (expired, decayed) indicators with why, and the indicators left out because their pattern is beyond the window's bounds, with the reason (those the caller may see).");
        return api;
    }

    private static async Task<IResult> UploadAsync(HttpContext http, SigmaRuleService svc, string? name, string? fileName, CancellationToken ct)
    {
        var actor = http.RequireActor();
        ForbiddenException.ThrowUnless(await svc.MayManageAsync(actor, ct), "managing detection rules is for platform administrators and the national SOC");
        var request = http.Request;
        var limit = SigmaRuleService.MaxUploadBytes;
        var type = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant() ?? "";
        byte[] content;
        if (type == "multipart/form-data")
        {
            if (request.ContentLength > limit + (64 * 1024))
            {
                return TooLarge($"the request body is {request.ContentLength} bytes; a rule set may hold at most {limit} bytes");
            }

            var form = await request.ReadFormAsync(ct);
            name ??= form["name"].ToString();
            var file = form.Files["file"];
            if (file is null)
            {
                throw new ValidationFailedException("file", "the form needs a file field named 'file' (a YAML file or a zip of them)");
            }

            if (file.Length > limit)
            {
                return TooLarge($"the file is {file.Length} bytes; a rule set may hold at most {limit} bytes");
            }

            fileName ??= file.FileName;
            using var buffer = new MemoryStream((int)file.Length);
            await file.CopyToAsync(buffer, ct);
            content = buffer.ToArray();
        }
        else if (RawTypes.Contains(type))
        {
            if (request.ContentLength > limit)
            {
                return TooLarge($"the request body is {request.ContentLength} bytes; a rule set may hold at most {limit} bytes");
            }

            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return TooLarge($"the request body is longer than {limit} bytes, the most a rule set may hold");
                }

                buffer.Write(chunk, 0, read);
            }

            content = buffer.ToArray();
            fileName ??= type.Contains("zip", StringComparison.Ordinal) ? "rules.zip" : "rule.yml";
        }
        else
        {
            return TypedResults.Problem(
                $"unsupported Content-Type '{request.ContentType}': send application/yaml or application/zip (with ?name=), or multipart/form-data with 'name' and 'file'",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type");
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ValidationFailedException("name", "a rule set needs a name (?name= or the form field 'name')");
        }

        var created = await svc.UploadAsync(actor, name, fileName ?? "rule.yml", content, ct);
        return TypedResults.Created($"/api/v1/detection/rule-sets/{created.Id}", created);
    }

    private static IResult TooLarge(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large");
}
