namespace Musubi.Stix.Reading;

/// <summary>What the reader accepts before refusing input: total size, JSON nesting depth, number of objects.</summary>
public sealed record StixReadLimits(long MaxBytes = 64L * 1024 * 1024, int MaxDepth = 64, int MaxObjects = 100_000)
{
    public static readonly StixReadLimits Default = new();
}
