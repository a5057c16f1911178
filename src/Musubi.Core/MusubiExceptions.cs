namespace Musubi.Core;

/// <summary>Base of the errors that map to a 4xx answer; the message is safe to show to the caller.</summary>
public abstract class MusubiException(string message) : Exception(message);

/// <summary>One or more fields are invalid; keys are field paths ("networks[2].value"), values the reasons.</summary>
public sealed class ValidationFailedException(IReadOnlyDictionary<string, string[]> errors)
    : MusubiException("validation failed: " + string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(", ", e.Value))))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    public ValidationFailedException(string field, string reason)
        : this(new Dictionary<string, string[]> { [field] = [reason] })
    {
    }
}

public sealed class NotFoundException(string what, string id) : MusubiException($"{what} '{id}' was not found");

public sealed class ForbiddenException(string reason) : MusubiException(reason)
{
    public static void ThrowUnless(bool allowed, string reason)
    {
        if (!allowed)
        {
            throw new ForbiddenException(reason);
        }
    }
}

/// <summary>The request clashes with existing state (a duplicate name, a network block another organisation owns).</summary>
public sealed class ConflictException(string message, string? field = null) : MusubiException(message)
{
    public string? Field { get; } = field;
}

/// <summary>The input is larger than the limit for it (HTTP 413).</summary>
public sealed class PayloadTooLargeException(string message) : MusubiException(message);
