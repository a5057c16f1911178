namespace Musubi.Stix.Patterning;

/// <summary>A pattern that does not parse: <see cref="Position"/> is the 0-based character offset, with what was expected there.</summary>
public sealed class PatternSyntaxException(string message, int position, string? expected = null)
    : Exception($"pattern error at character {position + 1}: {message}{(expected is null ? "" : $"; expected {expected}")}")
{
    public int Position { get; } = position;
    public string Reason { get; } = message;
    public string? Expected { get; } = expected;
}
