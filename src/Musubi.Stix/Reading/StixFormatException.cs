namespace Musubi.Stix.Reading;

/// <summary>
/// The input is not a readable STIX document: not JSON, too large, too deep, too many objects, or not a bundle or
/// object. <see cref="Path"/> is the JSON path where reading stopped; line and byte (1-based) when known.
/// </summary>
public sealed class StixFormatException(string message, string path, long? line = null, long? bytePositionInLine = null)
    : Exception(Describe(message, path, line, bytePositionInLine))
{
    public string Reason { get; } = message;
    public string Path { get; } = path;
    public long? Line { get; } = line;
    public long? BytePositionInLine { get; } = bytePositionInLine;

    private static string Describe(string message, string path, long? line, long? bytePositionInLine) =>
        line is null ? $"{message} at {path}" : $"{message} at {path} (line {line}, byte {bytePositionInLine})";
}
