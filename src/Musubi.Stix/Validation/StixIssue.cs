namespace Musubi.Stix.Validation;

public enum StixSeverity
{
    /// <summary>The spec says SHOULD, or the data may be fine elsewhere (an unresolved reference): reported, not refused.</summary>
    Warning,
    /// <summary>The spec says MUST: the object is invalid.</summary>
    Error,
}

/// <summary>One finding: where (JSON path in the input), on which object, a stable code and a sentence.</summary>
public sealed record StixIssue(StixSeverity Severity, string Path, string? ObjectId, string Code, string Message)
{
    public override string ToString() => $"{(Severity == StixSeverity.Error ? "error" : "warning")}: {Path}: {Message} [{Code}]";
}
