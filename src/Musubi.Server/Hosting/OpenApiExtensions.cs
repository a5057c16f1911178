using Microsoft.OpenApi;

namespace Musubi.Server.Hosting;

/// <summary>The OpenAPI document at /openapi/v1.json and a browsable UI at /api/docs.</summary>
public static class OpenApiExtensions
{
    public static IServiceCollection AddMusubiOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.ShouldInclude = d => d.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((doc, _, _) =>
            {
                doc.Info = new OpenApiInfo
                {
                    Title = "Musubi API",
                    Version = "v1",
                    Description = "Constituency, identity and audit of the Musubi platform. Authenticate with an API token: "
                        + "`Authorization: Bearer msb_...` (create one in the UI, or POST /api/v1/auth/sign-in). "
                        + "Errors are application/problem+json; validation errors name each field.",
                };
                doc.Components ??= new OpenApiComponents();
                doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                doc.Components.SecuritySchemes["token"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API token (msb_...).",
                };
                doc.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("token", doc)] = [] }];
                return Task.CompletedTask;
            });
        });

    public static WebApplication MapMusubiOpenApi(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        app.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "api/docs";
            o.SwaggerEndpoint("/openapi/v1.json", "Musubi API v1");
            o.DocumentTitle = "Musubi API";
        });
        return app;
    }
}
