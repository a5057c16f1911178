using Musubi.Core;
using Musubi.Core.Identity;
using Musubi.Stix.Misp;
using Musubi.Stix.Reading;

namespace Musubi.Infrastructure.Intelligence;

/// <summary>
/// Imports a MISP event into the STIX store: converted by <see cref="MispToStix"/>, then published through
/// <see cref="StixImporter"/> (one transaction, per-object results, audited as <c>misp.import</c>). What is stored is
/// read back only through the access policy, like any other STIX. Not a MISP event: 400 naming where.
/// </summary>
public sealed class MispImporter(StixImporter importer)
{
    public async Task<StixImportResult> ImportAsync(Actor actor, Stream input, PublishOptions options, CancellationToken ct)
    {
        ForbiddenException.ThrowUnless(AccessRules.CanPublishIntelligence(actor), "importing MISP needs the intel:write scope and a role other than read-only");
        await importer.CheckScopeAsync(options, ct);
        using var buffer = new MemoryStream();
        await CopyLimitedAsync(input, buffer, MispLimits.Default.MaxBytes, ct);
        MispToStix.Result converted;
        try
        {
            converted = MispToStix.Convert(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        }
        catch (MispFormatException e)
        {
            throw new ValidationFailedException(e.Path, e.Message);
        }

        var document = StixReader.Read(converted.Bundle(), StixImporter.Limits);
        return await importer.ImportDocumentAsync(actor, document, options, ct, "misp.import");
    }

    private static async Task CopyLimitedAsync(Stream input, Stream output, long max, CancellationToken ct)
    {
        var chunk = new byte[81920];
        long total = 0;
        int n;
        while ((n = await input.ReadAsync(chunk, ct)) > 0)
        {
            total += n;
            if (total > max)
            {
                throw new ValidationFailedException("$", $"input is larger than the limit of {max} bytes");
            }

            await output.WriteAsync(chunk.AsMemory(0, n), ct);
        }
    }
}
