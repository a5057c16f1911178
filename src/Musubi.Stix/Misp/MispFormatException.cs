namespace Musubi.Stix.Misp;

/// <summary>The input is not a MISP event (or list of events) this converter reads: says what and where (a JSON path).</summary>
public sealed class MispFormatException(string message, string path) : Exception($"{message} at {path}")
{
    public string Path { get; } = path;
}
