using System.Buffers;
using System.Text.Json;
using Musubi.Core;
using Musubi.Infrastructure.Intelligence;
using Musubi.Infrastructure.Intelligence.Taxii;
using Musubi.Server.Auth;
using Musubi.Server.Hosting;

namespace Musubi.Server.Taxii;

/// <summary>
/// The TAXII 2.1 server (docs/STIX.md, "TAXII 2.1"): discovery at <c>/taxii2/</c>, one API root at <c>/taxii2/api/</c>.
/// Thin: negotiate, parse the filters, call <see cref="TaxiiService"/>, write the TAXII resource. Errors are TAXII error
/// messages (§3.6.1) in the TAXII media type.
/// </summary>
public static class TaxiiApi
{
    public const string DiscoveryPath = "/taxii2/";
    public const string ApiRootPath = "/taxii2/api/";

    public static void MapTaxiiApi(this WebApplication app)
    {
        var taxii = app.MapGroup("/taxii2").RequireAuthorization(AuthServiceCollectionExtensions.ApiPolicy)
            .AddEndpointFilter(NegotiateAndMapErrors).WithTags("TAXII 2.1");

        // §4.1 discovery
        taxii.MapGet("/", () => Json(w =>
        {
            w.WriteString("title", "Musubi TAXII 2.1");
            w.WriteString("description", "Shared threat intelligence of the national coordination centre; every object is served under TLP 2.0 and its sharing scope.");
            w.WriteString("contact", "the platform's operators");
            w.WriteString("default", ApiRootPath);
            w.WriteStartArray("api_roots");
            w.WriteStringValue(ApiRootPath);
            w.WriteEndArray();
        }));

        var api = taxii.MapGroup("/api");

        // §4.2 API root
        api.MapGet("/", () => Json(w =>
        {
            w.WriteString("title", "Musubi shared intelligence");
            w.WriteString("description", "Collections: what you may see, TLP:CLEAR, your organisation, and each community your organisation belongs to.");
            w.WriteStartArray("versions");
            w.WriteStringValue(TaxiiMedia.ContentType);
            w.WriteEndArray();
            w.WriteNumber("max_content_length", RequestSizeLimit.MaxBytes);
        }));

        // §4.3 status
        api.MapGet("/status/{statusId}/", async (HttpContext http, TaxiiService taxii, string statusId, CancellationToken ct) =>
        {
            var id = Guid.TryParse(statusId, out var g) ? g : throw TaxiiException.NotFound($"no status {statusId}");
            return Status(await taxii.StatusAsync(http.RequireActor(), id, ct), StatusCodes.Status200OK);
        });

        // §5.1 collections
        api.MapGet("/collections/", async (HttpContext http, TaxiiService taxii, CancellationToken ct) =>
        {
            var list = await taxii.CollectionsAsync(http.RequireActor(), ct);
            return Json(w =>
            {
                if (list.Count == 0)
                {
                    return;
                }

                w.WriteStartArray("collections");
                foreach (var c in list)
                {
                    WriteCollection(w, c);
                }

                w.WriteEndArray();
            });
        });

        // §5.2 a collection
        api.MapGet("/collections/{id}/", async (HttpContext http, TaxiiService taxii, string id, CancellationToken ct) =>
        {
            var c = await taxii.CollectionAsync(http.RequireActor(), id, ct);
            return Json(w => WriteCollectionBody(w, c));
        });

        // §5.3 manifest
        api.MapGet("/collections/{id}/manifest/", async (HttpContext http, TaxiiService taxii, string id, CancellationToken ct) =>
        {
            var page = await taxii.ObjectsAsync(http.RequireActor(), id, TaxiiQueryParser.Parse(http.Request.Query), ct);
            return Paged(page, "objects", (w, v) =>
            {
                w.WriteStartObject();
                w.WriteString("id", v.Id);
                w.WriteString("date_added", StixTimes.Format(v.DateAdded));
                w.WriteString("version", VersionOf(v));
                w.WriteString("media_type", TaxiiCollection.MediaType);
                w.WriteEndObject();
            });
        });

        // §5.4 objects
        api.MapGet("/collections/{id}/objects/", async (HttpContext http, TaxiiService taxii, string id, CancellationToken ct) =>
        {
            var page = await taxii.ObjectsAsync(http.RequireActor(), id, TaxiiQueryParser.Parse(http.Request.Query), ct);
            return Paged(page, "objects", (w, v) => w.WriteRawValue(v.Raw, skipInputValidation: true));
        });

        // §5.5 add objects
        api.MapPost("/collections/{id}/objects/", async (HttpContext http, TaxiiService taxii, string id, CancellationToken ct) =>
        {
            if (!TaxiiMedia.ReadableContent(http.Request))
            {
                throw new TaxiiException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                    $"Content-Type must be {TaxiiMedia.ContentType} (or application/taxii+json), not '{http.Request.ContentType}'", "unsupported-media-type");
            }

            var status = await taxii.AddAsync(http.RequireActor(), id, http.Request.Body, ct);
            return Status(status, StatusCodes.Status202Accepted);
        });

        // §5.6 an object
        api.MapGet("/collections/{id}/objects/{objectId}/", async (HttpContext http, TaxiiService taxii, string id, string objectId, CancellationToken ct) =>
        {
            var page = await taxii.ObjectAsync(http.RequireActor(), id, objectId, TaxiiQueryParser.Parse(http.Request.Query, allowIdAndType: false), ct);
            return Paged(page, "objects", (w, v) => w.WriteRawValue(v.Raw, skipInputValidation: true));
        });

        // §5.7 delete an object
        api.MapDelete("/collections/{id}/objects/{objectId}/", async (HttpContext http, TaxiiService taxii, string id, string objectId, CancellationToken ct) =>
        {
            var filter = TaxiiQueryParser.Parse(http.Request.Query, allowIdAndType: false);
            await taxii.DeleteAsync(http.RequireActor(), id, objectId, filter.Versions, filter.SpecVersions, ct);
            return Json(_ => { });
        });

        // §5.8 versions
        api.MapGet("/collections/{id}/objects/{objectId}/versions/", async (HttpContext http, TaxiiService taxii, string id, string objectId, CancellationToken ct) =>
        {
            var page = await taxii.VersionsAsync(http.RequireActor(), id, objectId, TaxiiQueryParser.Parse(http.Request.Query, allowIdAndType: false), ct);
            return Paged(page, "versions", (w, v) => w.WriteStringValue(VersionOf(v)));
        });
    }

    /// <summary>The version TAXII names: modified, else created (§5.3.1); an unversioned SCO gets its date_added, consistently.</summary>
    private static string VersionOf(StixObjectView v) => v.Version ?? StixTimes.Format(v.DateAdded);

    private static async ValueTask<object?> NegotiateAndMapErrors(EndpointFilterInvocationContext ctx, EndpointFilterDelegate next)
    {
        var http = ctx.HttpContext;
        if (!TaxiiMedia.Acceptable(http.Request))
        {
            return Error(new TaxiiException(StatusCodes.Status406NotAcceptable, "Not acceptable",
                $"Accept must include {TaxiiMedia.ContentType} or application/taxii+json; found '{http.Request.Headers.Accept}'", "not-acceptable"));
        }

        try
        {
            return await next(ctx);
        }
        catch (TaxiiException e)
        {
            return Error(e);
        }
        catch (BadHttpRequestException e)
        {
            return Error(new TaxiiException(e.StatusCode, e.StatusCode == 413 ? "Request too large" : "Bad request", e.Message, "bad-request"));
        }
        catch (ForbiddenException e)
        {
            return Error(TaxiiException.Forbidden(e.Message));
        }
        catch (NotFoundException e)
        {
            return Error(TaxiiException.NotFound(e.Message));
        }
        catch (ValidationFailedException e)
        {
            return Error(TaxiiException.BadRequest(string.Join("; ", e.Errors.Select(kv => $"{kv.Key}: {string.Join(", ", kv.Value)}"))));
        }
    }

    public static IResult Error(TaxiiException e) => new TaxiiResult(e.HttpStatus, w =>
    {
        w.WriteString("title", e.Title);
        w.WriteString("description", e.Message);
        w.WriteString("error_id", Guid.NewGuid().ToString());
        w.WriteString("error_code", e.Code);
        w.WriteString("http_status", e.HttpStatus.ToString(System.Globalization.CultureInfo.InvariantCulture));
    });

    /// <summary>Writes a TAXII error for requests that never reach an endpoint (authentication, the size limit).</summary>
    public static Task WriteErrorAsync(HttpContext http, int status, string title, string description, string code) =>
        Error(new TaxiiException(status, title, description, code)).ExecuteAsync(http);

    private static IResult Json(Action<Utf8JsonWriter> body) => new TaxiiResult(StatusCodes.Status200OK, body);

    private static IResult Paged(TaxiiPage page, string listName, Action<Utf8JsonWriter, StixObjectView> item)
    {
        var result = new TaxiiResult(StatusCodes.Status200OK, w =>
        {
            w.WriteBoolean("more", page.More);
            if (page.Next is { } next)
            {
                w.WriteString("next", next);
            }

            if (page.Items.Count == 0)
            {
                return;
            }

            w.WriteStartArray(listName);
            foreach (var v in page.Items)
            {
                item(w, v);
            }

            w.WriteEndArray();
        });
        if (page.Items.Count > 0)
        {
            result.Headers["X-TAXII-Date-Added-First"] = StixTimes.Format(page.Items[0].DateAdded);
            result.Headers["X-TAXII-Date-Added-Last"] = StixTimes.Format(page.Items[^1].DateAdded);
        }

        return result;
    }

    private static IResult Status(TaxiiStatus s, int httpStatus) => new TaxiiResult(httpStatus, w =>
    {
        w.WriteString("id", s.Id.ToString());
        w.WriteString("status", s.Status);
        w.WriteString("request_timestamp", StixTimes.Format(s.RequestTimestamp));
        w.WriteNumber("total_count", s.TotalCount);
        w.WriteNumber("success_count", s.SuccessCount);
        Details(w, "successes", s.Successes);
        w.WriteNumber("failure_count", s.FailureCount);
        Details(w, "failures", s.Failures);
        w.WriteNumber("pending_count", s.PendingCount);
    });

    private static void Details(Utf8JsonWriter w, string name, IReadOnlyList<TaxiiStatusDetail> details)
    {
        if (details.Count == 0)
        {
            return;
        }

        w.WriteStartArray(name);
        foreach (var d in details)
        {
            w.WriteStartObject();
            w.WriteString("id", d.Id);
            w.WriteString("version", d.Version);
            if (d.Message is { } m)
            {
                w.WriteString("message", m);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteCollection(Utf8JsonWriter w, TaxiiCollection c)
    {
        w.WriteStartObject();
        WriteCollectionBody(w, c);
        w.WriteEndObject();
    }

    private static void WriteCollectionBody(Utf8JsonWriter w, TaxiiCollection c)
    {
        w.WriteString("id", c.Id.ToString());
        w.WriteString("title", c.Title);
        w.WriteString("description", c.Description);
        w.WriteString("alias", c.Alias);
        w.WriteBoolean("can_read", c.CanRead);
        w.WriteBoolean("can_write", c.CanWrite);
        w.WriteStartArray("media_types");
        w.WriteStringValue(TaxiiCollection.MediaType);
        w.WriteEndArray();
    }

    /// <summary>A TAXII resource: one JSON object in the TAXII media type, objects embedded exactly as published.</summary>
    private sealed class TaxiiResult(int status, Action<Utf8JsonWriter> body) : IResult
    {
        public Dictionary<string, string> Headers { get; } = [];

        public async Task ExecuteAsync(HttpContext http)
        {
            var buffer = new ArrayBufferWriter<byte>(4096);
            await using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                body(w);
                w.WriteEndObject();
            }

            http.Response.StatusCode = status;
            http.Response.ContentType = TaxiiMedia.ContentType;
            foreach (var (k, v) in Headers)
            {
                http.Response.Headers[k] = v;
            }

            await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
        }
    }
}
